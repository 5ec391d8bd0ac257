"""``MultiTaskSegmentor(cuda_graph=True, compile=True)``: the same results as
eager, from CUDA graphs (and compiled code) on a GPU and eagerly on the CPU
(:class:`TrunkAccelerator`, :class:`CudaGraphTrunk`)."""
import contextlib
import os
import socket

import pytest
import torch
import torch.distributed as dist
from mmengine.model import MMDistributedDataParallel
from mmseg.registry import MODELS
from tiny_models import tiny_model_cfg

from msm_mm.models.segmentors import CudaGraphTrunk, trunk_accelerator
from msm_mm.structures import MultiTaskDataSample

TASKS = dict(semseg=5, depth=1)


def build(cuda_graph, compile=False, compile_inference=False):
    torch.manual_seed(0)
    # no drop path (no randomness: runs are comparable); the head's default scan backend
    # ('auto': the Triton scan on a GPU, as real runs)
    return MODELS.build(
        tiny_model_cfg(TASKS, backbone=dict(drop_path_rate=0.),
                       decode_head=dict(drop_path_rate=0., scan_backend='auto'),
                       cuda_graph=cuda_graph, compile=compile,
                       compile_inference=compile_inference))


def samples(batch, size, device):
    out = []
    for _ in range(batch):
        s = MultiTaskDataSample(metainfo=dict(img_shape=size, ori_shape=size))
        s.set_gt('semseg', torch.randint(0, 5, (1, *size), device=device))
        s.set_gt('depth', torch.rand(1, *size, device=device) + 0.1)
        out.append(s)
    return out


def losses_and_grads(model, inputs, data_samples):
    losses = model(inputs, data_samples, mode='loss')
    total = sum(v for k, v in losses.items() if 'loss' in k)
    grads = torch.autograd.grad(total, [p for p in model.parameters() if p.requires_grad])
    return total.detach(), grads


def test_cpu_inputs_run_eagerly_with_the_same_results():
    eager, graphed = build(False), build(True, compile=True)
    # the compiled modules are not submodules: the same state dict keys
    assert list(graphed.state_dict()) == list(eager.state_dict())
    graphed.load_state_dict(eager.state_dict())
    inputs, data = torch.randn(2, 3, 32, 48), samples(2, (32, 48), 'cpu')
    want, want_grads = losses_and_grads(eager, inputs, data)
    got, got_grads = losses_and_grads(graphed, inputs, data)
    assert torch.equal(got, want)
    assert all(torch.equal(g, w) for g, w in zip(got_grads, want_grads))
    assert graphed.accelerator.graphs._graphs == {}  # nothing captured for CPU inputs
    graphed.eval(), eager.eval()
    with torch.no_grad():
        for task, logits in eager(inputs, mode='tensor').items():
            assert torch.equal(graphed(inputs, mode='tensor')[task], logits)


@pytest.fixture
def no_tf32(monkeypatch):
    """float32 convolutions in float32. cuDNN's default (TF32) keeps 10-bit
    mantissas, and compiled code may pick other convolution algorithms than
    eager: the tiny model's semseg logits up to 6.4e-4 apart with TF32,
    2.2e-6 without (H100)."""
    monkeypatch.setattr(torch.backends.cudnn, 'allow_tf32', False)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
# compiled: float32 here (in bf16, inductor's fused kernels round elsewhere than
# eager autocast: test_compiled_bf16_is_as_close_to_float32_as_eager_bf16);
# evaluation runs uncompiled here, so its logits check the graphs
@pytest.mark.parametrize('compile, precisions', [(False, (None, torch.bfloat16)),
                                                 (True, (None, ))])
