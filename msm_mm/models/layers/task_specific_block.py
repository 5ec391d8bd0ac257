import torch.nn as nn
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from torch import Tensor

from .ss2d import SS2D


class TaskSpecificBlock(BaseModule):
    """Task-specific Mamba block: TS-MSM of MSM (MTMamba's STM).

    ``x + DropPath(SS2D(LayerNorm(x)))`` with a gated SS2D; no MLP.

    Args:
        embed_dims (int): Width C.
        drop_path (float): Stochastic depth rate. Defaults to 0.
        **ss2d_kwargs: Passed to :class:`SS2D` (scales, tokenization,
            d_state, backend).
    """

    def __init__(self, embed_dims: int, drop_path: float = 0., **ss2d_kwargs):
        super().__init__()
        self.norm = nn.LayerNorm(embed_dims)
        self.ss2d = SS2D(embed_dims, gated=True, **ss2d_kwargs)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """(B, H, W, C) -> (B, H, W, C)."""
        return x + self.drop_path(self.ss2d(self.norm(x)))
