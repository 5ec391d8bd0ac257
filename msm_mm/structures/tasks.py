"""The dense prediction tasks this project knows, and how their maps are stored.

Every ground-truth map is a tensor of shape ``(C, H, W)`` inside a
:class:`~mmengine.structures.PixelData`; pixels equal to ``ignore_value``
(for all channels) carry no supervision and are left out of every metric.
Padding with a task's ``ignore_value`` therefore never adds supervision.
"""
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class TaskSpec:
    """How one task's ground truth is stored.

    Args:
        name (str): Task name, also the suffix of the data-sample fields
            (``gt_<name>``, ``pred_<name>``).
        gt_channels (int): Channels of the ground-truth map.
        gt_dtype (torch.dtype): dtype of the ground-truth map.
        ignore_value (float): Value marking pixels without supervision.
        lower_is_better (bool): Whether the task's main metric improves
            downwards (used by the multi-task gain).
    """
    name: str
    gt_channels: int
    gt_dtype: torch.dtype
    ignore_value: float
    lower_is_better: bool


#: semseg / human_parts / sal / edge: integer labels, 255 = ignore.
#: depth: metres, 0 = invalid. normals: unit vectors (x, y, z), the zero
#: vector = invalid.
TASKS = {
    'semseg': TaskSpec('semseg', 1, torch.long, 255, False),
    'human_parts': TaskSpec('human_parts', 1, torch.long, 255, False),
    'sal': TaskSpec('sal', 1, torch.long, 255, False),
    'edge': TaskSpec('edge', 1, torch.long, 255, False),
    'depth': TaskSpec('depth', 1, torch.float32, 0.0, True),
    'normals': TaskSpec('normals', 3, torch.float32, 0.0, True),
}


def get_task(name: str) -> TaskSpec:
    """Look a task up by name, with an error that lists the known ones."""
    if name not in TASKS:
        raise KeyError(f'unknown task {name!r}; known tasks: {sorted(TASKS)}')
    return TASKS[name]
