import pytest
import torch

from msm_mm.models.layers import SS2D, CrossScanCore, MultiScaleScan
from msm_mm.models.layers.cross_scan import cross_merge, cross_scan


def test_layer_modules_are_not_shadowed():
    # the package exports classes only, so every module stays importable by its path
    import importlib

    import msm_mm.models.layers as layers
    assert layers.cross_scan is importlib.import_module('msm_mm.models.layers.cross_scan')


def test_cross_scan_then_merge_sums_four_copies():
    x = torch.randn(2, 3, 5, 7)
    torch.testing.assert_close(cross_merge(cross_scan(x), 5, 7), 4 * x)


def test_single_scale_equals_plain_scan_core():
    torch.manual_seed(0)
    core = CrossScanCore(8, dt_rank=2, d_state=4, backend='torch')
    ms = MultiScaleScan(8, dt_rank=2, scales=(1, ), d_state=4, backend='torch')
    ms.branches[0].load_state_dict(core.state_dict())
    x = torch.randn(2, 8, 7, 11)
    torch.testing.assert_close(ms(x), core(x))


@pytest.mark.parametrize('tokenization', ['window', 'dilated'])
@pytest.mark.parametrize('size', [(7, 11), (9, 5), (8, 12)])
def test_non_dividing_scale_keeps_shape(tokenization, size):
    ms = MultiScaleScan(8, dt_rank=1, scales=(1, 4), d_state=4, tokenization=tokenization,
                        backend='torch')
    x = torch.randn(2, 8, *size)
    y = ms(x)
    assert y.shape == x.shape
    assert torch.isfinite(y).all()


def test_window_branch_is_scan_of_tokens():
    torch.manual_seed(0)
    ms = MultiScaleScan(4, dt_rank=1, scales=(1, 2), d_state=4, backend='torch')
    x = torch.randn(1, 4, 6, 10)
    y = ms(x)
    # second half of the channels: scanned as 2x2 windows with 2*4 channels each
    from msm_mm.models.layers.tokenization import window_tokenize, window_untokenize
    expected = window_untokenize(ms.branches[1](window_tokenize(x[:, 2:], 2)), 2)
    torch.testing.assert_close(y[:, 2:], expected)
    assert ms.branches[1].dims == 8


def test_parameter_sizes_follow_scale():
    window = MultiScaleScan(32, dt_rank=4, scales=(1, 4), d_state=16)
    dilated = MultiScaleScan(32, dt_rank=4, scales=(1, 4), d_state=16, tokenization='dilated')
    plain = MultiScaleScan(32, dt_rank=4, scales=(1, ), d_state=16)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    # a scan core of width c has 8cR + 200c parameters (K=4 directions, N=16)
    assert count(plain) == 8 * 32 * 4 + 200 * 32
    assert count(dilated) == count(plain)
    assert count(window) == (8 * 16 * 4 + 200 * 16) + (8 * 256 * 4 + 200 * 256)


@pytest.mark.parametrize('kwargs,match', [
    (dict(dims=8, scales=(1, 2, 4)), 'not divisible by 3'),
    (dict(dims=8, scales=(1, 0)), 'integers >= 1'),
    (dict(dims=8, scales=()), 'at least one scan scale'),
    (dict(dims=8, scales=(1, ), tokenization='strided'), 'unknown MS-Scan tokenization'),
    (dict(dims=8, scales=(1, ), backend='cuda'), 'unknown scan backend'),
])
def test_build_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MultiScaleScan(dt_rank=1, **kwargs)


def test_ss2d_parameter_formula():
    # with its pre-norm, a gated SS2D of width C has 7C^2 + 426C parameters (C % 16 == 0)
    c = 32
    ss2d = SS2D(c)
    assert sum(p.numel() for p in ss2d.parameters()) + 2 * c == 7 * c * c + 426 * c


def test_triton_backend_on_cpu_tensors_names_the_problem():
    core = CrossScanCore(4, dt_rank=1, d_state=4, backend='triton')
    with pytest.raises(RuntimeError, match="scan backend 'triton' needs CUDA tensors"):
        core(torch.randn(1, 4, 3, 5))
