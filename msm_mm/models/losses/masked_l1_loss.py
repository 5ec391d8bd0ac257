import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class MaskedL1Loss(nn.Module):
    """L1 loss over the pixels whose ground truth is not the ignore value
    (depth: 0 marks invalid depth and padding).

    Args:
        ignore_value (float): Ground-truth value without supervision.
            Defaults to 0.
    """

    def __init__(self, ignore_value: float = 0.):
        super().__init__()
        self.ignore_value = ignore_value

    def forward(self, pred: Tensor, gt: Tensor) -> Tensor:
        """Args: pred and gt (B, C, H, W)."""
        valid = gt != self.ignore_value
        return (pred - gt).abs()[valid].sum() / valid.sum().clamp(min=1)
