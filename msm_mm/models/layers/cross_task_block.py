from typing import Dict, Sequence

import torch
import torch.nn as nn
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from torch import Tensor

from .ss2d import SS2D


class CrossTaskBlock(BaseModule):
    """Cross-task Mamba block: CT-MSM of MSM (MTMamba's CTM), with the gated
    Merge of the paper's Appendix A.1.

    The task features are concatenated and scanned by a shared ungated SS2D
    (multi-scale in CT-MSM) into a task-shared feature; every task merges it
    with its own refinement through a learned selection value ``g``::

        shared = SS2D_shared(LN(concat_t F_t))            # T*C -> 2C
        z_t = LN_t(F_t)
        g_t = sigmoid(gate_t(z_t))                        # C -> 2C
        F_t = F_t + DropPath(out_t(g_t * shared + (1 - g_t) * SS2D_t(z_t)))

    The per-task SS2D_t stay single-scale (Appendix A.1).

    Args:
        embed_dims (int): Width C of each task's feature.
        tasks (Sequence[str]): Task names (one merge branch each).
        drop_path (float): Stochastic depth rate. Defaults to 0.
        scales (Sequence[int]): Scales of the shared scan. Defaults to (1,).
        **ss2d_kwargs: Passed to every SS2D (tokenization, d_state, backend).
    """

    def __init__(self,
                 embed_dims: int,
                 tasks: Sequence[str],
                 drop_path: float = 0.,
                 scales: Sequence[int] = (1, ),
                 **ss2d_kwargs):
        super().__init__()
        d_inner = 2 * embed_dims
        self.tasks = tuple(tasks)
        self.shared_norm = nn.LayerNorm(len(self.tasks) * embed_dims)
        self.shared_ss2d = SS2D(embed_dims, in_dims=len(self.tasks) * embed_dims, gated=False,
                                scales=scales, **ss2d_kwargs)
        self.task_norms = nn.ModuleDict({t: nn.LayerNorm(embed_dims) for t in self.tasks})
        self.task_ss2d = nn.ModuleDict(
            {t: SS2D(embed_dims, gated=False, **ss2d_kwargs) for t in self.tasks})
        self.task_gates = nn.ModuleDict(
            {t: nn.Linear(embed_dims, d_inner, bias=False) for t in self.tasks})
        self.task_out_projs = nn.ModuleDict(
            {t: nn.Linear(d_inner, embed_dims, bias=False) for t in self.tasks})
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, feats: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Task features {task: (B, H, W, C)} -> merged features, same shapes."""
        # (B, H, W, T*C) -> (B, H, W, 2C)
        shared = self.shared_ss2d(self.shared_norm(torch.cat([feats[t] for t in self.tasks], -1)))
        out = {}
        for t in self.tasks:
            z = self.task_norms[t](feats[t])
            gate = torch.sigmoid(self.task_gates[t](z))  # (B, H, W, 2C)
            merged = gate * shared + (1 - gate) * self.task_ss2d[t](z)
            out[t] = feats[t] + self.drop_path(self.task_out_projs[t](merged))
        return out
