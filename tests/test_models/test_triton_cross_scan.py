"""The fused Triton scan against the unfused PyTorch path, on the CPU.

Triton's interpreter (``TRITON_INTERPRET=1``, read when a kernel is defined)
runs the kernels with NumPy, so the fused path is checked here, in a fresh
process, on an odd, non-square map of several chunks with a channel count
that does not fill the last channel block. On a GPU the same comparison runs
compiled (``tests/test_models/test_cuda_scan.py``).
"""
import os
import subprocess
import sys

import pytest

pytest.importorskip('triton')

CHECK = r'''
import torch
from msm_mm.models.layers import CrossScanCore
from msm_mm.models.ops.cross_selective_scan import CrossSelectiveScan

torch.manual_seed(0)
core = CrossScanCore(6, dt_rank=2, d_state=4, backend='torch')
with torch.no_grad():  # varied parameters, so every gradient path matters
    core.A_log.add_(torch.rand_like(core.A_log))
    core.D.normal_()
    core.dt_proj_bias.normal_(0, 0.5)
assert CrossSelectiveScan.block_t < 5 * 7 / 2  # several chunks: the state crosses chunk borders
# a channel slice of a channels-last map, as MS-Scan hands its branches
full = torch.randn(2, 9, 5, 7).to(memory_format=torch.channels_last)
x = full[:, 1:7].detach().requires_grad_()
params = list(core.parameters())
want = core._forward_unfused(x, 'torch')
grad = torch.randn_like(want)
want_grads = torch.autograd.grad(want, [x] + params, grad)
names = ['x'] + [n for n, _ in core.named_parameters()]
# 5 chunks of 8 steps on 2 * 4 programs: one segment, then 3 segments of 2, 2
# and 1 chunks, then one segment per chunk
for min_programs, num_segments in [(1, 1), (24, 3), (2048, 5)]:
    CrossSelectiveScan.min_programs = min_programs
    assert CrossSelectiveScan.segments(2, 6, 35)[1] == num_segments
    got = core._forward_fused(x)
    got_grads = torch.autograd.grad(got, [x] + params, grad)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
    for name, g, w in zip(names, got_grads, want_grads):
        torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-4,
                                   msg=lambda m: f'{num_segments} segments, {name}: {m}')
    print(f'{num_segments} segments: fused == unfused on 5x7, forward and', len(names),
          'gradients')

# for its backward the op keeps the step sizes' projection (B, L, K, R), not
# the step sizes (B, L, K, D)
saved = []
with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(tuple(t.shape)) or t,
                                              lambda t: t):
    core._forward_fused(x)
assert (2, 35, 4, 6) not in saved and (2, 35, 4, 2) in saved, saved
print('saved for the backward: the projection of the step sizes')

# a channels-first map (as the window branches hand over their tokens): its
# channels are made contiguous before the projection and the op, and the
# backward gets that copy, not the strided map
x_first = full[:, 1:7].contiguous().detach().requires_grad_()
saved = []
with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
    got = core._forward_fused(x_first)
maps = [t for t in saved if tuple(t.shape) == (2, 35, 6)]
assert maps and all(t.stride(-1) == 1 for t in maps), [t.stride() for t in maps]
got_grads = torch.autograd.grad(got, [x_first] + params, grad)
torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
for name, g, w in zip(names, got_grads, want_grads):
    torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-4,
                               msg=lambda m: f'channels first, {name}: {m}')
print('channels-first map: copied before the op, fused == unfused')
# strided channels handed to the function or the operator itself: copied
from msm_mm.models.ops.cross_selective_scan import cross_selective_scan
inputs = [t.detach() for t in core.fused_scan_inputs(x_first)]
strided = inputs[0].transpose(1, 2).contiguous().transpose(1, 2)  # (B, L, D), channel stride L
scan_args = (core.A_log, core.D, core.dt_proj_bias, 5, 7)
y = cross_selective_scan(*inputs, *scan_args)
# (NumPy's sums in the interpreter may round differently at other addresses)
torch.testing.assert_close(cross_selective_scan(strided, *inputs[1:], *scan_args), y,
                           rtol=1e-6, atol=1e-6)
torch.testing.assert_close(
    torch.ops.msm_mm.cross_selective_scan(strided, *inputs[1:], *scan_args, 2)[0], y,
    rtol=1e-6, atol=1e-6)
print('strided channels: the same output')

# buffers beyond the 32-bit offsets: one 5x7 image fits 1500 elements, two do not
import msm_mm.models.ops.cross_selective_scan as scan_module
scan_module.MAX_ELEMENTS = 1500
images, scan = [], scan_module._scan
scan_module._scan = lambda *args: images.append(args[0].shape[0]) or scan(*args)
got = core._forward_fused(x)
got_grads = torch.autograd.grad(got, [x] + params, grad)
assert images == [1, 1], images
torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
for name, g, w in zip(names, got_grads, want_grads):
    torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-4, msg=lambda m: f'in parts, {name}: {m}')
print('batch in parts: fused == unfused on 5x7, forward and', len(names), 'gradients')
scan_module._scan, scan_module.MAX_ELEMENTS = scan, 2**31 - 1

# the op inside torch.compile: one graph, no break, the same forward and
# gradients through the autograd of the compiled graph
explained = torch._dynamo.explain(core._forward_fused)(x)
assert (explained.graph_count, explained.graph_break_count) == (1, 0), explained
compiled = torch.compile(core._forward_fused, backend='aot_eager', fullgraph=True)
got = compiled(x)
got_grads = torch.autograd.grad(got, [x] + params, grad)
torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
for name, g, w in zip(names, got_grads, want_grads):
    torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-4, msg=lambda m: f'compiled, {name}: {m}')
print('compiled: one graph, fused == unfused on 5x7, forward and', len(names), 'gradients')

# the operators' registrations: schema, fake shapes and strides against the
# real outputs, autograd registration
args = (*core.fused_scan_inputs(x), core.A_log.view(4, 6, 4), core.D.view(4, 6),
        core.dt_proj_bias, 5, 7, 2)
torch.library.opcheck(torch.ops.msm_mm.cross_selective_scan.default, args,
                      test_utils=('test_schema', 'test_faketensor', 'test_autograd_registration'))
y, state, dsum = torch.ops.msm_mm.cross_selective_scan(*args)
torch.library.opcheck(torch.ops.msm_mm.cross_selective_scan_backward.default,
                      (torch.randn_like(y), *[a.detach() for a in args[:7]], state, dsum, 5, 7, 2),
                      test_utils=('test_schema', 'test_faketensor'))
print('operators: schema and fakes checked')
'''


