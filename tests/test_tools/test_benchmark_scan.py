"""tools/analysis_tools/benchmark_scan.py: the shapes a config's decoder scans
(counted on the CPU), the selection of some of them, and the floors it prints
beside each time."""
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.join(osp.dirname(__file__), '..', '..')
CONFIG = osp.join(ROOT, 'configs', 'demo', 'msm_tiny_synthetic-nyud.py')


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location(
        'benchmark_scan', osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark_scan.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_scan_core_is_counted_once_per_forward(tool):
    import torch

    from msm_mm.models.layers import CrossScanCore
    cfg = Config.fromfile(CONFIG)
    shapes = tool.scanned_shapes(cfg, 1, torch.device('cpu'))
    model = tool.MODELS.build(cfg.model)
    cores = [m for m in model.modules() if isinstance(m, CrossScanCore)]
    assert sum(shapes.values()) == len(cores) > 0
    assert {s[0] for s in shapes} == {c.dims for c in cores}
    for dims, height, width, dt_rank, d_state in shapes:
        assert height * width > 0 and (dt_rank, d_state) in {(c.dt_rank, c.d_state)
                                                             for c in cores if c.dims == dims}


def test_shapes_option_keeps_the_named_shapes_and_names_unknown_ones(tool):
    from collections import Counter
    shapes = Counter({(192, 112, 144, 12, 16): 9, (384, 56, 72, 24, 16): 9,
                      (768, 28, 36, 48, 16): 4})
    assert tool.selected_shapes(shapes, []) == shapes
    assert tool.selected_shapes(shapes, ['768x28x36', '192x112x144']) == Counter(
        {(768, 28, 36, 48, 16): 4, (192, 112, 144, 12, 16): 9})
    with pytest.raises(SystemExit, match=r'no 384x112x144; its shapes .*192x112x144 '
                                         r'384x56x72 768x28x36'):
        tool.selected_shapes(shapes, ['384x112x144'])


def test_floors_count_bytes_operations_and_exponentials(tool):
    class Rates:  # 1 TB/s, 1 TFLOP/s, 1 T exponentials/s: floors in ms = amount / 1e9
        bandwidth = fp32 = exp_rate = 1.

    # batch 2, 3 channels, 5 pixels, N = 4, bf16 inputs
    floors = tool.floors_ms(2, 3, 5, 4, 2, Rates)
    updates = 2 * 4 * 5 * 3 * 4  # images x directions x steps x channels x states
    fwd_bytes = 2 * 5 * (3 + 4 * 3 + 4 * 8) * 2 + 2 * 5 * 3 * 4
    assert floors['fwd_memory'] == pytest.approx(fwd_bytes / 1e9)
    assert floors['fwdbwd_memory'] == pytest.approx(3 * fwd_bytes / 1e9)
    assert floors['fwd_arith'] == pytest.approx(6 * updates / 1e9)
    assert floors['fwdbwd_arith'] == pytest.approx(26 * updates / 1e9)
    assert floors['fwd_exp'] == pytest.approx(updates / 1e9)
    assert floors['fwdbwd_exp'] == pytest.approx(3 * updates / 1e9)


def test_kernel_time_is_summed_by_kind_per_call(tool):
    kernels = [('_cross_scan_bwd_kernel', 300.), ('_cross_scan_fwd_kernel', 200.),
               ('_cross_scan_fwd_kernel', 100.), ('nvjet_sm90_tst_128x256_64x4', 40.),
               ('void cutlass::Kernel2<cutlass_80_wmma_tensorop_bf16>', 20.),
               ('void at::native::reduce_kernel<128, 4>', 60.),
               ('void at::native::vectorized_elementwise_kernel<4>', 10.)]
    assert tool.time_by_kind(kernels, 2) == {'backward kernel': 150., 'forward kernel': 150.,
                                             'products': 30., 'sums': 30., 'other': 5.}
