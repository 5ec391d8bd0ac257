import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class PixelCrossEntropyLoss(nn.Module):
    """Cross-entropy over pixels, summed and divided by the number of pixels
    that are not ignored (semseg, human parts, saliency).

    With ``class_balanced=True`` (saliency in the MTMamba release and InvPT)
    the task must be binary (labels 0, 1 and ignored; the loaders check the
    labels) and the two classes are weighed against their
    frequency in the batch: with ``w`` the share of background among the
    labelled pixels, background pixels weigh ``1 - w`` and foreground pixels
    ``w``; the weighted sum is still divided by the number of labelled
    pixels.

    A batch without any labelled pixel (for example human parts on crops
    without any part) gives 0 instead of NaN.

    Args:
        ignore_index (int): Label without supervision. Defaults to 255.
        class_balanced (bool): Weigh the two classes of a binary task by the
            other class's frequency in the batch. Defaults to False.
    """

    def __init__(self, ignore_index: int = 255, class_balanced: bool = False):
        super().__init__()
        self.ignore_index = ignore_index
        self.class_balanced = class_balanced

    def forward(self, pred: Tensor, gt: Tensor) -> Tensor:
        """Args: pred (B, K, H, W) logits; gt (B, 1, H, W) class ids."""
        gt = gt[:, 0].long()
        valid = gt != self.ignore_index
        num_valid = valid.sum().clamp(min=1)
        weight = None
        if self.class_balanced:
            if pred.shape[1] != 2:
                raise ValueError(f'class_balanced cross-entropy needs 2 classes, the prediction '
                                 f'has {pred.shape[1]}')
            # no boolean indexing or host check: no device synchronisation per step
            background_share = ((gt == 0) & valid).sum() / num_valid
            weight = torch.stack([1 - background_share, background_share]).to(pred.dtype)
        loss = F.cross_entropy(
            pred, gt, weight=weight, ignore_index=self.ignore_index, reduction='sum')
        return loss / num_valid
