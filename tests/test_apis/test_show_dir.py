import runpy
import sys
from pathlib import Path

import cv2
from mmengine.runner import save_checkpoint
from tiny_models import write_tiny_config

from msm_mm.apis import init_model
from msm_mm.visualization.panels import GAP, TITLE_HEIGHT

REPO = Path(__file__).resolve().parents[2]
BASES = ['datasets/nyud.py', 'default_runtime.py', 'schedules/schedule_50k.py']


def test_test_tool_show_dir(nyud_root, tmp_path, monkeypatch):
    """tools/test.py --show-dir with the repository's runtime and schedule
    configs writes one picture per test image into the run's log dir."""
    bases = [str(REPO / 'configs/_base_' / b) for b in BASES]
    tasks = dict(semseg=40, depth=1, normals=3, edge=1)
    config = write_tiny_config(tmp_path / 'tiny_nyud.py', tasks, f'_base_ = {bases}\n')
    checkpoint = str(tmp_path / 'tiny.pth')
    save_checkpoint(dict(state_dict=init_model(config).state_dict()), checkpoint)
    work_dir = tmp_path / 'work'
    monkeypatch.setattr(sys, 'argv', [
        'test.py', config, checkpoint, '--work-dir', str(work_dir), '--show-dir', 'vis',
        '--cfg-options', f'test_dataloader.dataset.data_root={nyud_root}',
        'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
        'test_evaluator.compute_odsf=False'
    ])
    runpy.run_path(str(REPO / 'tools/test.py'), run_name='__main__')
    pictures = sorted(work_dir.glob('*/vis/*.png'))
    assert [p.name for p in pictures] == ['0001.png', '0002.png']  # the val split, 48x64
    # The input, then prediction and ground truth of four tasks.
    assert cv2.imread(str(pictures[0])).shape == (48 + TITLE_HEIGHT, 9 * 64 + 8 * GAP, 3)
