import numpy as np
import pytest
import torch

from msm_mm.datasets.transforms import (MultiTaskCenterPad, MultiTaskRandomCrop,
                                        MultiTaskRandomFlip, MultiTaskRandomScale,
                                        PackMultiTaskInputs, RGBPhotoMetricDistortion)
from msm_mm.structures import MultiTaskDataSample

TASKS = ['semseg', 'depth', 'normals', 'edge', 'sal', 'human_parts']


def make_results(h=30, w=40, seed=0):
    """A results dict whose maps all encode the pixel position.

    The image's red channel and every class map hold ``x`` (column) values
    mod 256 in stripes, depth holds ``y * w + x + 1``, normals a random unit
    field, so alignment and flips can be checked exactly.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx % 256, yy % 256, np.full_like(xx, 7)], -1).astype(np.uint8)
    normals = rng.normal(size=(h, w, 3)).astype(np.float32)
    normals /= np.linalg.norm(normals, axis=-1, keepdims=True)
    results = dict(img=img, img_shape=(h, w), ori_shape=(h, w), sample_id='s', img_path='p',
                   gt_tasks=list(TASKS), gt_depth=(yy * w + xx + 1).astype(np.float32),
                   gt_normals=normals)
    for task in ('semseg', 'edge', 'sal', 'human_parts'):
        results[f'gt_{task}'] = (xx // 4 % 6).astype(np.uint8)
    return results


def test_scale_depth_divided_and_maps_aligned():
    results = make_results()
    depth, normals = results['gt_depth'].copy(), results['gt_normals'].copy()
    out = MultiTaskRandomScale(ratio_range=(2.0, 2.0))(results)
    assert out['img'].shape == (60, 80, 3) and out['img_shape'] == (60, 80)
    assert out['scale_factor'] == (2.0, 2.0)
    for task in TASKS:
        assert out[f'gt_{task}'].shape[:2] == (60, 80)
    # Nearest neighbour at pixel centres: output (i, j) samples input (i // 2, j // 2).
    np.testing.assert_array_equal(out['gt_depth'], depth.repeat(2, 0).repeat(2, 1) / 2)
    np.testing.assert_array_equal(out['gt_normals'], normals.repeat(2, 0).repeat(2, 1))
    np.testing.assert_array_equal(out['gt_semseg'],
                                  make_results()['gt_semseg'].repeat(2, 0).repeat(2, 1))
    # The image (bilinear) agrees with the labels away from the stripe edges.
    assert np.abs(out['img'][..., 0].astype(int) - np.arange(80) // 2).max() <= 1


@pytest.mark.parametrize('ratio', [0.5, 0.73, 1.6])
def test_scale_keeps_label_values(ratio):
    results = make_results()
    out = MultiTaskRandomScale(ratio_range=(ratio, ratio))(results)
    h, w = round(30 * ratio), round(40 * ratio)
    assert out['img'].shape[:2] == (h, w)
    assert set(np.unique(out['gt_semseg'])) <= set(range(6))
    # Depth values are input depths (integers here) divided by the factor.
    rescaled = out['gt_depth'] * ratio
    np.testing.assert_allclose(rescaled, rescaled.round(), atol=1e-2)
    np.testing.assert_allclose(out['scale_factor'], (w / 40, h / 30))


def test_scale_random_range():
    np.random.seed(0)
    sizes = {MultiTaskRandomScale((0.5, 2.0))(make_results())['img'].shape[0] for _ in range(20)}
    assert min(sizes) >= 15 and max(sizes) <= 60 and len(sizes) > 5


def test_crop_aligned():
    np.random.seed(1)
    results = make_results(50, 60)
    img = results['img'].copy()
    out = MultiTaskRandomCrop((20, 30), cat_max_ratio=1.0)(results)
    assert out['img'].shape == (20, 30, 3) and out['img_shape'] == (20, 30)
    y1 = int(out['gt_depth'][0, 0] - 1) // 60
    x1 = int(out['gt_depth'][0, 0] - 1) % 60
    np.testing.assert_array_equal(out['img'], img[y1:y1 + 20, x1:x1 + 30])
    for task in TASKS:
        assert out[f'gt_{task}'].shape[:2] == (20, 30)


def test_crop_smaller_image_kept():
    out = MultiTaskRandomCrop((64, 64))(make_results(30, 40))
    assert out['img'].shape[:2] == (30, 40) and out['gt_depth'][0, 0] == 1
    out = MultiTaskRandomCrop((20, 64))(make_results(30, 40))
    assert out['img'].shape[:2] == (20, 40)


def crop_share(cat_max_ratio, seed):
    """Largest class share of one crop of a half-and-half map."""
    np.random.seed(seed)
    results = make_results(20, 40)
    semseg = np.zeros((20, 40), np.uint8)
    semseg[:, 20:] = 1
    results['gt_semseg'] = semseg
    out = MultiTaskRandomCrop((20, 20), cat_max_ratio=cat_max_ratio)(results)
    return np.bincount(out['gt_semseg'].ravel()).max() / 400


def test_crop_category_rule():
    # 9 of the 21 windows are balanced: the rule (10 tries) nearly always
    # finds one, without it fewer than 3 in 4 are.
    with_rule = [crop_share(0.75, seed) < 0.75 for seed in range(50)]
    without = [crop_share(1.0, seed) < 0.75 for seed in range(50)]
    assert sum(with_rule) >= 47 and sum(without) < 35


def test_crop_rule_ignores_255():
    crop = MultiTaskRandomCrop((4, 4))
    # Class 0 has 3 of the 4 labelled pixels (3 of 8 if 255 counted).
    assert not crop._balanced(np.array([[0, 0, 0, 1, 255, 255, 255, 255]] * 2, np.uint8))
    assert crop._balanced(np.array([[0, 0, 1, 1, 255, 255, 255, 255]] * 2, np.uint8))
    assert not crop._balanced(np.zeros((4, 4), np.uint8))  # a single class


def test_flip_negates_normal_x_and_aligns_every_map():
    results = make_results()
    inputs = {k: v for k, v in results.items() if isinstance(v, np.ndarray)}
    before = {k: v.copy() for k, v in inputs.items()}
    out = MultiTaskRandomFlip(prob=1.0)(results)
    assert out['flip'] is True and out['flip_direction'] == 'horizontal'
    np.testing.assert_array_equal(out['img'], before['img'][:, ::-1])
    for task in TASKS:
        if task != 'normals':
            np.testing.assert_array_equal(out[f'gt_{task}'], before[f'gt_{task}'][:, ::-1])
    flipped = before['gt_normals'][:, ::-1]
    np.testing.assert_array_equal(out['gt_normals'][..., 0], -flipped[..., 0])
    np.testing.assert_array_equal(out['gt_normals'][..., 1:], flipped[..., 1:])
    # The input arrays are not modified (the flip copies).
    for key, array in inputs.items():
        np.testing.assert_array_equal(array, before[key])
    assert out['gt_normals'].flags.c_contiguous


def test_flip_never_and_zero_normals():
    results = make_results()
    results['gt_normals'][:] = 0
    out = MultiTaskRandomFlip(prob=0.0)(results)
    assert out['flip'] is False and out['flip_direction'] is None
    out = MultiTaskRandomFlip(prob=1.0)(out)
    assert (out['gt_normals'] == 0).all()  # ignored pixels stay the zero vector
    with pytest.raises(ValueError):
        MultiTaskRandomFlip(prob=2)


def test_photometric_distortion_image_only():
    results = make_results()
    gts = {t: results[f'gt_{t}'].copy() for t in TASKS}
    img = np.random.default_rng(0).integers(0, 256, (30, 40, 3)).astype(np.uint8)
    results['img'] = img.copy()
    changed = 0
    for seed in range(5):
        np.random.seed(seed)
        out = RGBPhotoMetricDistortion()(dict(results, img=img.copy()))
        assert out['img'].dtype == np.uint8 and out['img'].shape == img.shape
        changed += not np.array_equal(out['img'], img)
        for task in TASKS:
            np.testing.assert_array_equal(out[f'gt_{task}'], gts[task])
    assert changed >= 4
    with pytest.raises(TypeError, match='before Normalize'):
        RGBPhotoMetricDistortion()(dict(img=img.astype(np.float32)))


def test_photometric_hue_in_rgb(monkeypatch):
    # Every step on, hue shift +10: pure red turns orange (G up), as hue
    # rotates in RGB; treating the image as BGR would turn it magenta.
    monkeypatch.setattr(np.random, 'randint', lambda low, high=None: 1 if high is None else 10)
    transform = RGBPhotoMetricDistortion(brightness_delta=0, contrast_range=(1, 1),
                                         saturation_range=(1, 1), hue_delta=10)
    img = np.zeros((4, 4, 3), np.uint8)
    img[..., 0] = 200
    out = transform(dict(img=img))['img']
    assert out[0, 0, 0] == 200 and out[0, 0, 1] > 50 and out[0, 0, 2] == 0


def test_center_pad_values_and_padding():
    results = make_results(29, 40)
    out = MultiTaskCenterPad((36, 47))(results)
    assert out['padding'] == (3, 4, 3, 4) and out['pad_shape'] == (36, 47)
    assert out['img'].shape == (36, 47, 3) and (out['img'][:3] == 0).all()
    for task in ('semseg', 'edge', 'sal', 'human_parts'):
        gt = out[f'gt_{task}']
        assert gt.shape == (36, 47) and (gt[:3] == 255).all() and (gt[:, -4:] == 255).all()
        assert gt[3:32, 3:43].max() < 6
    assert (out['gt_depth'][:3] == 0).all() and (out['gt_depth'][3:32, 3:43] > 0).all()
    assert out['gt_normals'].shape == (36, 47, 3) and (out['gt_normals'][:, :3] == 0).all()
    np.testing.assert_array_equal(out['img'][3:32, 3:43], make_results(29, 40)['img'])
    # Padding twice adds up.
    out = MultiTaskCenterPad((38, 47))(out)
    assert out['padding'] == (4, 5, 3, 4)


def test_center_pad_too_large():
    with pytest.raises(ValueError, match="sample 's' is 30x40, larger than the pad size 20x64"):
        MultiTaskCenterPad((20, 64))(make_results())


def test_pack():
    results = MultiTaskCenterPad((32, 40))(make_results())
    normals = results['gt_normals'].copy()
    packed = PackMultiTaskInputs()(results)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert isinstance(sample, MultiTaskDataSample)
    assert inputs.shape == (3, 32, 40) and inputs.dtype == torch.uint8
    assert sorted(sample.gt_tasks) == sorted(TASKS)
    assert sample.get_gt('semseg').shape == (1, 32, 40)
    assert sample.get_gt('semseg').dtype == torch.long
    assert sample.get_gt('depth').dtype == torch.float32
    np.testing.assert_array_equal(sample.get_gt('normals').numpy(), normals.transpose(2, 0, 1))
    meta = sample.metainfo
    assert meta['padding'] == (1, 1, 0, 0) and meta['pad_shape'] == (32, 40)
    assert meta['flip'] is False and meta['scale_factor'] == (1.0, 1.0)
    assert meta['img_shape'] == meta['ori_shape'] == (30, 40) and meta['sample_id'] == 's'


def test_pack_defaults_without_padding():
    results = make_results()
    results['gt_tasks'] = []
    meta = PackMultiTaskInputs()(results)['data_samples'].metainfo
    assert meta['padding'] == (0, 0, 0, 0) and meta['pad_shape'] == (30, 40)
    assert meta['flip_direction'] is None


def test_reprs():
    assert repr(MultiTaskRandomScale()) == 'MultiTaskRandomScale(ratio_range=(0.5, 2.0))'
    assert 'cat_max_ratio=0.75' in repr(MultiTaskRandomCrop((4, 4)))
    assert repr(MultiTaskRandomFlip()) == 'MultiTaskRandomFlip(prob=0.5)'
    assert 'hue_delta=18' in repr(RGBPhotoMetricDistortion())
    assert repr(MultiTaskCenterPad((4, 4))) == 'MultiTaskCenterPad(size=(4, 4), img_pad_val=0)'
    assert 'sample_id' in repr(PackMultiTaskInputs())


def test_crop_without_parts_ignores_the_part_task():
    results = make_results(20, 40)
    parts = np.zeros((20, 40), np.uint8)
    parts[:, 30:] = 3  # a part only in the right quarter
    results['gt_human_parts'] = parts
    results['gt_semseg'] = np.zeros((20, 40), np.uint8)
    crop = MultiTaskRandomCrop((20, 10), cat_max_ratio=1.0)
    np.random.seed(0)
    seen = set()
    for _ in range(40):
        out = crop(dict(results))
        x1 = int(out['gt_depth'][0, 0] - 1) % 40
        expected = parts[:, x1:x1 + 10] if x1 + 10 > 30 else np.full((20, 10), 255)
        np.testing.assert_array_equal(out['gt_human_parts'], expected)
        assert (out['gt_semseg'] == 0).all()  # other tasks keep their background
        seen.add(x1 + 10 > 30)
    assert seen == {True, False}
    # Background and padding only (no part pixel) counts as no parts; the rule can be off.
    results['gt_human_parts'] = np.where(parts == 3, 255, 0).astype(np.uint8)
    assert (MultiTaskRandomCrop((20, 40))(dict(results))['gt_human_parts'] == 255).all()
    off = MultiTaskRandomCrop((20, 40), ignore_if_no_foreground=())(dict(results))
    np.testing.assert_array_equal(off['gt_human_parts'], results['gt_human_parts'])
