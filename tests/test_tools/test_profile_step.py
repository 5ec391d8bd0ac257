"""tools/analysis_tools/profile_step.py on the CPU with the demo config."""
import os
import os.path as osp
import re
import subprocess
import sys

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
    assert sum(categories.values()) == pytest.approx(total, abs=0.1 * len(rows))
    parts = dict(re.findall(r'^  (encoder|MFR stage \d|task heads)\s+([\d.]+)$', out, re.M))
    assert set(parts) == {'encoder', 'MFR stage 0', 'MFR stage 1', 'MFR stage 2', 'task heads'}
    assert all(float(ms) > 0 for ms in parts.values())
