"""How an MS-Scan branch turns a feature map into the grid it scans, and back.

Window tokenization (MSM, paper Fig. 3): every ``s x s`` window becomes one
token whose channels are the window's ``s*s`` pixel features, segment by
segment (space-to-depth). Dilated sampling (DMSM, paper Appendix A.2): the
branch scans every ``s``-th row and column and the result is restored to the
full grid by linear interpolation.
"""
from typing import Tuple

import torch.nn.functional as F
from einops import rearrange
from torch import Tensor


def pad_to_multiple(x: Tensor, scale: int) -> Tuple[Tensor, Tuple[int, int]]:
    """Zero-pad the bottom and right of ``x`` (B, C, H, W) to multiples of
    ``scale``.

    Returns:
        tuple: The padded map and the original ``(H, W)``.
    """
    h, w = x.shape[-2:]
    pad_h, pad_w = -h % scale, -w % scale
    if pad_h or pad_w:
        x = F.pad(x, (0, pad_w, 0, pad_h))
    return x, (h, w)


def window_tokenize(x: Tensor, scale: int) -> Tensor:
    """Space-to-depth: (B, m, H, W) -> (B, s*s*m, H/s, W/s).

    Channel ``(i*s + j)*m + c`` of a token is channel ``c`` of pixel ``(i, j)``
    of its window. H and W must be multiples of ``scale``.
    """
    return rearrange(x, 'b c (h p1) (w p2) -> b (p1 p2 c) h w', p1=scale, p2=scale)


def window_untokenize(x: Tensor, scale: int) -> Tensor:
    """Depth-to-space, the exact inverse of :func:`window_tokenize`:
    (B, s*s*m, H/s, W/s) -> (B, m, H, W)."""
    return rearrange(x, 'b (p1 p2 c) h w -> b c (h p1) (w p2)', p1=scale, p2=scale)


def dilated_sample(x: Tensor, scale: int) -> Tensor:
    """Every ``scale``-th row and column, starting at the first:
    (B, m, H, W) -> (B, m, ceil(H/s), ceil(W/s))."""
    return x[:, :, ::scale, ::scale]


def dilated_restore(x: Tensor, scale: int, size: Tuple[int, int]) -> Tensor:
    """Linear interpolation of a dilated sample back to the full grid.

    Sample ``(i, j)`` sits at pixel ``(i*s, j*s)``; pixels between samples are
    interpolated bilinearly, pixels beyond the last sample row/column copy it.

    Args:
        x (Tensor): Scanned sample, (B, m, h, w) with h = ceil(H/s).
        scale (int): The sampling stride s.
        size (tuple[int, int]): The full (H, W).

    Returns:
        Tensor: (B, m, H, W).
    """
    h, w = x.shape[-2:]
    if scale == 1:
        return x
    # align_corners=True maps output pixel k to input k/s exactly on this grid.
    x = F.interpolate(x, size=(scale * (h - 1) + 1, scale * (w - 1) + 1),
                      mode='bilinear', align_corners=True)
    pad_h, pad_w = size[0] - x.shape[-2], size[1] - x.shape[-1]
    return F.pad(x, (0, pad_w, 0, pad_h), mode='replicate')
