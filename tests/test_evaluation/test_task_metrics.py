import numpy as np
import pytest

from msm_mm.evaluation.metrics import DepthError, NormalError, SaliencyMaxF, SegmentationIoU


def split_merge(metric, pairs):
    """Statistics computed per image, merged in another order (as across ranks)."""
    stats = [metric.process(pred, gt, str(i)) for i, (pred, gt) in enumerate(pairs)]
    merged = metric.compute(stats[1::2] + stats[0::2])
    assert merged == pytest.approx(metric.compute(stats))
    return merged


def test_segmentation_iou_hand_case():
    gt = np.array([[[0, 0, 1], [1, 255, 2]]])
    pred = np.array([[[0, 1, 1], [1, 2, 0]]])
    # class 0: TP 1, FP 1, FN 1; class 1: TP 2, FP 1; class 2: FN 1 (its FP is ignored).
    metric = SegmentationIoU('semseg', 3)
    assert metric.compute([metric.process(pred, gt, 'a')])['mIoU'] == pytest.approx(100 / 3)
    # A class absent from ground truth and predictions counts as 0 in the mean.
    metric = SegmentationIoU('semseg', 4)
    assert metric.compute([metric.process(pred, gt, 'a')])['mIoU'] == pytest.approx(25)


def test_segmentation_iou_is_dataset_wide():
    metric = SegmentationIoU('human_parts', 2, class_names=['bg', 'person'])
    a = (np.array([[[1, 1]]]), np.array([[[1, 0]]]))  # IoU(1) = 1/2 here
    b = (np.array([[[1, 1, 1, 1]]]), np.array([[[1, 1, 1, 1]]]))  # IoU(1) = 1 here
    all_ones = np.array([[[255]]]), np.array([[[255]]])  # fully ignored image
    result = split_merge(metric, [a, b, all_ones])
    # dataset-wide: class 1 TP 5, FP 1 -> 5/6; class 0 FN 1 -> 0.
    assert result['mIoU'] == pytest.approx(100 * (5 / 6 + 0) / 2)


def test_segmentation_iou_errors():
    metric = SegmentationIoU('semseg', 3)
    with pytest.raises(ValueError, match=r"sample 'x', task 'semseg'.*\(1, 2, 3\)"):
        metric.process(np.zeros((1, 3, 3)), np.zeros((1, 2, 3)), 'x')
    with pytest.raises(ValueError, match=r'prediction class ids must be in \[0, 3\).*\[7\]'):
        metric.process(np.full((1, 2, 2), 7), np.zeros((1, 2, 2)), 'x')
    with pytest.raises(ValueError, match='class names'):
        SegmentationIoU('semseg', 3, class_names=['a'])


def test_depth_hand_case_and_clamping():
    gt = np.array([[[1.0, 2.0], [0.0, 4.0]]])  # 0 = invalid
    pred = np.array([[[2.0, 2.0], [5.0, -1.0]]])  # -1 is clamped to 0
    metric = DepthError()
    result = metric.compute([metric.process(pred, gt, 'a')])
    assert result['rmse'] == pytest.approx(np.sqrt((1 + 0 + 16) / 3))
    assert result['abs_rel'] == pytest.approx((1 + 0 + 1) / 3)
    positive = np.array([[[2.0, 2.0], [5.0, 8.0]]])
    result = metric.compute([metric.process(positive, gt, 'a')])
    assert result['log_rmse'] == pytest.approx(np.sqrt((np.log(2)**2 + 0 + np.log(2)**2) / 3))


def test_depth_is_dataset_wide_not_per_image():
    metric = DepthError()
    a = (np.array([[[4.0]]]), np.array([[[1.0]]]))  # squared error 9, one pixel
    b = (np.array([[[2.0, 3.0]]]), np.array([[[2.0, 3.0]]]))  # exact, two pixels
    result = split_merge(metric, [a, b])
    assert result['rmse'] == pytest.approx(np.sqrt(9 / 3))  # not (3 + 0) / 2
    with pytest.raises(ValueError, match='no valid ground-truth pixel'):
        metric.compute([metric.process(np.ones((1, 1, 1)), np.zeros((1, 1, 1)), 'z')])


