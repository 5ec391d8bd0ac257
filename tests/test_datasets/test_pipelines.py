"""The dataset configs' full train and test pipelines, and the preprocessor."""
import copy
import os.path as osp
from pathlib import Path

import cv2
import numpy as np
import pytest
import scipy.io
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmseg.registry import DATASETS, MODELS

from msm_mm.structures import get_task
from msm_mm.testing import generate_nyud, generate_pascal_context
from msm_mm.utils.boundary_maps import seism_boundary

REPO = Path(__file__).resolve().parents[2]
CONFIGS = dict(nyud=REPO / 'configs/_base_/datasets/nyud.py',
               pascal=REPO / 'configs/_base_/datasets/pascal_context.py')
SIZES = dict(nyud=(448, 576), pascal=(512, 512))
MEAN = np.array([123.675, 116.28, 103.53])
STD = np.array([58.395, 57.12, 57.375])


def dataset_cfg(name, root, split='train', **steps):
    """The config's dataset with ``data_root`` and pipeline steps overridden.

    ``steps`` maps a transform type to a dict of new arguments, or to None to
    drop it.
    """
    cfg = Config.fromfile(str(CONFIGS[name]))
    ds = copy.deepcopy(cfg[f'{split}_dataloader']['dataset'])
    ds['data_root'] = root
    pipeline = []
    for step in ds['pipeline']:
        if step['type'] in steps:
            if steps[step['type']] is None:
                continue
            step = dict(step, **steps[step['type']])
        pipeline.append(step)
    ds['pipeline'] = pipeline
    return ds


def build(name, root, split='train', **steps):
    return DATASETS.build(dataset_cfg(name, root, split, **steps))


def unpad(tensor, padding):
    """Crop ``(C, H, W)`` back to the image with ``padding`` (t, b, l, r)."""
    t, b, l, r = padding
    return tensor[:, t:tensor.shape[1] - b, l:tensor.shape[2] - r]


def check_padding(sample, inputs, size):
    """Padding is centred (up to 1 px), image 0 and every label its ignore."""
    t, b, l, r = sample.padding
    h, w = sample.img_shape
    assert (t + h + b, l + w + r) == size == tuple(sample.pad_shape)
    assert 0 <= b - t <= 1 and 0 <= r - l <= 1
    outside = torch.ones(size, dtype=torch.bool)
    outside[t:t + h, l:l + w] = False
    assert (inputs[:, outside] == 0).all()
    for task in sample.gt_tasks:
        gt = sample.get_gt(task)
        assert gt.shape[1:] == size
        assert (gt[:, outside] == get_task(task).ignore_value).all(), task


@pytest.mark.parametrize('name', ['nyud', 'pascal'])
def test_configs(name):
    cfg = Config.fromfile(str(CONFIGS[name]))
    assert cfg.train_dataloader['batch_size'] == dict(nyud=4, pascal=6)[name]
    assert cfg.test_dataloader == cfg.val_dataloader


@pytest.mark.parametrize('name,fixture', [('nyud', 'nyud_synthetic'),
                                          ('pascal', 'pascal_synthetic')])
def test_train_pipeline(name, fixture, request):
    data = request.getfixturevalue(fixture)
    dataset = build(name, data.root)
    np.random.seed(0)
    for index in range(len(dataset)):
        packed = dataset[index]
        inputs, sample = packed['inputs'], packed['data_samples']
        assert inputs.shape == (3, ) + SIZES[name] and inputs.dtype == torch.float32
        assert sorted(sample.gt_tasks) == sorted(dataset.metainfo['tasks'])
        check_padding(sample, inputs, SIZES[name])
        assert set(sample.metainfo) >= {'img_path', 'sample_id', 'ori_shape', 'img_shape',
                                        'pad_shape', 'padding', 'flip', 'scale_factor'}


@pytest.mark.parametrize('name,fixture', [('nyud', 'nyud_synthetic'),
                                          ('pascal', 'pascal_synthetic')])
def test_test_pipeline(name, fixture, request):
    data = request.getfixturevalue(fixture)
    dataset = build(name, data.root, 'val')
    assert dataset.test_mode
    for index in range(len(dataset)):
        packed = dataset[index]
        inputs, sample = packed['inputs'], packed['data_samples']
        expected = data.labels[sample.sample_id]
        assert inputs.shape == (3, ) + SIZES[name]
        assert sample.img_shape == sample.ori_shape and sample.flip is False
        # Labels keep the image size and exactly the decoded values; PASCAL-Context's
        # boundaries are SEISM's ground truth, thin(seg2bmap(LabelMap)).
        for task in sample.gt_tasks:
            gt = sample.get_gt(task).numpy()
            want = expected[task].transpose(2, 0, 1) if task == 'normals' else expected[task][None]
            if name == 'pascal' and task == 'edge':
                mat = osp.join(data.root, 'pascal-context', 'trainval', f'{sample.sample_id}.mat')
                want = seism_boundary(scipy.io.loadmat(mat)['LabelMap'])[None].astype(np.uint8)
                assert not np.array_equal(want[0], expected['edge'])
            np.testing.assert_allclose(gt, want, atol=1 / 255 + 1e-6 if task == 'normals' else 0)
        # The normalised image, cropped back, is the file's image.
        img = unpad(inputs, sample.padding).numpy().transpose(1, 2, 0) * STD + MEAN
        np.testing.assert_allclose(img, cv2.imread(sample.img_path)[..., ::-1], atol=1e-3)
        t, b, l, r = sample.padding
        assert (inputs[:, :t] == 0).all() and (inputs[:, :, inputs.shape[2] - r:] == 0).all()


