import math

import pytest
import torch

from msm_mm.models.losses import NormalL1Loss, PixelCrossEntropyLoss


def test_normal_l1_divides_by_valid_pixels():
    pred = torch.zeros(1, 3, 1, 2)
    pred[0, 0] = 2.  # normalised to (1, 0, 0) at both pixels
    gt = torch.zeros(1, 3, 1, 2)
    gt[0, 1, 0, 0] = 1.  # pixel 0: (0, 1, 0); pixel 1: zero vector = ignored
    # |1 - 0| + |0 - 1| + 0 = 2 over one valid pixel (not over its 3 components).
    assert NormalL1Loss()(pred, gt).item() == pytest.approx(2.)
    assert NormalL1Loss()(pred, torch.zeros_like(gt)).item() == 0.


def test_cross_entropy_mean_over_labelled_pixels():
    pred = torch.zeros(1, 3, 1, 4)
    gt = torch.tensor([[[[0, 1, 2, 255]]]])
    assert PixelCrossEntropyLoss()(pred, gt).item() == pytest.approx(math.log(3))
    assert PixelCrossEntropyLoss()(pred, torch.full_like(gt, 255)).item() == 0.


def test_class_balanced_cross_entropy():
    pred = torch.zeros(1, 2, 1, 6)
    pred[0, 1, 0, 0] = 1.  # one confident-ish foreground logit on a background pixel
    gt = torch.tensor([[[[0, 0, 0, 1, 255, 255]]]])
    # 3 background, 1 foreground: background weighs 1/4, foreground 3/4;
    # the weighted sum is divided by the 4 labelled pixels.
    nll = torch.nn.functional.cross_entropy(pred, gt[:, 0], ignore_index=255, reduction='none')
    expected = (0.25 * nll[0, 0, :3].sum() + 0.75 * nll[0, 0, 3]) / 4
    loss = PixelCrossEntropyLoss(class_balanced=True)(pred, gt)
    assert loss.item() == pytest.approx(expected.item())
    assert loss.item() != pytest.approx(PixelCrossEntropyLoss()(pred, gt).item())
    # The weights come from the whole batch, not per image.
    batch_gt = torch.cat([gt, torch.tensor([[[[1, 1, 1, 1, 1, 1]]]])])
    batch_pred = torch.zeros(2, 2, 1, 6)
    # 3 background of 10 labelled pixels: 0.7 * 3 + 0.3 * 7 = 4.2 (times log 2) over 10.
    assert PixelCrossEntropyLoss(class_balanced=True)(batch_pred, batch_gt).item() == \
        pytest.approx(4.2 * math.log(2) / 10)


def test_class_balanced_needs_binary():
    with pytest.raises(ValueError, match='needs 2 classes'):
        PixelCrossEntropyLoss(class_balanced=True)(torch.zeros(1, 3, 1, 2),
                                                   torch.zeros(1, 1, 1, 2, dtype=torch.long))
