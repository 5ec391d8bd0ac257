import re
import runpy
import sys
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[2]


def browse(monkeypatch, *argv):
    monkeypatch.setattr(sys, 'argv', ['browse_dataset.py', *map(str, argv)])
    runpy.run_path(str(REPO / 'tools/misc/browse_dataset.py'), run_name='__main__')


def test_browse_nyud(nyud_root, tmp_path, monkeypatch):
    browse(monkeypatch, REPO / 'configs/_base_/datasets/nyud.py', '--num', 2, '--output-dir',
           tmp_path, '--cfg-options', f'train_dataloader.dataset.data_root={nyud_root}')
    images = sorted(tmp_path.glob('*.png'))
    assert len(images) == 2
    panel = cv2.imread(str(images[0]))
    # The input and four tasks, each 576 wide, 4 px apart; a title bar.
    assert panel.shape == (448 + 24, 5 * 576 + 4 * 4, 3)


def test_browse_pascal_val(pascal_root, tmp_path, monkeypatch):
    browse(monkeypatch, REPO / 'configs/_base_/datasets/pascal_context.py', '--split', 'val',
           '--num', 10, '--output-dir', tmp_path, '--cfg-options',
           f'val_dataloader.dataset.data_root={pascal_root}')
    assert len(list(tmp_path.glob('*.png'))) == 3  # all of the split


def test_docs_name_existing_files():
    text = (REPO / 'docs/datasets.md').read_text()
    paths = set(re.findall(r'(?:configs|tools|msm_mm)/[\w/.-]+\.py', text))
    assert len(paths) >= 5
    missing = [p for p in paths if not (REPO / p).exists()]
    assert not missing