@pytest.mark.parametrize('name,fixture', [('nyud', 'nyud_synthetic'),
                                          ('pascal', 'pascal_synthetic')])
def test_train_pipeline_flip_and_scale_exact(name, fixture, request):
    """With a fixed scale of 2 and a certain flip, every map of the packed
    sample (cropped back) is the generator's label, magnified, mirrored, depth
    halved and normal x negated."""
    data = request.getfixturevalue(fixture)
    dataset = build(name, data.root, MultiTaskRandomScale=dict(ratio_range=(2.0, 2.0)),
                    MultiTaskRandomFlip=dict(prob=1.0))
    for index in range(len(dataset)):
        sample = dataset[index]['data_samples']
        assert sample.flip is True and sample.scale_factor == (2.0, 2.0)
        expected = data.labels[sample.sample_id]
        for task in sample.gt_tasks:
            gt = unpad(sample.get_gt(task), sample.padding).numpy()
            want = expected[task].repeat(2, 0).repeat(2, 1)[:, ::-1]
            want = want.transpose(2, 0, 1) * [[[-1]], [[1]], [[1]]] if task == 'normals' \
                else want[None]
            if task == 'depth':
                want = want / 2
            np.testing.assert_allclose(gt, want, atol=1 / 255 + 1e-6 if task == 'normals' else 0,
                                       err_msg=task)


def test_full_resolution_nyud(tmp_path):
    root = str(tmp_path / 'NYUDv2')
    generate_nyud(root, 2, 1, size=(425, 560))
    np.random.seed(0)
    train = build('nyud', root, MultiTaskRandomScale=dict(ratio_range=(1.5, 2.0)))
    for index in range(2):
        packed = train[index]
        sample = packed['data_samples']
        # Magnified beyond the crop: cropped to exactly 448x576, no padding.
        assert sample.img_shape == (448, 576) and sample.padding == (0, 0, 0, 0)
        semseg = sample.get_gt('semseg')
        counts = torch.bincount(semseg[semseg != 255])
        assert (counts > 0).sum() > 1
    sample = build('nyud', root, 'val')[0]['data_samples']
    assert sample.padding == (11, 12, 8, 8) and sample.get_gt('depth').shape == (1, 425, 560)


def test_full_resolution_pascal(tmp_path):
    root = str(tmp_path / 'PASCALContext')
    generate_pascal_context(root, 1, 1, max_side=500)
    packed = build('pascal', root)[0]
    check_padding(packed['data_samples'], packed['inputs'], (512, 512))
    sample = build('pascal', root, 'val')[0]['data_samples']
    assert max(sample.get_gt('semseg').shape) == 500


def test_preprocessor_on_the_train_pipeline(nyud_root):
    dataset = build('nyud', nyud_root)
    preprocessor = MODELS.build(dict(type='MultiTaskDataPreProcessor'))
    batch = preprocessor(pseudo_collate([dataset[i] for i in range(3)]), training=True)
    assert batch['inputs'].shape == (3, 3, 448, 576)
    for sample in batch['data_samples']:
        assert sample.batch_input_shape == (448, 576)
        for task in sample.gt_tasks:
            assert sample.get_gt(task).shape[1:] == (448, 576)


def test_preprocessor_pads_variable_sizes(pascal_root):
    """Without the pipeline's padding, the preprocessor pads every map with
    its own ignore value."""
    np.random.seed(0)
    dataset = build('pascal', pascal_root, MultiTaskCenterPad=None)
    items = [dataset[i] for i in range(3)]
    shapes = {tuple(item['inputs'].shape) for item in items}
    assert len(shapes) > 1
    preprocessor = MODELS.build(dict(type='MultiTaskDataPreProcessor', size_divisor=32))
    batch = preprocessor(pseudo_collate(items), training=True)
    h, w = batch['inputs'].shape[2:]
    assert h % 32 == 0 and w % 32 == 0
    for item, inputs, sample in zip(items, batch['inputs'], batch['data_samples']):
        ih, iw = item['inputs'].shape[1:]
        assert sample.padding == (0, h - ih, 0, w - iw)
        assert (inputs[:, ih:] == 0).all() and (inputs[:, :, iw:] == 0).all()
        for task in sample.gt_tasks:
            gt = sample.get_gt(task)
            assert gt.shape[1:] == (h, w)
            ignore = get_task(task).ignore_value
            assert (gt[:, ih:] == ignore).all() and (gt[:, :, iw:] == ignore).all()
