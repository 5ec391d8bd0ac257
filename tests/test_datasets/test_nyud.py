import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest

from msm_mm.datasets import NYUDv2Dataset
from msm_mm.datasets.transforms import LoadNYUDAnnotations, LoadRGBImageFromFile

LOAD = [dict(type='LoadRGBImageFromFile'), dict(type='LoadNYUDAnnotations')]


def build(root, split='train', **kwargs):
    return NYUDv2Dataset(data_root=root, ann_file=f'gt_sets/{split}.txt', pipeline=LOAD,
                         **kwargs)


def snapshot(root):
    """Every path under root with its size and modification time."""
    return {(p, os.stat(p).st_size, os.stat(p).st_mtime_ns)
            for d, _, files in os.walk(root) for p in [d] + [osp.join(d, f) for f in files]}


@pytest.fixture
def nyud_copy(nyud_root, tmp_path):
    """A private copy of the tiny NYUD dataset, to corrupt."""
    return shutil.copytree(nyud_root, tmp_path / 'NYUDv2')


def test_data_list_and_metainfo(nyud_root):
    dataset = build(nyud_root)
    assert len(dataset) == 3
    info = dataset.get_data_info(0)
    assert info['img_path'] == osp.join(nyud_root, 'images', f"{info['sample_id']}.png")
    assert set(info['ann_paths']) == {'semseg', 'depth', 'normals', 'edge'}
    assert info['ann_paths']['depth'].endswith(f"depth/{info['sample_id']}.npy")
    assert dataset.metainfo['tasks'] == ('semseg', 'depth', 'normals', 'edge')
    assert len(dataset.metainfo['classes']) == 40 == len(dataset.metainfo['palette'])
    assert len(build(nyud_root, 'val')) == 2


def test_decoding_matches_the_generator(nyud_synthetic):
    labels = nyud_synthetic.labels
    for split in ('train', 'val'):
        dataset = build(nyud_synthetic.root, split)
        for index in range(len(dataset)):
            results = dataset[index]
            expected = labels[results['sample_id']]
            assert results['gt_tasks'] == ['semseg', 'depth', 'normals', 'edge']
            assert results['img'].shape == (48, 64, 3) and results['img'].dtype == np.uint8
            np.testing.assert_array_equal(results['gt_semseg'], expected['semseg'])
            assert (results['gt_semseg'] == 255).any() or (expected['semseg'] != 255).all()
            np.testing.assert_array_equal(results['gt_depth'], expected['depth'])
            assert results['gt_depth'].dtype == np.float32
            np.testing.assert_allclose(results['gt_normals'], expected['normals'],
                                       atol=1 / 255 + 1e-6)
            np.testing.assert_array_equal(results['gt_edge'], expected['edge'])


def test_rgb_order(nyud_root):
    dataset = build(nyud_root)
    results = dataset[0]
    bgr = cv2.imread(results['img_path'])
    np.testing.assert_array_equal(results['img'], bgr[..., ::-1])


def test_task_subset(nyud_synthetic):
    dataset = build(nyud_synthetic.root, tasks=('depth', ))
    results = dataset[0]
    assert results['gt_tasks'] == ['depth'] and 'gt_semseg' not in results
    assert dataset.metainfo['tasks'] == ('depth', )


@pytest.mark.parametrize('tasks', [(), ('sal', ), ('depth', 'depth'), ('segmentation', )])
def test_bad_tasks(nyud_root, tasks):
    with pytest.raises((ValueError, KeyError)):
        build(nyud_root, tasks=tasks)


def test_nothing_written(nyud_root):
    before = snapshot(nyud_root)
    dataset = build(nyud_root)
    for index in range(len(dataset)):
        dataset[index]
    assert snapshot(nyud_root) == before


def test_missing_split_file(nyud_root):
    with pytest.raises(FileNotFoundError, match='split file .*test.txt not found'):
        build(nyud_root, 'test')


def test_split_lists_ids_without_images(nyud_copy):
    with open(nyud_copy / 'gt_sets' / 'train.txt', 'a') as f:
        f.write('0100\n0101\n')
    with pytest.raises(FileNotFoundError, match=r"2 of the 5 ids .* no image .*: 0100, 0101"):
        build(str(nyud_copy))


