"""tools/analysis_tools/profile_step.py on the CPU with the demo config."""
import os
import os.path as osp
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

ROOT = osp.join(osp.dirname(__file__), '..', '..')
TOOLS = osp.join(ROOT, 'tools', 'analysis_tools')
CONFIG = osp.abspath(osp.join(ROOT, 'configs', 'demo', 'msm_tiny_synthetic-nyud.py'))


@pytest.mark.parametrize('mode,what', [('train', 'training step'), ('inference', 'forward pass')])
def test_profile_reports_categories_and_model_parts(mode, what):
    result = subprocess.run(
        [sys.executable, 'profile_step.py', CONFIG, '--device', 'cpu', '--batch-size', '1',
         '--steps', '1', '--mode', mode], cwd=TOOLS, capture_output=True, text=True,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f'{what}, batch 1, fp32, CPU' in out
    assert float(re.search(rf'wall time per {what}: ([\d.]+) ms', out).group(1)) > 0
    total = float(re.search(rf'CPU operator .* time per {what}: ([\d.]+) ms', out).group(1))
    rows = re.findall(r'^\| [\d.]+% \| ([\d.]+) \| (\d+) \| (.+) \|$', out, re.M)
    categories = {name: float(ms) for ms, _, name in rows}
    # the scan of the demo's PyTorch backend is its own category, like the others
    assert {'selective scan', 'matrix products', 'normalisation', 'convolution'} <= set(categories)
    # the configs' fused AdamW steps in training only
    assert ('optimizer' in categories) == (mode == 'train')
    assert sum(categories.values()) == pytest.approx(total, abs=0.1 * len(rows))
    # copies by where they were made: the listed ones within the total
    copies_total = float(re.search(rf'Copies by the operators that made them: ([\d.]+) ms per '
                                   rf'{what}', out).group(1))
    # e.g. "0.82 ms  52x  aten::slice_backward < ...  (1, 4, 256, 4, 8) float (32768, 8192,
    # 32, 8, 1) -> float (49152, 12288, 48, 12, 1)"
    copies = re.findall(r'^ +([\d.]+) ms +(\d+)x  (\S.* < .*\S)  \(([\d, ]+)\) (\w+) \(.*\) '
                        r'-> (\w+) \(.*\)$', out, re.M)
    assert copies and 0 < sum(float(ms) for ms, *_ in copies) <= copies_total + 0.01 * len(copies)
    parts = dict(re.findall(r'^  (encoder|MFR stage \d|task heads)\s+([\d.]+)$', out, re.M))
    assert set(parts) == {'encoder', 'MFR stage 0', 'MFR stage 1', 'MFR stage 2', 'task heads'}
    assert all(float(ms) > 0 for ms in parts.values())


@pytest.fixture
def profile_step(monkeypatch):
    monkeypatch.syspath_prepend(TOOLS)
    import profile_step
    return profile_step


def test_hooks_time_parts_only_where_they_run_as_modules(profile_step):
    import torch

    from msm_mm.models.segmentors import TrunkAccelerator

    def model(**options):
        segmentor = SimpleNamespace(backbone=torch.nn.Identity(), decode_head=torch.nn.Identity())
        return SimpleNamespace(accelerator=TrunkAccelerator(segmentor, **options))

    cuda = torch.device('cuda')
    for mode in ('train', 'inference'):
        assert profile_step.parts_run_as_modules(model(), mode, cuda)
        # replayed graphs run no module
        assert not profile_step.parts_run_as_modules(model(cuda_graph=True), mode, cuda)
        assert not profile_step.parts_run_as_modules(
            model(compile=True, compile_inference=True), mode, cuda)
        assert profile_step.parts_run_as_modules(model(cuda_graph=True, compile=True), mode,
                                                 torch.device('cpu'))
    # compiled for training steps only
    assert not profile_step.parts_run_as_modules(model(compile=True), 'train', cuda)
    assert profile_step.parts_run_as_modules(model(compile=True), 'inference', cuda)


def test_kernels_fused_by_the_compiler_have_their_own_category(profile_step):
    assert profile_step.categorize('triton_poi_fused_add_convolution_7') == 'fused by torch.compile'
    assert profile_step.categorize('triton_per_fused__softmax_3') == 'attention softmax'
    assert profile_step.categorize('triton_red_fused_native_layer_norm_2') == 'normalisation'
    assert profile_step.categorize('_cross_scan_bwd_kernel') == 'selective scan'


def test_optimizer_kernels_have_their_own_category(profile_step):
    fused = ('void at::native::(anonymous namespace)::multi_tensor_apply_kernel<at::native::'
             '(anonymous namespace)::TensorListMetadata<4>, at::native::(anonymous namespace)::'
             'FusedAdamMathFunctor<float, 4, (at::native::ADAM_MODE)1, false>>')
    assert profile_step.categorize(fused) == 'optimizer'
    assert profile_step.categorize('aten::_fused_adamw_') == 'optimizer'
    assert profile_step.categorize('aten::_foreach_addcmul_') == 'optimizer'
    assert profile_step.categorize('aten::add_') == 'elementwise / other'


def test_copies_are_described_by_what_the_profiler_recorded(profile_step):
    def event(name, shapes, **recorded):
        return SimpleNamespace(name=name, input_shapes=shapes, **recorded)

    copy = dict(name='aten::copy_', shapes=[[2, 3, 5], [2, 3, 5]])
    # copy_(self, src): the source first in the description
    assert profile_step.copy_description(event(
        **copy, input_dtypes=['c10::BFloat16', 'float'],
        structured_input_strides=[[15, 5, 1], [15, 1, 3]])) == (
            '(2, 3, 5) float (15, 1, 3) -> c10::BFloat16 (15, 5, 1)')
    # profilers that record shapes only
    assert profile_step.copy_description(event(**copy)) == '(2, 3, 5)'
    assert profile_step.copy_description(event(**copy, input_dtypes=None)) == '(2, 3, 5)'
    assert profile_step.copy_description(event('aten::clone', [[4, 7], []])) == '(4, 7)'
    assert profile_step.copy_description(event('aten::clone', [])) == ''