def test_graphs_compute_the_eager_losses_gradients_and_logits(compile, precisions, no_tf32):
    eager = build(False).cuda()
    graphed = build(True, compile).cuda()
    graphed.load_state_dict(eager.state_dict())
    inputs, data = torch.randn(2, 3, 61, 83, device='cuda'), samples(2, (61, 83), 'cuda')
    for precision in precisions:
        autocast = torch.autocast('cuda', dtype=precision or torch.float32,
                                  enabled=precision is not None)
        with autocast:
            want, want_grads = losses_and_grads(eager, inputs, data)
            for _ in range(2):  # the capture, then a replay
                got, got_grads = losses_and_grads(graphed, inputs, data)
                torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
                for g, w in zip(got_grads, want_grads):
                    torch.testing.assert_close(g, w, rtol=1e-3, atol=1e-3 * w.abs().max().item())
    # another input size captures its own graph
    inputs2 = torch.randn(1, 3, 64, 64, device='cuda')
    eager.eval(), graphed.eval()
    with torch.no_grad():
        for x in (inputs, inputs2, inputs):
            want = eager(x, mode='tensor')
            got = graphed(x, mode='tensor')
            for task in TASKS:
                torch.testing.assert_close(got[task], want[task], rtol=1e-4, atol=1e-4)
    # one training graph per precision, two evaluation sizes
    assert len(graphed.accelerator.graphs._graphs) == len(precisions) + 2


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_compiled_inference_computes_the_eager_logits(no_tf32):
    """``compile_inference``: evaluation logits, compiled and graphed, equal
    eager ones (float32) at two input sizes, each a compilation and a graph
    of its own."""
    eager = build(False).cuda().eval()
    compiled = build(True, compile=True, compile_inference=True).cuda().eval()
    compiled.load_state_dict(eager.state_dict())
    sizes = [(2, 3, 61, 83), (1, 3, 64, 64), (2, 3, 61, 83)]
    with torch.no_grad():
        for size in sizes:
            x = torch.randn(size, device='cuda')
            want = eager(x, mode='tensor')
            got = compiled(x, mode='tensor')
            for task in TASKS:
                torch.testing.assert_close(got[task], want[task], rtol=1e-4, atol=1e-4)
    assert len(compiled.accelerator._announced) == 2  # one compilation per size
    assert len(compiled.accelerator.graphs._graphs) == 2


def ddp_worker(rank: int, world_size: int, port: int, compile: bool) -> None:
    """One process of :func:`test_ddp_gives_every_process_the_mean_eager_gradients`."""
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('nccl', rank=rank, world_size=world_size)
    torch.cuda.set_device(rank)
    torch.backends.cudnn.allow_tf32 = False
    try:
        eager = build(False).cuda()
        fast = build(True, compile).cuda()
        fast.load_state_dict(eager.state_dict())
        batches = []
        for r in range(world_size):  # every process's batch, made alike everywhere
            torch.manual_seed(100 + r)
            inputs = torch.randn(2, 3, 61, 83, device='cuda')
            batches.append((inputs, samples(2, (61, 83), 'cuda')))
        per_process = [losses_and_grads(eager, *batch)[1] for batch in batches]
        want = [torch.stack(g).mean(0) for g in zip(*per_process)]
        # as mmengine's Runner wraps a model for tools/dist_train.sh
        ddp = MMDistributedDataParallel(fast, device_ids=[rank], broadcast_buffers=False,
                                        find_unused_parameters=False)
        params = [p for p in fast.parameters() if p.requires_grad]
        for _ in range(2):  # the capture, then a replay
            fast.zero_grad(set_to_none=True)
            losses = ddp(*batches[rank], mode='loss')
            sum(v for k, v in losses.items() if 'loss' in k).backward()
            for p, w in zip(params, want):
                torch.testing.assert_close(p.grad, w, rtol=1e-3, atol=1e-3 * w.abs().max().item())
        assert len(fast.accelerator.graphs._graphs) == 1
    finally:
        dist.destroy_process_group()


@pytest.mark.cuda
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason='needs 2 GPUs')
@pytest.mark.parametrize('compile', [False, True])
def test_ddp_gives_every_process_the_mean_eager_gradients(compile):
    """Two processes under DDP (NCCL), graphed (and compiled): each process's
    gradients are the mean of the eager gradients of both processes' batches,
    at the capture and at a replay."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    torch.multiprocessing.spawn(ddp_worker, args=(2, port, compile), nprocs=2)


def relative_errors(got, want):
    """Largest absolute difference of each tensor pair over the largest
    element of the reference."""
    return [((g.float() - w).abs().max() / w.abs().max().clamp_min(1e-12)).item()
            for g, w in zip(got, want)]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_compiled_bf16_is_as_close_to_float32_as_eager_bf16(no_tf32):
    """bf16 autocast, compiled and graphed: the loss and every gradient are
    as close to float32 as eager autocast's (at most twice as far, plus 1% of
    the gradient's largest element)."""
    eager = build(False).cuda()
    compiled = build(True, compile=True).cuda()
    compiled.load_state_dict(eager.state_dict())
    inputs, data = torch.randn(2, 3, 61, 83, device='cuda'), samples(2, (61, 83), 'cuda')
    loss, grads = losses_and_grads(eager, inputs, data)
    with torch.autocast('cuda', dtype=torch.bfloat16):
        loss_eager, grads_eager = losses_and_grads(eager, inputs, data)
        loss_compiled, grads_compiled = losses_and_grads(compiled, inputs, data)
    err_eager = relative_errors([loss_eager] + list(grads_eager), [loss] + list(grads))
    err_compiled = relative_errors([loss_compiled] + list(grads_compiled), [loss] + list(grads))
    print(f'bf16 vs float32, worst of the loss and {len(grads)} gradients: '
          f'eager {max(err_eager):.2e}, compiled {max(err_compiled):.2e}')
    for i, (c, e) in enumerate(zip(err_compiled, err_eager)):
        assert c <= 2 * e + 1e-2, f'tensor {i} (0: the loss): compiled {c:.2e}, eager {e:.2e}'