def test_missing_label_file(nyud_copy):
    sample_id = open(nyud_copy / 'gt_sets' / 'train.txt').read().split()[1]
    os.remove(nyud_copy / 'depth' / f'{sample_id}.npy')
    with pytest.raises(FileNotFoundError) as e:
        build(str(nyud_copy))
    assert f"depth (1 of 3 missing, expected depth/<id>.npy): sample '{sample_id}'" in str(e.value)
    assert str(nyud_copy / 'depth' / f'{sample_id}.npy') in str(e.value)
    # A file that disappears after the dataset was built.
    dataset = build(str(nyud_copy), tasks=('semseg', ))
    os.remove(nyud_copy / 'segmentation' / f'{sample_id}.png')
    with pytest.raises(FileNotFoundError, match=f"sample '{sample_id}': file not found"):
        dataset[1]


def test_mtinet_layout_refused(nyud_copy):
    sample_id = open(nyud_copy / 'gt_sets' / 'train.txt').read().split()[0]
    np.save(nyud_copy / 'edge' / f'{sample_id}.npy', np.zeros((48, 64), np.float32))
    os.rename(nyud_copy / 'images' / f'{sample_id}.png', nyud_copy / 'images' / f'{sample_id}.jpg')
    with pytest.raises(ValueError, match="MTI-Net's distribution .*found images/\\*.jpg, "
                       'edge/\\*.npy. This loader reads the InvPT'):
        build(str(nyud_copy))


def test_astmt_layout_refused(nyud_copy):
    shutil.rmtree(nyud_copy / 'segmentation')
    os.makedirs(nyud_copy / 'segmentation')
    (nyud_copy / 'segmentation' / '0001.mat').write_bytes(b'')
    with pytest.raises(ValueError, match="ASTMT's distribution .*segmentation/\\*.mat"):
        build(str(nyud_copy))


def corrupt(root, folder, suffix, array):
    """Overwrite the first training sample's file; return the dataset's sample."""
    sample_id = open(root / 'gt_sets' / 'train.txt').read().split()[0]
    path = root / folder / f'{sample_id}{suffix}'
    if suffix == '.npy':
        np.save(path, array)
    else:
        cv2.imwrite(str(path), array)
    return sample_id, str(path)


@pytest.mark.parametrize('folder,suffix,array,message', [
    ('segmentation', '.png', np.zeros((40, 64), np.uint8), 'is 40x64 but its image is 48x64'),
    ('segmentation', '.png', np.full((48, 64), 41, np.uint8), r'holds values \[41\]'),
    ('segmentation', '.png', np.zeros((48, 64), np.uint16), 'dtype uint16, expected uint8'),
    ('segmentation', '.png', np.zeros((48, 64, 3), np.uint8), r'expected \(H, W\)'),
    ('depth', '.npy', np.zeros((48, 64), np.uint16), 'expected a floating-point type'),
    ('depth', '.npy', np.full((48, 64), -1, np.float32), 'negative or non-finite'),
    ('depth', '.npy', np.zeros((48, 65), np.float32), 'is 48x65'),
    ('normals', '.png', np.zeros((48, 64), np.uint8), r'expected \(H, W, 3\)'),
    ('edge', '.png', np.ones((48, 64), np.uint8), r'holds values \[1\].*expected 0 \(no edge\)'),
])
def test_bad_labels(nyud_copy, folder, suffix, array, message):
    sample_id, path = corrupt(nyud_copy, folder, suffix, array)
    dataset = build(str(nyud_copy))
    with pytest.raises(ValueError, match=message) as e:
        dataset[0]
    assert f"sample '{sample_id}'" in str(e.value) and path in str(e.value)


def test_loader_refuses_other_tasks():
    results = dict(sample_id='x', ori_shape=(2, 2), tasks=('sal', ), ann_paths=dict(sal='x'))
    with pytest.raises(KeyError, match='use the loader of the dataset'):
        LoadNYUDAnnotations()(results)


def test_repr():
    assert repr(LoadNYUDAnnotations()) == 'LoadNYUDAnnotations(backend_args=None)'
    assert repr(LoadRGBImageFromFile()) == 'LoadRGBImageFromFile(backend_args=None)'
