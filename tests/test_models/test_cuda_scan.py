"""GPU checks (run on a CUDA machine with mamba-ssm: ``pytest tests -m cuda``).

The mamba-ssm kernel and the PyTorch scan must compute the same function,
forward and backward, on odd sizes; the full Swin-L MSM model must run a
training step at the paper's NYUD resolution.
"""
import os.path as osp

import pytest
import torch

from msm_mm.models.layers import MultiScaleScan
from msm_mm.models.ops import mamba_ssm_available, selective_scan

pytestmark = pytest.mark.cuda

needs_mamba = pytest.mark.skipif(not mamba_ssm_available(), reason='needs mamba-ssm CUDA ext')


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


@needs_mamba
@pytest.mark.parametrize('tokenization', ['window', 'dilated'])
def test_multi_scale_scan_backends_agree(tokenization):
    torch.manual_seed(0)
    ref = MultiScaleScan(32, dt_rank=2, scales=(1, 4), tokenization=tokenization,
                         backend='torch').cuda()
    fast = MultiScaleScan(32, dt_rank=2, scales=(1, 4), tokenization=tokenization,
                          backend='mamba_ssm').cuda()
    fast.load_state_dict(ref.state_dict())
    x = torch.randn(2, 32, 29, 43, device='cuda', requires_grad=True)
    y_ref, y_fast = ref(x), fast(x)
    torch.testing.assert_close(y_fast, y_ref, rtol=1e-4, atol=1e-4)
    g = torch.randn_like(y_ref)
    (gx_ref, ) = torch.autograd.grad(y_ref, x, g)
    (gx_fast, ) = torch.autograd.grad(y_fast, x, g)
    torch.testing.assert_close(gx_fast, gx_ref, rtol=1e-3, atol=1e-3)


@needs_mamba
def test_swin_l_msm_nyud_training_step():
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from msm_mm.structures import MultiTaskDataSample
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '../../configs/msm/msm_swin-l_nyud.py'))
    init_default_scope('mmseg')
    cfg.model.pop('data_preprocessor', None)
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