@pytest.fixture
def fake_cuda_graphs(monkeypatch):
    """The CUDA calls of :class:`CudaGraphTrunk` replaced by recorders (the
    graphs themselves run in the CUDA test): a list of the captures."""
    captured = []

    # other threads (a distributed run's NCCL watchdog) must not void a capture
    def fake_make_graphed(function, sample_args, num_warmup_iters, allow_unused_input,
                          capture_error_mode):
        assert capture_error_mode == 'thread_local'
        captured.append(('train', tuple(sample_args[0].shape), torch.is_autocast_enabled('cuda')))
        return function

    class FakeGraph:
        def replay(self):
            pass

    class FakeStream:
        def wait_stream(self, other):
            pass

    @contextlib.contextmanager
    def fake_graph(graph, capture_error_mode):
        assert capture_error_mode == 'thread_local'
        captured.append(('infer', ))
        yield

    monkeypatch.setattr(torch.cuda, 'make_graphed_callables', fake_make_graphed)
    monkeypatch.setattr(torch.cuda, 'CUDAGraph', FakeGraph)
    monkeypatch.setattr(torch.cuda, 'graph', fake_graph)
    monkeypatch.setattr(torch.cuda, 'Stream', FakeStream)
    monkeypatch.setattr(torch.cuda, 'current_stream', FakeStream)
    monkeypatch.setattr(torch.cuda, 'stream', lambda s: contextlib.nullcontext())
    return captured


def test_one_capture_per_shape_precision_and_mode(fake_cuda_graphs):
    captured = fake_cuda_graphs
    model = build(True)
    trunk = CudaGraphTrunk(model, model.accelerator.trunk, warmup=1)
    x = torch.randn(2, 3, 32, 48)
    for _ in range(2):
        logits = trunk(x)
    assert set(logits) == set(TASKS) and logits['semseg'].shape == (2, 5, 32, 48)
    trunk(torch.randn(1, 3, 32, 48))
    assert captured == [('train', (2, 3, 32, 48), False), ('train', (1, 3, 32, 48), False)]
    model.eval()
    with torch.no_grad():
        want = model.decode_head(model.extract_feat(x))
        for _ in range(2):
            got = trunk(x)
    assert captured[2:] == [('infer', )]
    assert all(torch.equal(got[t], want[t]) for t in TASKS)


def test_training_capture_runs_over_aliases_of_the_parameters(monkeypatch):
    """The captured function takes the inputs and aliases of the trainable
    parameters (their storage, not their autograd leaves); a replay with the
    parameters gives them eager's gradients, each laid out as its parameter
    (as DDP's gradient buckets expect: the scan's projection weights get
    transposed gradients from their einsums otherwise)."""
    sample_args = []

    def fake_make_graphed(function, args, **kwargs):
        sample_args.extend(args)
        return function

    monkeypatch.setattr(torch.cuda, 'make_graphed_callables', fake_make_graphed)
    model, eager = build(True), build(False)
    params = [p for p in model.parameters() if p.requires_grad]
    inputs, data = torch.randn(2, 3, 32, 48), samples(2, (32, 48), 'cpu')
    _, want = losses_and_grads(eager, inputs, data)
    losses = model.decode_head.loss_by_feat(model.accelerator.graphs(inputs), data)
    got = torch.autograd.grad(sum(losses.values()), params)
    aliases = sample_args[1:]
    assert len(aliases) == len(params)
    for alias, p in zip(aliases, params):
        assert alias is not p and alias.requires_grad and alias.data_ptr() == p.data_ptr()
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)
    assert [g.stride() for g in got] == [p.stride() for p in params]


def test_inputs_beyond_max_graphs_run_eagerly(fake_cuda_graphs):
    model = build(dict(warmup=1, max_graphs=2)).eval()
    trunk = model.accelerator.graphs
    assert (trunk.warmup, trunk.max_graphs) == (1, 2)
    # the same tensor for a size: the fake replay does not recompute
    inputs = {size: torch.randn(1, 3, *size) for size in [(32, 48), (32, 32), (48, 32)]}
    with torch.no_grad():
        for size in [(32, 48), (32, 32), (48, 32), (32, 48)]:
            x = inputs[size]
            got = trunk(x)
            want = model.decode_head(model.extract_feat(x))
            assert all(torch.equal(got[t], want[t]) for t in TASKS)
    # the third size ran eagerly; the fourth replays the first graph
    assert fake_cuda_graphs == [('infer', ), ('infer', )]
    assert len(trunk._graphs) == 2


