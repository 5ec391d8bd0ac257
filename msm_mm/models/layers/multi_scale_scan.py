from typing import Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from .cross_scan import CrossScanCore
from .tokenization import (dilated_restore, dilated_sample, pad_to_multiple, window_tokenize,
                           window_untokenize)

TOKENIZATIONS = ('window', 'dilated')


def check_scales(scales: Sequence[int], dims: int) -> tuple:
    """Validate MS-Scan scales against the channels they split, at build time."""
    scales = tuple(scales)
    if not scales:
        raise ValueError('MS-Scan needs at least one scan scale, got an empty list')
    for s in scales:
        if not isinstance(s, int) or s < 1:
            raise ValueError(f'scan scales must be integers >= 1, got {scales}')
    if dims % len(scales):
        raise ValueError(f'MS-Scan splits {dims} channels into {len(scales)} equal groups '
                         f'(scales {scales}): {dims} is not divisible by {len(scales)}')
    return scales


class MultiScaleScan(BaseModule):
    """Multi-Scale Scan (MS-Scan) of MSM, Section 3.3 (*MSM: Multi-Scale
    Mamba in Multi-Task Dense Prediction*).

    The channels are split into one equal group per scale; group ``i`` is
    tokenized at scale ``s_i``, scanned by its own :class:`CrossScanCore`, and
    restored to the full grid; the groups are concatenated back.

    - ``tokenization='window'`` (MSM): ``s x s`` windows become tokens with
      ``s*s`` times the channels (space-to-depth), so the branch's scan core is
      sized for ``m*s*s`` channels. A map whose H or W is not a multiple of
      ``s`` is zero-padded at the bottom/right for that branch and cropped
      back after the scan (the padded tokens take part in the scan).
    - ``tokenization='dilated'`` (DMSM, Appendix A.2): the branch scans every
      ``s``-th row and column of its ``m`` channels and is restored by linear
      interpolation; no extra parameters and fewer scanned tokens.

    With the single scale ``(1,)`` both are the plain SS2D scan core.

    Args:
        dims (int): Channels of the scanned map (d_inner of the SS2D).
        scales (Sequence[int]): Scan scales, one branch each. Defaults to (1,).
        dt_rank (int): Rank R of each branch's step-size projection
            (unchanged by the scale).
        d_state (int): State size N. Defaults to 16.
        tokenization (str): 'window' or 'dilated'. Defaults to 'window'.
        backend (str): Selective-scan backend. Defaults to 'auto'.
    """

    def __init__(self,
                 dims: int,
                 dt_rank: int,
                 scales: Sequence[int] = (1, ),
                 d_state: int = 16,
                 tokenization: str = 'window',
                 backend: str = 'auto'):
        super().__init__()
        self.scales = check_scales(scales, dims)
        if tokenization not in TOKENIZATIONS:
            raise ValueError(f'unknown MS-Scan tokenization {tokenization!r}; '
                             f'expected one of {TOKENIZATIONS}')
        self.tokenization = tokenization
        self.group_dims = dims // len(self.scales)
        widen = tokenization == 'window'
        self.branches = nn.ModuleList(
            CrossScanCore(self.group_dims * (s * s if widen else 1), dt_rank, d_state,
                          backend=backend) for s in self.scales)

    def forward(self, x: Tensor) -> Tensor:
        """Scan ``x`` (B, dims, H, W) at every scale; returns (B, dims, H, W)."""
        groups = torch.split(x, self.group_dims, dim=1)  # N_b x (B, m, H, W)
        outs = []
        for scale, branch, group in zip(self.scales, self.branches, groups):
            if scale == 1:
                outs.append(branch(group))
            elif self.tokenization == 'window':
                padded, (h, w) = pad_to_multiple(group, scale)
                y = branch(window_tokenize(padded, scale))  # (B, m*s*s, H'/s, W'/s)
                outs.append(window_untokenize(y, scale)[:, :, :h, :w])
            else:
                y = branch(dilated_sample(group, scale))  # (B, m, ceil(H/s), ceil(W/s))
                outs.append(dilated_restore(y, scale, group.shape[-2:]))
        return torch.cat(outs, dim=1)

    def extra_repr(self) -> str:
        return f'scales={self.scales}, tokenization={self.tokenization!r}'
