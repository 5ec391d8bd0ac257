import math
from typing import Optional, Sequence

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from .multi_scale_scan import MultiScaleScan


class SS2D(BaseModule):
    """2D selective-scan module (VMamba's SS2D) with a multi-scale scan core.

    ``x -> in_proj -> depthwise conv 3x3 -> SiLU -> scan -> LayerNorm``, then
    in the gated form ``* SiLU(z) -> out_proj`` where ``z`` is the second half
    of ``in_proj``'s output. The ungated form (the cross-task block's) has
    neither gate nor ``out_proj`` and returns ``d_inner`` channels.

    Args:
        embed_dims (int): Width C; ``d_inner = expand * C``, and the output
            width of the gated form.
        in_dims (int, optional): Input width. Defaults to ``embed_dims``.
        gated (bool): Gated form with ``out_proj``. Defaults to True.
        d_state (int): State size N. Defaults to 16.
        expand (int): d_inner / C. Defaults to 2.
        dt_rank (int, optional): Step-size rank R. Defaults to ceil(C / 16).
        scales (Sequence[int]): MS-Scan scales. Defaults to (1,), the plain
            SS2D scan.
        tokenization (str): 'window' (MSM) or 'dilated' (DMSM).
            Defaults to 'window'.
        backend (str): Selective-scan backend. Defaults to 'auto'.
    """

    def __init__(self,
                 embed_dims: int,
                 in_dims: Optional[int] = None,
                 gated: bool = True,
                 d_state: int = 16,
                 expand: int = 2,
                 dt_rank: Optional[int] = None,
                 scales: Sequence[int] = (1, ),
                 tokenization: str = 'window',
                 backend: str = 'auto'):
        super().__init__()
        in_dims = in_dims or embed_dims
        d_inner = expand * embed_dims
        dt_rank = dt_rank or math.ceil(embed_dims / 16)
        self.gated = gated
        self.in_proj = nn.Linear(in_dims, d_inner * (2 if gated else 1), bias=False)
        self.conv2d = nn.Conv2d(d_inner, d_inner, 3, padding=1, groups=d_inner, bias=True)
        self.scan = MultiScaleScan(d_inner, dt_rank, scales, d_state, tokenization, backend)
        self.out_norm = nn.LayerNorm(d_inner)
        self.out_proj = nn.Linear(d_inner, embed_dims, bias=False) if gated else None

    def forward(self, x: Tensor) -> Tensor:
        """(B, H, W, in_dims) -> (B, H, W, C) gated, (B, H, W, d_inner) ungated."""
        x = self.in_proj(x)
        if self.gated:
            x, z = x.chunk(2, dim=-1)
        x = F.silu(self.conv2d(x.permute(0, 3, 1, 2)))  # (B, d_inner, H, W)
        y = self.out_norm(self.scan(x).permute(0, 2, 3, 1))  # (B, H, W, d_inner)
        if not self.gated:
            return y
        return self.out_proj(y * F.silu(z))
