import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class NormalL1Loss(nn.Module):
    """L1 loss between the L2-normalised predicted normals and the ground
    truth over valid pixels (the zero vector marks ignored pixels).

    The absolute differences of the three components are summed and divided
    by the number of valid **pixels**, as the MTMamba release and InvPT
    scale it (dividing by the number of components instead would make the
    loss, and so its weight, three times smaller).
    """

    def forward(self, pred: Tensor, gt: Tensor) -> Tensor:
        """Args: pred and gt (B, 3, H, W)."""
        valid = gt.abs().sum(1, keepdim=True) > 0  # (B, 1, H, W)
        pred = F.normalize(pred, dim=1)
        error = (pred - gt).abs().sum(1, keepdim=True)  # (B, 1, H, W)
        return error[valid].sum() / valid.sum().clamp(min=1)
