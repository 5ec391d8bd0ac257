import runpy
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.runner import save_checkpoint
from tiny_models import write_tiny_config

from msm_mm.apis import init_model
from msm_mm.visualization.panels import GAP, TITLE_HEIGHT

REPO = Path(__file__).resolve().parents[2]


def test_image_demo_writes_every_task(tmp_path, monkeypatch, capsys):
    torch.manual_seed(0)
    config = write_tiny_config(tmp_path / 'tiny.py')
    checkpoint = str(tmp_path / 'tiny.pth')
    save_checkpoint(dict(state_dict=init_model(config).state_dict()), checkpoint)
    image = str(tmp_path / 'room.jpg')
    cv2.imwrite(image, np.random.randint(0, 255, (45, 61, 3), np.uint8))
    out_dir = tmp_path / 'out'
    monkeypatch.setattr(sys, 'argv', ['image_demo.py', config, checkpoint, image, '--out-dir',
                                      str(out_dir)])
    runpy.run_path(str(REPO / 'demo/image_demo.py'), run_name='__main__')
    names = ['room_semseg.png', 'room_depth.png', 'room_normals.png', 'room_edge.png',
             'room_overview.png']
    assert capsys.readouterr().out.split('\n')[-6:] == [
        f'wrote {out_dir / n}' for n in names] + ['']
    for name in names[:-1]:
        assert cv2.imread(str(out_dir / name)).shape == (45, 61, 3)
    # The image and four predictions.
    assert cv2.imread(str(out_dir / names[-1])).shape == (45 + TITLE_HEIGHT, 5 * 61 + 4 * GAP, 3)


def run_demo(tmp_path, monkeypatch, image_shape, *options):
    """Run the demo on a random image of ``image_shape``; the shape of its
    depth picture."""
    config = write_tiny_config(tmp_path / 'tiny.py')  # test size 64x64
    checkpoint = str(tmp_path / 'tiny.pth')
    save_checkpoint(dict(state_dict=init_model(config).state_dict()), checkpoint)
    image = str(tmp_path / 'photo.jpg')
    cv2.imwrite(image, np.random.randint(0, 255, image_shape, np.uint8))
    out_dir = tmp_path / 'out'
    monkeypatch.setattr(sys, 'argv', ['image_demo.py', config, checkpoint, image, '--out-dir',
                                      str(out_dir), *options])
    runpy.run_path(str(REPO / 'demo/image_demo.py'), run_name='__main__')
    return cv2.imread(str(out_dir / 'photo_depth.png')).shape


def test_large_image_is_shrunk_to_the_test_size(tmp_path, monkeypatch, capsys):
    assert run_demo(tmp_path, monkeypatch, (100, 150, 3)) == (43, 64, 3)
    assert ("photo.jpg is 100x150, larger than the model's test size 64x64: predicting at 43x64 "
            "(--full-size keeps the image's size)") in capsys.readouterr().out


def test_full_size_keeps_the_image_size(tmp_path, monkeypatch, capsys):
    assert run_demo(tmp_path, monkeypatch, (100, 150, 3), '--full-size') == (100, 150, 3)
    assert 'predicting at the full 100x150 (3.7 times' in capsys.readouterr().out


def test_empty_image_is_named(tmp_path, monkeypatch):
    config = write_tiny_config(tmp_path / 'tiny.py')
    image = tmp_path / 'empty.jpg'
    image.write_bytes(b'')
    monkeypatch.setattr(sys, 'argv', ['image_demo.py', config, 'none.pth', str(image)])
    with pytest.raises(ValueError, match=f'image file {image} is empty'):
        runpy.run_path(str(REPO / 'demo/image_demo.py'), run_name='__main__')