def test_normals_hand_case():
    gt = np.zeros((3, 1, 5))
    pred = np.zeros((3, 1, 5))
    gt[:, 0, 0], pred[:, 0, 0] = (1, 0, 0), (0, 1, 0)  # 90 degrees
    gt[:, 0, 1], pred[:, 0, 1] = (0, 0, 2), (0, 0, 0.5)  # 0 after normalisation
    gt[:, 0, 2], pred[:, 0, 2] = (0, 0, 0), (1, 0, 0)  # zero ground truth: ignored
    gt[:, 0, 3], pred[:, 0, 3] = (1, 0, 0), (-1, 0, 0)  # 180 degrees
    gt[:, 0, 4], pred[:, 0, 4] = (0, 1, 0), (0, 0, 0)  # zero prediction: 90 degrees
    metric = NormalError(median_bin_width=0.05)
    result = metric.compute([metric.process(pred, gt, 'a')])
    assert result['mean'] == pytest.approx((90 + 0 + 180 + 90) / 4)
    assert abs(result['median'] - 90) <= 0.025 + 1e-9
    for key in ('11.25', '22.5', '30'):
        assert result[key] == pytest.approx(25)


def test_normals_median_within_half_a_bin_and_merging():
    rng = np.random.default_rng(0)
    images = []
    angles = []
    for size in (40, 57, 13):
        gt = rng.normal(size=(3, 1, size))
        pred = gt + rng.normal(scale=0.4, size=gt.shape)
        images.append((pred, gt))
        g = gt[:, 0] / np.linalg.norm(gt[:, 0], axis=0)
        p = pred[:, 0] / np.linalg.norm(pred[:, 0], axis=0)
        angles.append(np.degrees(np.arccos(np.clip((g * p).sum(0), -1, 1))))
    angles = np.concatenate(angles)
    for width in (0.05, 1.0):
        metric = NormalError(median_bin_width=width)
        result = split_merge(metric, images)
        assert abs(result['median'] - np.median(angles)) <= width / 2 + 1e-9
        assert result['mean'] == pytest.approx(angles.mean())
        assert result['30'] == pytest.approx(100 * np.mean(angles < 30))
    with pytest.raises(ValueError, match='median_bin_width'):
        NormalError(median_bin_width=0)


def test_saliency_hand_case():
    gt = np.array([[[1, 1, 0, 0, 255]]])
    pred = np.array([[[0.9, 0.3, 0.6, 0.1, 0.99]]])
    metric = SaliencyMaxF()
    stats = metric.process(pred, gt, 'a')
    assert stats['actual_pos'] == 2
    assert stats['pred_pos'][5] == 3  # t = 0.30: 0.9, 0.6 and 0.3 (>= t)
    assert stats['true_pos'][5] == 2
    # Best at t in (0.6, 0.9]: P = 1, R = 1/2 -> F = 1.3 * 0.5 / (0.3 + 0.5).
    assert metric.compute([stats])['maxF'] == pytest.approx(100 * 0.65 / 0.8)
    # Nothing predicted salient: F = 0, not NaN.
    empty = metric.process(np.zeros((1, 1, 5)), gt, 'b')
    assert metric.compute([empty])['maxF'] == 0


def test_saliency_sigmoid_quirk_and_merging():
    gt = np.array([[[1, 1, 0]]])
    pred = np.array([[[0.9, 0.95, 0.88]]])
    assert SaliencyMaxF().compute([SaliencyMaxF().process(pred, gt, 'a')])['maxF'] == 100
    quirk = SaliencyMaxF(sigmoid_quirk=True)
    # sigmoid(p) lies in [0.706, 0.722]: at t = 0.7 all three are salient, above none.
    assert quirk.compute([quirk.process(pred, gt, 'a')])['maxF'] == pytest.approx(
        100 * 1.3 * (2 / 3) / (0.3 * 2 / 3 + 1))
    rng = np.random.default_rng(0)
    images = [(rng.random((1, 4, 5)), (rng.random((1, 4, 5)) < 0.4).astype(np.int64))
              for _ in range(5)]
    split_merge(SaliencyMaxF(), images)
    with pytest.raises(ValueError, match='ground truth must be 0, 1 or 255'):
        SaliencyMaxF().process(pred, gt * 3, 'c')
