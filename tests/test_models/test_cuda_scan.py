"""GPU checks (run on a CUDA machine with mamba-ssm: ``pytest tests -m cuda``).

The mamba-ssm kernel, our Triton kernels and the PyTorch scan must compute
the same function, forward and backward, on odd sizes; bf16 autocast must
stay within a stated tolerance of float32; the full Swin-L MSM model must run
a training step at the paper's NYUD resolution.
"""
import os.path as osp

import pytest
import torch

from msm_mm.models.layers import CrossScanCore, MultiScaleScan
from msm_mm.models.layers.cross_scan import triton_scan_available
from msm_mm.models.ops import mamba_ssm_available, selective_scan

pytestmark = pytest.mark.cuda

needs_mamba = pytest.mark.skipif(not mamba_ssm_available(), reason='needs mamba-ssm CUDA ext')
needs_triton = pytest.mark.skipif(not triton_scan_available(), reason='needs Triton on CUDA')


def scan_inputs(batch, dim, length, groups, d_state, device='cuda'):
    g = torch.Generator(device=device).manual_seed(0)
    kw = dict(generator=g, device=device)
    return [
        torch.randn(batch, dim, length, **kw),
        torch.randn(batch, dim, length, **kw) * 0.5,
        -torch.rand(dim, d_state, **kw) * 4 - 0.1,
        torch.randn(batch, groups, d_state, length, **kw),
        torch.randn(batch, groups, d_state, length, **kw),
        torch.randn(dim, **kw),
        torch.randn(dim, **kw) * 0.1,
    ]


@needs_mamba
@pytest.mark.parametrize('length', [1, 37, 999, 4097])
def test_mamba_ssm_equals_torch_scan(length):
    inputs = [t.requires_grad_() for t in scan_inputs(2, 12, length, 4, 16)]
    grad_out = torch.randn(2, 12, length, device='cuda')
    outs, grads = {}, {}
    for backend in ('torch', 'mamba_ssm'):
        outs[backend] = selective_scan(*inputs, delta_softplus=True, backend=backend)
        grads[backend] = torch.autograd.grad(outs[backend], inputs, grad_out)
    torch.testing.assert_close(outs['mamba_ssm'], outs['torch'], rtol=1e-4, atol=1e-4)
    for got, want in zip(grads['mamba_ssm'], grads['torch']):
        torch.testing.assert_close(got, want, rtol=1e-3, atol=1e-3)


@needs_triton
@pytest.mark.parametrize('size', [(1, 1), (29, 43), (112, 144)])
@pytest.mark.parametrize('dims', [5, 192])
def test_triton_cross_scan_equals_torch(size, dims):
    """Fused Triton kernels vs cross-scan + PyTorch scan: forward and every
    gradient, on a channel slice of a channels-last map (as MS-Scan passes)."""
    torch.manual_seed(0)
    core = CrossScanCore(dims, dt_rank=3, d_state=16, backend='torch').cuda()
    with torch.no_grad():
        core.A_log.add_(torch.rand_like(core.A_log))
        core.D.normal_()
    full = torch.randn(2, dims + 3, *size, device='cuda').to(memory_format=torch.channels_last)
    x = full[:, 2:2 + dims].detach().requires_grad_()
    params = [x] + list(core.parameters())
    want = core._forward_unfused(x, 'torch')
    got = core._forward_fused(x)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
    grad = torch.randn_like(want)
    for name, g, w in zip(['x'] + [n for n, _ in core.named_parameters()],
                          torch.autograd.grad(got, params, grad),
                          torch.autograd.grad(want, params, grad)):
        # parameter gradients sum over up to 2*4*16128 steps: relative bound
        torch.testing.assert_close(g, w, rtol=1e-3, atol=1e-3 * w.abs().max().item() + 1e-6,
                                   msg=lambda m: f'{name}: {m}')


@needs_triton
@pytest.mark.parametrize('bwd_tiles', [(4, 1, 1), (8, 2, 1), (16, 1, 1)])
def test_triton_cross_scan_backward_tiles(bwd_tiles, monkeypatch):
    """Other channel blocks and warps in the backward (its sums over a block's
    channels shuffle between lanes) give the default tiles' gradients, on a
    channel count no tile divides."""
    from msm_mm.models.ops.cross_selective_scan import CrossSelectiveScan
    torch.manual_seed(0)
    core = CrossScanCore(37, dt_rank=3, d_state=16, backend='triton').cuda()
    x = torch.randn(2, 37, 29, 43, device='cuda', requires_grad=True)
    params = [x] + list(core.parameters())
    grad = torch.randn(2, 37, 29, 43, device='cuda')
    want = torch.autograd.grad(core._forward_fused(x), params, grad)
    monkeypatch.setattr(CrossSelectiveScan, 'bwd_tiles', bwd_tiles)
    got = torch.autograd.grad(core._forward_fused(x), params, grad)
    for name, g, w in zip(['x'] + [n for n, _ in core.named_parameters()], got, want):
        torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-4 * w.abs().max().item() + 1e-6,
                                   msg=lambda m: f'{name}: {m}')


