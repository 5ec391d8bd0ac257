import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class NormalL1Loss(nn.Module):
    """L1 loss between the L2-normalised predicted normals and the ground
    truth, over valid pixels (the zero vector marks ignored pixels), averaged
    over the valid pixels' components."""

    def forward(self, pred: Tensor, gt: Tensor) -> Tensor:
        """Args: pred and gt (B, 3, H, W)."""
        valid = (gt.abs().sum(1, keepdim=True) > 0).expand_as(gt)
        pred = F.normalize(pred, dim=1)
        return (pred - gt).abs()[valid].sum() / valid.sum().clamp(min=1)
