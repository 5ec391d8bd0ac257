import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class PixelCrossEntropyLoss(nn.Module):
    """Cross-entropy over pixels, averaged over the pixels that are not
    ignored (semseg, human parts, saliency).

    A batch without any labelled pixel (for example human parts on images
    without persons) gives 0 instead of NaN.

    Args:
        ignore_index (int): Label without supervision. Defaults to 255.
    """

    def __init__(self, ignore_index: int = 255):
        super().__init__()
        self.ignore_index = ignore_index

    def forward(self, pred: Tensor, gt: Tensor) -> Tensor:
        """Args: pred (B, K, H, W) logits; gt (B, 1, H, W) class ids."""
        gt = gt[:, 0].long()
        valid = (gt != self.ignore_index).sum().clamp(min=1)
        return F.cross_entropy(pred, gt, ignore_index=self.ignore_index, reduction='sum') / valid
