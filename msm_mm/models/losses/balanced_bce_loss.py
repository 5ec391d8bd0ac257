import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class BalancedBCELoss(nn.Module):
    """Class-balanced binary cross-entropy for boundaries: positives weigh
    ``pos_weight``, negatives ``1 - pos_weight``, averaged over the pixels
    that are not ignored.

    Args:
        pos_weight (float): Weight of boundary pixels. Defaults to 0.95.
        ignore_index (int): Label without supervision. Defaults to 255.
    """

    def __init__(self, pos_weight: float = 0.95, ignore_index: int = 255):
        super().__init__()
        if not 0 < pos_weight < 1:
            raise ValueError(f'pos_weight must lie in (0, 1), got {pos_weight}')
        self.pos_weight = pos_weight
        self.ignore_index = ignore_index

    def forward(self, pred: Tensor, gt: Tensor) -> Tensor:
        """Args: pred (B, 1, H, W) logits; gt (B, 1, H, W) in {0, 1, ignore}."""
        valid = gt != self.ignore_index
        target = (gt == 1).to(pred.dtype)
        weight = target * self.pos_weight + (1 - target) * (1 - self.pos_weight)
        loss = F.binary_cross_entropy_with_logits(pred, target, weight, reduction='none')
        return loss[valid].sum() / valid.sum().clamp(min=1)