def test_a_failed_capture_names_the_option(monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError('operation not permitted when stream is capturing')

    monkeypatch.setattr(torch.cuda, 'make_graphed_callables', refuse)
    model = build(True)
    trunk = CudaGraphTrunk(model, model.accelerator.trunk)
    with pytest.raises(RuntimeError, match=r'\(2, 3, 32, 48\).*model\.cuda_graph=False'):
        trunk(torch.randn(2, 3, 32, 48))


class CudaInputs:  # the checks only ask where the inputs are, and their shape
    is_cuda = True
    shape = torch.Size((2, 3, 32, 48))


@pytest.mark.parametrize('compile_inference', [False, True])
def test_compiled_modules_run_on_cuda_inputs_only(monkeypatch, compile_inference):
    """Compiled: training steps, and inference with ``compile_inference``."""
    messages = []
    monkeypatch.setattr(trunk_accelerator, 'print_log', lambda msg, **kw: messages.append(msg))
    model = build(False, compile=True, compile_inference=compile_inference)
    accelerator = model.accelerator
    for _ in range(2):
        assert accelerator.modules_for(CudaInputs()) is accelerator.compiled
    # the first step of a shape says that it compiles, once
    assert len(messages) == 1 and 'training steps on inputs of shape (2, 3, 32, 48)' in \
        messages[0] and 'model.compile=False' in messages[0]
    plain = (model.backbone, model.decode_head)
    assert accelerator.modules_for(torch.zeros(1)) == plain
    model.eval()
    for _ in range(2):
        got = accelerator.modules_for(CudaInputs())
        assert got is accelerator.compiled if compile_inference else got == plain
    if compile_inference:  # inference of the shape is a compilation of its own
        assert len(messages) == 2 and 'inference on inputs of shape (2, 3, 32, 48)' in \
            messages[1] and 'model.compile_inference=False' in messages[1]
    else:
        assert len(messages) == 1


def test_compile_inference_without_compile_compiles_nothing():
    model = build(False, compile_inference=True)
    assert model.accelerator.compiled is None
    model.eval()
    assert model.accelerator.modules_for(CudaInputs()) == (model.backbone, model.decode_head)


EMULATE = {'emulate_precision_casts': True}


@pytest.mark.parametrize('option, kwargs', [
    (True, dict(dynamic=False, options=EMULATE)),
    (dict(dynamic=True, mode='max-autotune'),
     dict(dynamic=True, options={**torch._inductor.list_mode_options('max-autotune', True),
                                 **EMULATE})),
    (dict(options={'emulate_precision_casts': False}),
     dict(dynamic=False, options={'emulate_precision_casts': False})),
    (dict(backend='aot_eager'), dict(dynamic=False, backend='aot_eager'))])
def test_compile_passes_its_arguments(monkeypatch, option, kwargs):
    """``compile`` defaults to static shapes and, with inductor, to rounding
    as eager autocast does; a dict's arguments (a mode as its inductor
    options) reach ``torch.compile`` for the backbone and the head."""
    calls = []
    monkeypatch.setattr(torch, 'compile', lambda module, **kw: calls.append((module, kw)))
    model = build(False, compile=option)
    assert calls == [(model.backbone, kwargs), (model.decode_head, kwargs)]


def test_compiled_trunk_keys_compile_caches_by_the_operators_source(monkeypatch):
    """Compiled modules run with the operators' digest in
    ``torch.compiler.config.cache_key_tag``, after the user's tag, which
    comes back afterwards; eager modules with the user's tag alone."""
    import hashlib

    from msm_mm.models import ops

    tags = []

    class Recording(torch.nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, *args):
            tags.append(torch.compiler.config.cache_key_tag)
            return self.module(*args)

    digest = hashlib.sha256()
    for name in ops.OPERATOR_MODULES:
        with open(os.path.join(os.path.dirname(ops.__file__), name), 'rb') as f:
            digest.update(f.read())
    digest = digest.hexdigest()[:16]
    monkeypatch.setattr(torch.compiler.config, 'cache_key_tag', 'mine-')
    inputs = torch.randn(1, 3, 32, 48)
    for compile in (False, True):
        model = build(False, compile=compile)
        recorded = tuple(Recording(m) for m in (model.backbone, model.decode_head))
        monkeypatch.setattr(model.accelerator, 'modules_for', lambda inputs: recorded)
        tags.clear()
        model.accelerator.trunk(inputs)
        want = f'mine-msm_mm-ops-{digest}' if compile else 'mine-'
        assert tags == [want, want]
        assert torch.compiler.config.cache_key_tag == 'mine-'
