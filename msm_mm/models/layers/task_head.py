import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from .patch_expand import PatchExpand


class TaskHead(BaseModule):
    """Per-task prediction head: 4x patch expand to the input resolution and a
    1x1 convolution to the task's output channels.

    Args:
        in_dims (int): Channels of the last decoder stage.
        out_channels (int): Channels of the prediction.
        scale (int): Upsampling factor. Defaults to 4.
    """

    def __init__(self, in_dims: int, out_channels: int, scale: int = 4):
        super().__init__()
        self.expand = PatchExpand(in_dims, scale, in_dims)
        self.conv = nn.Conv2d(in_dims, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        """(B, H, W, C) -> (B, out_channels, 4H, 4W)."""
        return self.conv(self.expand(x).permute(0, 3, 1, 2))