def test_fused_scan_equals_unfused_in_interpreter():
    env = dict(os.environ, TRITON_INTERPRET='1')
    result = subprocess.run([sys.executable, '-c', CHECK], env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    for num_segments in (1, 3, 5):
        assert f'{num_segments} segments: fused == unfused on 5x7, forward and 6 gradients' \
            in result.stdout
    assert 'batch in parts: fused == unfused on 5x7, forward and 6 gradients' in result.stdout
    assert 'saved for the backward: the projection of the step sizes' in result.stdout
    assert 'channels-first map: copied before the op, fused == unfused' in result.stdout
    assert 'strided channels: the same output' in result.stdout
    assert 'compiled: one graph, fused == unfused on 5x7, forward and 6 gradients' \
        in result.stdout
    assert 'operators: schema and fakes checked' in result.stdout


# MS-Scan compiled by inductor (CPU code around the interpreted op): the op
# gets the window branch's tokens and every dy with contiguous channels, made
# in the compiled graphs, and the full-scale branch's map as a view; its
# backward returns dx per direction and dB/dC per channel block, summed in the
# compiled graphs
COMPILED_MULTI_SCALE = r'''
import torch
import msm_mm.models.ops.cross_selective_scan as scan_module
from msm_mm.models.layers.multi_scale_scan import MultiScaleScan

torch.manual_seed(0)
ref = MultiScaleScan(8, dt_rank=2, scales=(1, 4), d_state=4, backend='torch')
fused = MultiScaleScan(8, dt_rank=2, scales=(1, 4), d_state=4, backend='torch')
fused.load_state_dict(ref.state_dict())
for branch in fused.branches:
    branch.forward = branch._forward_fused
x = torch.randn(2, 8, 8, 12).to(memory_format=torch.channels_last).requires_grad_()
want = ref(x)
grad = torch.randn_like(want)
want_grads = torch.autograd.grad(want, [x] + list(ref.parameters()), grad)
# (pass, channels, stride of the map's channels and pixels, of dy's channels)
# and (the backward's dx and dB/dC shapes)
seen, grad_shapes = [], []
forward, backward = scan_module.CrossSelectiveScan.forward, scan_module.CrossSelectiveScan.backward
scan_module.CrossSelectiveScan.forward = staticmethod(
    lambda x, *a: seen.append(('fwd', x.shape[2], x.stride()[1:])) or forward(x, *a))
def recorded_backward(dy, x, *args):
    seen.append(('bwd', x.shape[2], dy.stride(-1)))
    grads = backward(dy, x, *args)
    grad_shapes.append((tuple(grads[0].shape), tuple(grads[3].shape)))
    return grads
scan_module.CrossSelectiveScan.backward = staticmethod(recorded_backward)
got = torch.compile(fused, backend='inductor', fullgraph=True)(x)
got_grads = torch.autograd.grad(got, [x] + list(fused.parameters()), grad)
torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
for g, w in zip(got_grads, want_grads):
    torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-4)
# the full-scale branch scans 4 of x's 8 channels-last channels in place
assert sorted(seen) == [('bwd', 4, 1), ('bwd', 64, 1), ('fwd', 4, (8, 1)),
                        ('fwd', 64, (64, 1))], seen
# (B, L, K, D) and (B, L, K, blocks, 2N): 8x12 pixels at full scale, 4
# windows of 2x3 tokens of 64 channels at scale 4 (one block of 8 channels)
blocks = -(-64 // scan_module.CrossSelectiveScan.bwd_tiles[0])
assert sorted(grad_shapes) == [((2, 6, 4, 64), (2, 6, 4, blocks, 8)),
                               ((2, 96, 4, 4), (2, 96, 4, 1, 8))], grad_shapes
print('inductor: MS-Scan equal, contiguous channels made in the graphs')
'''


def test_compiled_multi_scale_scan_copies_strided_channels_in_the_graphs(tmp_path):
    # a cache of its own: compiled graphs cached by an earlier version of the op would be
    # reused, as the compiled code names the op only
    env = dict(os.environ, TRITON_INTERPRET='1', TORCHINDUCTOR_CACHE_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, '-c', COMPILED_MULTI_SCALE], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'inductor: MS-Scan equal, contiguous channels made in the graphs' in result.stdout


def test_segments_split_only_scans_of_few_programs_and_cover_every_chunk():
    from msm_mm.models.ops.cross_selective_scan import CrossSelectiveScan

    # the decoder's last stage: 192 channels over 112x144 steps, batch 4
    seg_chunks, num_segments = CrossSelectiveScan.segments(4, 192, 112 * 144)
    num_chunks = -(-112 * 144 // CrossSelectiveScan.block_t)
    assert num_segments > 1
    assert (num_segments - 1) * seg_chunks < num_chunks <= num_segments * seg_chunks
    # 3072 channels over 28x36 steps fill the card unsplit; one step is one chunk
    assert CrossSelectiveScan.segments(4, 3072, 28 * 36)[1] == 1
    assert CrossSelectiveScan.segments(2, 5, 1) == (1, 1)


def test_segment_summaries_are_float32_for_any_input_dtype():
    """The summaries (end states, sums of step sizes) keep float32 for
    bfloat16 inputs, as the operators' fakes declare."""
    import torch

    from msm_mm.models.ops.cross_selective_scan import CrossSelectiveScan

    # 35 steps: 5 chunks, in 3 segments of 2 chunks
    segments = CrossSelectiveScan._segments(torch.zeros(2, 35, 6, dtype=torch.bfloat16), 4, 2)
    assert segments.state.shape == (2, 4, 3, 4, 6) and segments.dsum.shape == (2, 4, 3, 6)
    assert segments.state.dtype == segments.dsum.dtype == torch.float32


def test_map_beyond_32_bit_offsets_names_the_problem(monkeypatch):
    import torch

    from msm_mm.models.ops import cross_selective_scan as scan_module
    monkeypatch.setattr(scan_module, 'MAX_ELEMENTS', 1000)  # less than one 5x7 image needs
    x, dt_low, bc = torch.zeros(2, 35, 6), torch.zeros(2, 35, 4, 2), torch.zeros(2, 35, 4, 8)
    with pytest.raises(ValueError, match=r"one 5x7 map of 6 channels .* 32-bit offsets"):
        scan_module.cross_selective_scan(x, dt_low, torch.zeros(4, 6, 2), bc, torch.zeros(4, 6, 4),
                                         torch.zeros(4, 6), torch.zeros(4, 6), 5, 7)


def test_map_beyond_the_float_division_names_the_limit(monkeypatch):
    import torch

    from msm_mm.models.ops import cross_selective_scan as scan_module
    monkeypatch.setattr(scan_module, 'MAX_PIXELS', 34)
    x, dt_low, bc = torch.zeros(2, 35, 6), torch.zeros(2, 35, 4, 2), torch.zeros(2, 35, 4, 8)
    with pytest.raises(ValueError, match=r"maps of at most 34 pixels, got 5x7"):
        scan_module.cross_selective_scan(x, dt_low, torch.zeros(4, 6, 2), bc, torch.zeros(4, 6, 4),
                                         torch.zeros(4, 6), torch.zeros(4, 6), 5, 7)


@pytest.mark.parametrize('height', [1, 3, 7, 112, 1000, 65535, 2**21 - 1])
def test_float_division_by_the_height_is_exact_below_max_pixels(height):
    """The kernels' floor(s / height): (s + 0.5) times the float32 inverse,
    for every s below MAX_PIXELS."""
    import torch

    from msm_mm.models.ops.cross_selective_scan import MAX_PIXELS, MapShape
    s = torch.arange(MAX_PIXELS, dtype=torch.int32)
    inv = torch.tensor(MapShape.of(height, 1, 1).inv_height, dtype=torch.float32)
    quotient = ((s.float() + 0.5) * inv).to(torch.int32)
    assert torch.equal(quotient, torch.div(s, height, rounding_mode='floor'))


def test_step_sizes_take_the_projection_dtype_with_or_without_autocast():
    """The op computes dt in the forward, maybe under autocast, and again in
    the backward, where autocast is off: both must give the same tensor."""
    import torch

    from msm_mm.models.ops.cross_selective_scan import _step_sizes
    low, weight = torch.randn(2, 5, 4, 3), torch.randn(4, 6, 3)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        under_autocast = _step_sizes(low, weight)
    assert under_autocast.dtype == torch.float32
    assert torch.equal(under_autocast, _step_sizes(low, weight))
    assert _step_sizes(low.bfloat16(), weight).dtype == torch.bfloat16


@pytest.mark.parametrize('dtype, rank', [('bfloat16', 12), ('bfloat16', 24), ('float32', 5),
                                         ('float32', 12)])
def test_step_size_weight_grad_is_the_per_direction_product(dtype, rank):
    """dt_weight's gradient, by per-direction products (rows of 16-byte
    multiples) or by one product of all directions (other rows), is
    ddt^T dt_low per direction; dt_low a slice of its projection, as the
    core hands it."""
    import torch

    from msm_mm.models.ops.cross_selective_scan import _step_size_weight_grad
    dtype = getattr(torch, dtype)
    ddt = torch.randn(2, 33, 4, 7, dtype=dtype)
    dt_low = torch.randn(2, 33, 4, rank + 8, dtype=dtype)[..., :rank]
    got = _step_size_weight_grad(ddt, dt_low)
    want = torch.einsum('blkd,blkr->kdr', ddt.double(), dt_low.double())
    assert got.shape == (4, 7, rank) and got.dtype == dtype
    torch.testing.assert_close(got.double(), want, rtol=1e-2 if dtype == torch.bfloat16 else 1e-5,
                               atol=1e-2 * want.abs().max().item())


def test_inference_splits_the_batch_by_the_forward_buffers_only(monkeypatch):
    import torch

    from msm_mm.models.ops import cross_selective_scan as scan_module

    # 5x7 map, 20 channels (3 channel blocks), N = 4: per image y has 2,800
    # elements, dB/dC per channel block 3,360 (the backward's largest buffer)
    monkeypatch.setattr(scan_module, 'MAX_ELEMENTS', 6000)
    calls = []

    def record(x, *args):  # the batch of each launch, instead of the kernels
        calls.append(x.shape[0])
        return x.new_zeros(x.shape)

    monkeypatch.setattr(scan_module, '_scan', record)
    x, bc = torch.zeros(4, 35, 20), torch.zeros(4, 35, 4, 8)
    dt = torch.zeros(4, 35, 4, 2), torch.zeros(4, 20, 2)  # projection, weights
    A = torch.zeros(4, 20, 4, requires_grad=True)
    args = (torch.zeros(4, 20), torch.zeros(4, 20), 5, 7)
    y = scan_module.cross_selective_scan(x, *dt, bc, A, *args)
    assert calls == [1, 1, 1, 1] and y.shape == (4, 35, 20)
    calls.clear()
    with torch.no_grad():
        scan_module.cross_selective_scan(x, *dt, bc, A, *args)
    assert calls == [2, 2]


def test_triton_older_than_tuple_kernel_arguments_is_refused_by_name():
    check = ("import triton; triton.__version__ = '3.2.0'\n"
             "from msm_mm.models.ops import cross_selective_scan")
    result = subprocess.run([sys.executable, '-c', check], capture_output=True, text=True)
    assert result.returncode != 0
    assert 'ImportError: the Triton cross scan needs Triton 3.3 or newer, found 3.2.0' \
        in result.stderr
