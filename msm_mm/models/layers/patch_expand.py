import torch.nn as nn
from einops import rearrange
from mmengine.model import BaseModule
from torch import Tensor


class PatchExpand(BaseModule):
    """Upsample a channels-last map by a linear layer and a pixel rearrange.

    ``Linear(C_in, s*s*C_out, bias=False)``, each pixel's output split into an
    ``s x s`` block of ``C_out``-channel pixels, then ``LayerNorm(C_out)``.

    Args:
        in_dims (int): Input channels C_in.
        scale (int): Upsampling factor s.
        out_dims (int): Output channels C_out.
    """

    def __init__(self, in_dims: int, scale: int, out_dims: int):
        super().__init__()
        self.scale = scale
        self.proj = nn.Linear(in_dims, scale * scale * out_dims, bias=False)
        self.norm = nn.LayerNorm(out_dims)

    def forward(self, x: Tensor) -> Tensor:
        """(B, H, W, C_in) -> (B, s*H, s*W, C_out)."""
        x = rearrange(self.proj(x), 'b h w (p1 p2 c) -> b (h p1) (w p2) c',
                      p1=self.scale, p2=self.scale)
        return self.norm(x)
