from typing import Dict, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from .cross_task_block import CrossTaskBlock
from .patch_expand import PatchExpand
from .task_specific_block import TaskSpecificBlock


class MFRStage(BaseModule):
    """Multi-scale Feature Refinement (MFR) stage of the MSM decoder.

    For every task (own weights): 2x patch expand of the previous stage's
    feature, concatenation with the encoder skip feature, a linear reduction,
    and two task-specific blocks (TS-MSM); then one cross-task block (CT-MSM)
    over all tasks.

    Args:
        in_dims (int): Channels of the previous stage's task features.
        skip_dims (int): Channels of the encoder skip feature; also the
            stage's output width C.
        tasks (Sequence[str]): Task names.
        drop_paths (Sequence[float]): Stochastic depth rates of the two
            task-specific blocks and the cross-task block.
        task_specific_scales (Sequence[int]): Scan scales of the
            task-specific blocks. Defaults to (1,).
        cross_task_scales (Sequence[int]): Scan scales of the cross-task
            block's shared scan. Defaults to (1,).
        **ss2d_kwargs: Passed to every SS2D (tokenization, d_state, backend).
    """

    def __init__(self,
                 in_dims: int,
                 skip_dims: int,
                 tasks: Sequence[str],
                 drop_paths: Sequence[float] = (0., 0., 0.),
                 task_specific_scales: Sequence[int] = (1, ),
                 cross_task_scales: Sequence[int] = (1, ),
                 **ss2d_kwargs):
        super().__init__()
        if len(drop_paths) != 3:
            raise ValueError(f'an MFR stage has 3 blocks, got drop_paths={drop_paths}')
        self.tasks = tuple(tasks)
        expanded = in_dims // 2
        self.expands = nn.ModuleDict({t: PatchExpand(in_dims, 2, expanded) for t in self.tasks})
        self.reduces = nn.ModuleDict(
            {t: nn.Linear(expanded + skip_dims, skip_dims) for t in self.tasks})
        self.task_blocks = nn.ModuleDict({
            t: nn.Sequential(*[
                TaskSpecificBlock(skip_dims, drop_paths[i], scales=task_specific_scales,
                                  **ss2d_kwargs) for i in range(2)
            ])
            for t in self.tasks
        })
        self.cross_task_block = CrossTaskBlock(skip_dims, self.tasks, drop_paths[2],
                                               scales=cross_task_scales, **ss2d_kwargs)

    def forward(self, feats: Dict[str, Tensor], skip: Tensor) -> Dict[str, Tensor]:
        """Refine task features {task: (B, H, W, C_in)} with the skip feature
        (B, H_s, W_s, C_skip), H_s in {2H - 1, 2H}; returns
        {task: (B, H_s, W_s, C_skip)}."""
        out = {}
        skip_h, skip_w = skip.shape[1:3]
        for t in self.tasks:
            x = self.expands[t](feats[t])  # (B, 2H, 2W, C_in/2)
            if x.shape[1] < skip_h or x.shape[2] < skip_w:
                raise ValueError(f'the 2x expanded feature {tuple(x.shape[1:3])} is smaller than '
                                 f'the encoder skip feature {(skip_h, skip_w)}')
            # Encoders that downsample odd sizes with ceil rounding give skips of
            # 2H-1 rows/columns: crop the expanded map to the skip.
            x = x[:, :skip_h, :skip_w]
            x = self.reduces[t](torch.cat([x, skip], dim=-1))
            out[t] = self.task_blocks[t](x)
        return self.cross_task_block(out)
