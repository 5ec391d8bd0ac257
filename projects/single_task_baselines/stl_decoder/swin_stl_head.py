from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.models.backbones.swin import SwinBlockSequence
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptMultiConfig
from torch import Tensor

from msm_mm.models.decode_heads import resize_to_batch_input
from msm_mm.models.layers import PatchExpand, TaskHead
from msm_mm.structures import get_task


@MODELS.register_module()
class SwinSTLHead(BaseModule):
    """Single-task decoder of the MSM paper's "STL Model" (Tables 3 and 6).

    "Each task possesses its task-specific model, utilizing two particular
    Swin Transformer blocks in each stage of the decoder": the MFR stages of
    :class:`~msm_mm.models.MSMDecodeHead` for one task, with the two
    task-specific Mamba blocks replaced by two (shifted-)window attention
    blocks of mmseg's Swin and no cross-task block. Per stage, from the
    deepest encoder feature upward: 2x patch expand, concatenation with the
    encoder skip feature, ``Linear`` to the skip's width, two Swin blocks
    (regular and shifted window). Then the task head (4x patch expand, 1x1
    convolution), as in MSM.

    Call graph, as in mmseg's decode heads::

        loss():    forward() -> loss_by_feat()
        predict(): forward() -> predict_by_feat()

    Args:
        in_channels (Sequence[int]): Widths of the four encoder outputs,
            shallowest first.
        tasks (dict[str, int]): The one task and its output channels,
            e.g. ``dict(semseg=40)``.
        losses (dict[str, dict]): Task name -> loss config (others ignored).
        num_heads (Sequence[int]): Attention heads of each stage, deepest
            first. Defaults to (24, 12, 6) (Swin-L's at the same widths).
        window_size (int): Attention window. Defaults to 12.
        drop_path_rate (float): Stochastic depth of the first block, falling
            linearly to 0 at the last one. Defaults to 0.2.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 tasks: Dict[str, int],
                 losses: Dict[str, ConfigType],
                 num_heads: Sequence[int] = (24, 12, 6),
                 window_size: int = 12,
                 drop_path_rate: float = 0.2,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != 4:
            raise ValueError(f'SwinSTLHead needs the 4 encoder widths, got {list(in_channels)}')
        self.in_channels = tuple(in_channels)
        if not isinstance(tasks, dict) or len(tasks) != 1:
            raise ValueError(f'SwinSTLHead predicts exactly one task, e.g. dict(semseg=40); got '
                             f'{tasks!r}')
        if len(num_heads) != 3:
            raise ValueError(f'num_heads needs one value per stage (3), got {list(num_heads)}')
        (task, out_channels), = tasks.items()
        get_task(task)
        if task not in losses:
            raise ValueError(f'no loss configured for task {task!r}')
        self.tasks = dict(tasks)
        self.task = task
        drop_paths = torch.linspace(drop_path_rate, 0, 6).tolist()
        self.expands, self.reduces, self.blocks = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for s in range(3):
            deep, skip = in_channels[3 - s], in_channels[2 - s]
            self.expands.append(PatchExpand(deep, 2, deep // 2))
            self.reduces.append(nn.Linear(deep // 2 + skip, skip))
            self.blocks.append(
                SwinBlockSequence(
                    embed_dims=skip,
                    num_heads=num_heads[s],
                    feedforward_channels=4 * skip,
                    depth=2,
                    window_size=window_size,
                    drop_path_rate=drop_paths[2 * s:2 * s + 2]))
        self.task_head = TaskHead(in_channels[0], out_channels)
        self.loss_module = MODELS.build(losses[task])

    def forward(self, inputs: Sequence[Tensor]) -> Dict[str, Tensor]:
        """Decode the four encoder features (B, C_i, H_i, W_i), shallowest
        first, into ``{task: (B, n_out, 4*H_0, 4*W_0)}``."""
        feats = [x.permute(0, 2, 3, 1) for x in inputs]  # channels-last (B, H, W, C)
        x = feats[-1]
        for s in range(3):
            skip = feats[-2 - s]
            h, w = skip.shape[1:3]
            x = self.expands[s](x)[:, :h, :w]  # (B, h, w, C_deep/2), cropped to the skip
            x = self.reduces[s](torch.cat([x, skip], dim=-1))  # (B, h, w, C)
            x, _, _, _ = self.blocks[s](x.flatten(1, 2), (h, w))  # (B, h*w, C)
            x = x.view(-1, h, w, x.shape[-1])
        return {self.task: self.task_head(x)}

    def loss(self, inputs: Sequence[Tensor], batch_data_samples: list,
             train_cfg: Optional[ConfigType] = None) -> Dict[str, Tensor]:
        """Forward and compute the task's loss."""
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def loss_by_feat(self, task_logits: Dict[str, Tensor],
                     batch_data_samples: list) -> Dict[str, Tensor]:
        """``{'loss_<task>': loss}`` of the logits against ``gt_<task>``."""
        logits = task_logits[self.task]
        gt = torch.stack([s.get_gt(self.task) for s in batch_data_samples])  # (B, C, H, W)
        if logits.shape[-2:] != gt.shape[-2:]:
            logits = F.interpolate(logits, gt.shape[-2:], mode='bilinear', align_corners=False)
        return {f'loss_{self.task}': self.loss_module(logits, gt)}

    def predict(self, inputs: Sequence[Tensor], batch_img_metas: List[dict],
                test_cfg: Optional[ConfigType] = None) -> Dict[str, Tensor]:
        """Forward and return the logits at the batch input size."""
        return self.predict_by_feat(self.forward(inputs), batch_img_metas)

    def predict_by_feat(self, task_logits: Dict[str, Tensor],
                        batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        """Resize the logits to the (padded) batch input size."""
        return resize_to_batch_input(task_logits, batch_img_metas)
