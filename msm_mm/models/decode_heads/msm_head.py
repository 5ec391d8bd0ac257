from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptMultiConfig
from torch import Tensor

from ...structures import get_task
from ..layers import MFRStage, TaskHead
from ..layers.cross_scan import check_scan_backend

LOSS_SCHEMES = ('weighted_sum', 'log_sum')
MULTI_SCALE_BLOCKS = ('task_specific', 'cross_task')


def resize_to_batch_input(task_logits: Dict[str, Tensor],
                          batch_img_metas: List[dict]) -> Dict[str, Tensor]:
    """Resize every task's logits bilinearly to the (padded) batch input size
    ``batch_img_metas[0]['batch_input_shape']``."""
    size: Tuple[int, int] = tuple(batch_img_metas[0]['batch_input_shape'])
    return {
        t: x if x.shape[-2:] == size else F.interpolate(
            x, size, mode='bilinear', align_corners=False)
        for t, x in task_logits.items()
    }


@MODELS.register_module()
class MSMDecodeHead(BaseModule):
    """Multi-Scale Mamba decoder of MSM (and of its baseline MTMamba, when
    every scan is single-scale).

    MSM: *MSM: Multi-Scale Mamba in Multi-Task Dense Prediction* (paper under
    review); MTMamba: Lin et al., *MTMamba: Enhancing Multi-Task Dense Scene
    Understanding by Mamba-Based Decoders*, ECCV 2024.

    Three MFR stages refine the encoder features from the deepest upward, one
    branch per task, and a task head per task predicts at the input
    resolution.

    Call graph, as in mmseg's decode heads::

        loss():    forward() -> loss_by_feat()
        predict(): forward() -> predict_by_feat()

    Args:
        in_channels (Sequence[int]): Widths of the four encoder outputs,
            shallowest first (Swin-L: 192, 384, 768, 1536).
        tasks (dict[str, int]): Task name -> output channels, in order.
        losses (dict[str, dict]): Task name -> loss config.
        scales (Sequence[Sequence[int]]): Scan scales of each MFR stage,
            deepest stage first. Defaults to three times (1,), MTMamba.
        multi_scale_blocks (Sequence[str]): Blocks whose scans use ``scales``:
            'task_specific' (TS-MSM) and/or 'cross_task' (CT-MSM); the others
            scan at the single scale 1 (the paper's Table 3).
            Defaults to both.
        tokenization (str): 'window' (MSM) or 'dilated' (DMSM).
            Defaults to 'window'.
        d_state (int): SSM state size N. Defaults to 16.
        drop_path_rate (float): Stochastic depth of the first block, falling
            linearly to 0 at the last one. Defaults to 0.2.
        scan_backend (str): 'auto', 'triton', 'torch' or 'mamba_ssm', see
            :class:`~msm_mm.models.layers.CrossScanCore`. Defaults to 'auto'.
        loss_weights (dict[str, float], optional): Weight per task in the
            'weighted_sum' scheme. Defaults to 1 for every task.
        loss_scheme (str): 'weighted_sum' (sum of weight * loss, paper eq. 10)
            or 'log_sum' (sum of log(loss + 1e-8), the MTMamba release).
            Defaults to 'weighted_sum'.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 tasks: Dict[str, int],
                 losses: Dict[str, ConfigType],
                 scales: Sequence[Sequence[int]] = ((1, ), (1, ), (1, )),
                 multi_scale_blocks: Sequence[str] = MULTI_SCALE_BLOCKS,
                 tokenization: str = 'window',
                 d_state: int = 16,
                 drop_path_rate: float = 0.2,
                 scan_backend: str = 'auto',
                 loss_weights: Optional[Dict[str, float]] = None,
                 loss_scheme: str = 'weighted_sum',
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != 4:
            raise ValueError(f'MSMDecodeHead needs the 4 encoder widths, got in_channels='
                             f'{list(in_channels)}')
        self.in_channels = tuple(in_channels)
        num_stages = len(in_channels) - 1
        if len(scales) != num_stages:
            raise ValueError(f'scales needs one list per MFR stage ({num_stages}), got {scales}')
        unknown = set(multi_scale_blocks) - set(MULTI_SCALE_BLOCKS)
        if unknown:
            raise ValueError(f'unknown multi_scale_blocks {sorted(unknown)}; '
                             f'expected a subset of {MULTI_SCALE_BLOCKS}')
        if loss_scheme not in LOSS_SCHEMES:
            raise ValueError(f'unknown loss_scheme {loss_scheme!r}; expected one of '
                             f'{LOSS_SCHEMES}')
        if not isinstance(tasks, dict) or not tasks:
            raise ValueError('tasks must map each task name to its output channels, e.g. '
                             f'dict(semseg=40, depth=1), got {tasks!r}')
        for task in tasks:
            get_task(task)
        missing = [t for t in tasks if t not in losses]
        if missing:
            raise ValueError(f'no loss configured for tasks {missing}')
        loss_weights = loss_weights or {}
        unweighted = set(loss_weights) - set(tasks)
        if unweighted:
            raise ValueError(f'loss_weights names tasks {sorted(unweighted)} that are not in '
                             f'tasks {list(tasks)}')

        self.tasks = dict(tasks)
        self.loss_scheme = loss_scheme
        self.loss_weights = {t: float(loss_weights.get(t, 1.)) for t in self.tasks}
        check_scan_backend(scan_backend)
        ss2d_kwargs = dict(d_state=d_state, tokenization=tokenization, backend=scan_backend)
        drop_paths = torch.linspace(drop_path_rate, 0, 3 * num_stages).tolist()
        self.stages = nn.ModuleList()
        for s in range(num_stages):
            deep, skip = in_channels[num_stages - s], in_channels[num_stages - s - 1]
            self.stages.append(
                MFRStage(
                    in_dims=deep,
                    skip_dims=skip,
                    tasks=self.tasks,
                    drop_paths=drop_paths[3 * s:3 * s + 3],
                    task_specific_scales=scales[s]
                    if 'task_specific' in multi_scale_blocks else (1, ),
                    cross_task_scales=scales[s] if 'cross_task' in multi_scale_blocks else (1, ),
                    **ss2d_kwargs))
        self.task_heads = nn.ModuleDict(
            {t: TaskHead(in_channels[0], n) for t, n in self.tasks.items()})
        self.losses = nn.ModuleDict({t: MODELS.build(losses[t]) for t in self.tasks})

    def forward(self, inputs: Sequence[Tensor]) -> Dict[str, Tensor]:
        """Decode the four encoder features (B, C_i, H_i, W_i), shallowest
        first, into per-task logits {task: (B, n_out, 4*H_0, 4*W_0)}."""
        feats = [x.permute(0, 2, 3, 1) for x in inputs]  # channels-last (B, H, W, C)
        task_feats = {t: feats[-1] for t in self.tasks}
        for s, stage in enumerate(self.stages):
            task_feats = stage(task_feats, feats[-2 - s])
        return {t: self.task_heads[t](task_feats[t]) for t in self.tasks}

    def loss(self, inputs: Sequence[Tensor], batch_data_samples: list,
             train_cfg: Optional[ConfigType] = None) -> Dict[str, Tensor]:
        """Forward and compute the losses of every task."""
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def loss_by_feat(self, task_logits: Dict[str, Tensor],
                     batch_data_samples: list) -> Dict[str, Tensor]:
        """Per-task losses, combined by ``loss_scheme``.

        Returns:
            dict[str, Tensor]: ``loss_<task>`` (what is summed for training)
            and, for the 'log_sum' scheme, ``<task>_raw`` (the loss itself,
            logged only).
        """
        losses = {}
        for task, logits in task_logits.items():
            gt = torch.stack([s.get_gt(task) for s in batch_data_samples])  # (B, C, H, W)
            if logits.shape[-2:] != gt.shape[-2:]:
                logits = F.interpolate(logits, gt.shape[-2:], mode='bilinear',
                                       align_corners=False)
            value = self.losses[task](logits, gt)
            if self.loss_scheme == 'log_sum':
                losses[f'loss_{task}'] = torch.log(value + 1e-8)
                losses[f'{task}_raw'] = value.detach()
            else:
                losses[f'loss_{task}'] = self.loss_weights[task] * value
        return losses

    def predict(self, inputs: Sequence[Tensor], batch_img_metas: List[dict],
                test_cfg: Optional[ConfigType] = None) -> Dict[str, Tensor]:
        """Forward and return per-task logits at the batch input size."""
        return self.predict_by_feat(self.forward(inputs), batch_img_metas)

    def predict_by_feat(self, task_logits: Dict[str, Tensor],
                        batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        """Resize every task's logits to the (padded) batch input size."""
        return resize_to_batch_input(task_logits, batch_img_metas)
