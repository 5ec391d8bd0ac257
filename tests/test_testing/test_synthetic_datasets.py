import os.path as osp
import runpy
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import scipy.io

from msm_mm.testing import generate_nyud, generate_pascal_context

TOOL = Path(__file__).resolve().parents[2] / 'tools/dataset_converters/generate_synthetic.py'


def run_tool(monkeypatch, *args):
    """Run the command-line tool in this process, as ``python <tool> <args>``."""
    monkeypatch.setattr(sys, 'argv', [str(TOOL), *args])
    runpy.run_path(str(TOOL), run_name='__main__')


def test_nyud_files_in_the_real_format(nyud_synthetic):
    root, labels = nyud_synthetic.root, nyud_synthetic.labels
    train = open(osp.join(root, 'gt_sets', 'train.txt')).read().split()
    val = open(osp.join(root, 'gt_sets', 'val.txt')).read().split()
    assert len(train) == 3 and len(val) == 2 and not set(train) & set(val)
    assert sorted(train + val) == sorted(labels)
    assert all(len(i) == 4 and i.isdigit() and int(i) >= 1 for i in train + val)
    for sample_id in train + val:
        img = cv2.imread(osp.join(root, 'images', f'{sample_id}.png'), cv2.IMREAD_UNCHANGED)
        assert img.shape == (48, 64, 3) and img.dtype == np.uint8
        seg = cv2.imread(osp.join(root, 'segmentation', f'{sample_id}.png'), cv2.IMREAD_UNCHANGED)
        assert seg.shape == (48, 64) and seg.dtype == np.uint8 and seg.max() <= 40
        depth = np.load(osp.join(root, 'depth', f'{sample_id}.npy'))
        assert depth.shape == (48, 64) and depth.dtype == np.float32 and depth.min() >= 0
        normals = cv2.imread(osp.join(root, 'normals', f'{sample_id}.png'), cv2.IMREAD_UNCHANGED)
        assert normals.shape == (48, 64, 3) and normals.dtype == np.uint8
        edge = cv2.imread(osp.join(root, 'edge', f'{sample_id}.png'), cv2.IMREAD_UNCHANGED)
        assert set(np.unique(edge)) <= {0, 255}


def test_nyud_labels_are_consistent(nyud_synthetic):
    for label in nyud_synthetic.labels.values():
        # Unit normals, plausible room depths, edges on label changes only.
        norm = np.linalg.norm(label['normals'], axis=-1)
        np.testing.assert_allclose(norm, 1, atol=1e-4)
        valid = label['depth'] > 0
        assert valid.mean() > 0.5 and label['depth'][valid].max() < 15
        seg = label['semseg']
        changes = np.zeros_like(seg, bool)
        changes[:, :-1] |= seg[:, :-1] != seg[:, 1:]
        changes[:-1] |= seg[:-1] != seg[1:]
        np.testing.assert_array_equal(label['edge'].astype(bool), changes)
        # Floors face up (y > 0 in the camera frame, y up).
        floor = seg == 1
        assert (label['normals'][floor][:, 1] > 0.5).all()


def test_pascal_files_in_the_real_format(pascal_synthetic):
    root, labels = pascal_synthetic.root, pascal_synthetic.labels
    ids = sorted(labels)
    split = open(osp.join(root, 'ImageSets', 'Context', 'train.txt')).read().split()
    assert len(split) == 3
    in_context_dir = 0
    for sample_id in ids:
        img = cv2.imread(osp.join(root, 'JPEGImages', f'{sample_id}.jpg'))
        assert max(img.shape[:2]) == 64
        voc = osp.join(root, 'semseg', 'VOC12', f'{sample_id}.png')
        context = osp.join(root, 'semseg', 'pascal-context', f'{sample_id}.png')
        assert osp.exists(voc) != osp.exists(context)
        in_context_dir += osp.exists(context)
        label_map = scipy.io.loadmat(
            osp.join(root, 'pascal-context', 'trainval', f'{sample_id}.mat'))['LabelMap']
        assert label_map.dtype == np.uint16 and label_map.shape == img.shape[:2]
        # The access path of benchmarks.md.
        objects = scipy.io.loadmat(osp.join(root, 'human_parts',
                                            f'{sample_id}.mat'))['anno'][0][0][1][0]
        for obj in objects:
            assert obj[2].shape == img.shape[:2]
            if obj[1][0][0] == 15 and obj[3].size:
                assert all(str(part[0][0]) for part in obj[3][0])
    assert in_context_dir == 2  # every third image


def test_pascal_cases_covered(pascal_synthetic):
    labels = pascal_synthetic.labels
    parts = [label['human_parts'] for label in labels.values()]
    assert any((p == 255).all() for p in parts)
    assert any(set(np.unique(p)) == set(range(7)) for p in parts)
    for label in labels.values():
        has_person = (label['semseg'] == 15).any()
        if (label['human_parts'] != 255).any():
            assert has_person
        assert set(np.unique(label['sal'])) <= {0, 1} and label['sal'].any()
        invalid = (label['normals'] == 0).all(-1)
        assert 0 < invalid.mean() < 1 or not invalid.any()


def test_deterministic_and_refuses_a_non_empty_folder(tmp_path):
    a = generate_nyud(str(tmp_path / 'a'), 1, 1, size=(24, 32), seed=3, return_labels=True)
    b = generate_nyud(str(tmp_path / 'b'), 1, 1, size=(24, 32), seed=3, return_labels=True)
    for sample_id in a:
        np.testing.assert_array_equal(a[sample_id]['depth'], b[sample_id]['depth'])
    with pytest.raises(FileExistsError, match='not empty'):
        generate_nyud(str(tmp_path / 'a'), 1, 1, size=(24, 32))


def test_full_resolution(tmp_path):
    labels = generate_nyud(str(tmp_path / 'nyud'), 1, 0, size=(425, 560), return_labels=True)
    assert next(iter(labels.values()))['depth'].shape == (425, 560)
    labels = generate_pascal_context(str(tmp_path / 'pascal'), 1, 0, max_side=500,
                                     return_labels=True)
    assert max(next(iter(labels.values()))['semseg'].shape) == 500


def test_cli(tmp_path, capsys, monkeypatch):
    run_tool(monkeypatch, 'pascal_context', str(tmp_path / 'p'), '--train', '1', '--val', '1',
             '--max-side', '40')
    assert 'wrote a synthetic pascal_context dataset' in capsys.readouterr().out
    assert osp.exists(tmp_path / 'p' / 'ImageSets' / 'Context' / 'val.txt')
    run_tool(monkeypatch, 'nyud', str(tmp_path / 'n'), '--train', '1', '--val', '1', '--size',
             '24', '32')
    assert len(open(tmp_path / 'n' / 'gt_sets' / 'val.txt').read().split()) == 1


def test_package_and_tool_run_without_scikit_image(tmp_path):
    """scikit-image is a test dependency: ``import msm_mm`` and the command
    line (which returns no labels) work where it is missing."""
    code = f"""
import runpy, sys
sys.modules['skimage'] = None  # any import of it fails, as where it is not installed
import msm_mm
assert 'msm_mm.testing' not in sys.modules
for args in (['nyud', '{tmp_path}/n', '--size', '24', '32'],
             ['pascal_context', '{tmp_path}/p', '--max-side', '40']):
    sys.argv = ['generate_synthetic.py', *args, '--train', '1', '--val', '1']
    runpy.run_path('{TOOL}', run_name='__main__')
"""
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=TOOL.parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.count('wrote a synthetic') == 2