@needs_triton
@pytest.mark.parametrize('dtype', [torch.float32, torch.bfloat16])
def test_triton_scan_operators_match_their_fakes(dtype):
    """What torch.compile plans with (the operators' fakes: shapes, strides,
    dtypes) is what the kernels return, for float32 and bfloat16 inputs, on
    a sequence split into segments."""
    from msm_mm.models.ops.cross_selective_scan import CrossSelectiveScan
    torch.manual_seed(0)
    core = CrossScanCore(5, dt_rank=3, d_state=16, backend='triton').cuda()
    x = torch.randn(2, 5, 29, 43, device='cuda')
    pixels, dt_low, dt_weight, bc = core.fused_scan_inputs(x)
    seg_chunks, num_segments = CrossSelectiveScan.segments(2, 5, 29 * 43)
    assert num_segments > 1
    args = (pixels.to(dtype), dt_low.to(dtype), dt_weight, bc.to(dtype), core.A_log, core.D,
            core.dt_proj_bias, 29, 43, seg_chunks)
    args = tuple(a.detach() if isinstance(a, torch.Tensor) else a for a in args)
    torch.library.opcheck(torch.ops.msm_mm.cross_selective_scan.default, args,
                          test_utils=('test_schema', 'test_faketensor'))
    y, state, dsum = torch.ops.msm_mm.cross_selective_scan(*args)
    assert state.dtype == dsum.dtype == torch.float32
    torch.library.opcheck(torch.ops.msm_mm.cross_selective_scan_backward.default,
                          (torch.randn_like(y), *args[:7], state, dsum, 29, 43, seg_chunks),
                          test_utils=('test_schema', 'test_faketensor'))


@needs_mamba
@needs_triton
@pytest.mark.parametrize('tokenization', ['window', 'dilated'])
@pytest.mark.parametrize('backend', ['mamba_ssm', 'triton'])
def test_multi_scale_scan_backends_agree(tokenization, backend):
    torch.manual_seed(0)
    ref = MultiScaleScan(32, dt_rank=2, scales=(1, 4), tokenization=tokenization,
                         backend='torch').cuda()
    fast = MultiScaleScan(32, dt_rank=2, scales=(1, 4), tokenization=tokenization,
                          backend=backend).cuda()
    fast.load_state_dict(ref.state_dict())
    x = torch.randn(2, 32, 29, 43, device='cuda', requires_grad=True)
    y_ref, y_fast = ref(x), fast(x)
    torch.testing.assert_close(y_fast, y_ref, rtol=1e-4, atol=1e-4)
    g = torch.randn_like(y_ref)
    (gx_ref, ) = torch.autograd.grad(y_ref, x, g)
    (gx_fast, ) = torch.autograd.grad(y_fast, x, g)
    torch.testing.assert_close(gx_fast, gx_ref, rtol=1e-3, atol=1e-3)


def _msm_nyud_config():
    """configs/msm/msm_swin-l_nyud.py, with mmseg's registry scope set."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '../../configs/msm/msm_swin-l_nyud.py'))
    return cfg


@needs_mamba
def test_swin_l_msm_nyud_training_step():
    from mmseg.registry import MODELS

    from msm_mm.structures import MultiTaskDataSample
    cfg = _msm_nyud_config()
    cfg.model.pop('data_preprocessor', None)
    # compiling the full model takes minutes; test_cuda_graph_trunk.py checks the
    # compiled trunk against eager, the benchmark runs it at this size
    cfg.model.compile = False
    model = MODELS.build(cfg.model).cuda().train()
    h, w = 448, 576
    samples = []
    for _ in range(2):
        s = MultiTaskDataSample()
        s.set_gt('semseg', torch.randint(0, 40, (1, h, w), device='cuda'))
        s.set_gt('depth', torch.rand(1, h, w, device='cuda') * 10)
        normals = torch.randn(3, h, w, device='cuda')
        s.set_gt('normals', torch.nn.functional.normalize(normals, dim=0))
        s.set_gt('edge', (torch.rand(1, h, w, device='cuda') > 0.9).long())
        samples.append(s)
    torch.cuda.reset_peak_memory_stats()
    losses = model(torch.randn(2, 3, h, w, device='cuda'), samples, mode='loss')
    loss = sum(losses.values())
    loss.backward()
    assert torch.isfinite(loss)
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing
    print(f'Swin-L MSM NYUD 448x576 batch 2 fwd+bwd: loss {loss.item():.4f}, '
          f'peak {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB')


def _relative_errors(got: dict, want: dict) -> dict:
    return {t: ((got[t].float() - want[t]).norm() / want[t].norm()).item() for t in want}


@needs_triton
def test_msm_decoder_triton_equals_torch_and_bf16_within_tolerance():
    """The full-size MSM NYUD decoder at 448x576 (random weights and Swin-L
    features): the Triton path equals the PyTorch one in float32 (relative
    L2 error < 1e-4 per task), and bf16 autocast stays within 2% of float32."""
    from mmseg.registry import MODELS
    torch.manual_seed(0)
    head = MODELS.build(_msm_nyud_config().model.decode_head).cuda().eval()
    feats = [torch.randn(1, c, 112 >> i, 144 >> i, device='cuda')
             for i, c in enumerate((192, 384, 768, 1536))]

    def run(backend, dtype=None):
        for m in head.modules():
            if isinstance(m, CrossScanCore):
                m.backend = backend
        with torch.no_grad(), torch.autocast('cuda', dtype or torch.float32,
                                             enabled=dtype is not None):
            return {t: y.float() for t, y in head(feats).items()}

    reference = run('torch')
    fused = run('triton')
    fused_bf16 = run('triton', torch.bfloat16)
    triton_err = _relative_errors(fused, reference)
    bf16_err = _relative_errors(fused_bf16, fused)
    print(f'relative L2 error, triton vs torch (fp32): {triton_err}')
    print(f'relative L2 error, bf16 autocast vs fp32 (triton): {bf16_err}')
    assert max(triton_err.values()) < 1e-4
    assert max(bf16_err.values()) < 2e-2
