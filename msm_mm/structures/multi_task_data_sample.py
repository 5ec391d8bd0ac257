import os.path as osp
from typing import List, Mapping, Optional

from mmengine.structures import BaseDataElement, PixelData
from torch import Tensor

from .tasks import TASKS, get_task


class MultiTaskDataSample(BaseDataElement):
    """A data sample carrying, per task, the ground truth and the prediction.

    Fields are named ``gt_<task>`` and ``pred_<task>`` (for example
    ``gt_depth``, ``pred_normals``) and hold :class:`PixelData` whose ``data``
    is a ``(C, H, W)`` tensor. Ground truth and predictions are encoded by
    the task's kind (:class:`~msm_mm.structures.MapKind`). Predictions are:

    - LABELS (semseg, human_parts): class ids ``(1, H, W)`` (long);
    - PROBABILITY (sal, edge): foreground probability ``(1, H, W)`` in
      [0, 1];
    - SCALAR (depth): values ``(1, H, W)`` >= 0 (metres);
    - VECTOR (normals): unit vectors ``(3, H, W)``.

    Meta information (``img_path``, ``sample_id``, ``ori_shape``,
    ``img_shape``, ``pad_shape``, ``padding``, ``flip``) lives in the
    metainfo as in mmseg.
    """

    def set_gt(self, task: str, data: Tensor) -> None:
        """Store the ground-truth map of ``task`` (shape ``(C, H, W)``)."""
        spec = get_task(task)
        if data.dim() != 3 or data.shape[0] != spec.gt_channels:
            raise ValueError(f'ground truth of {task!r} must have shape '
                             f'({spec.gt_channels}, H, W), got {tuple(data.shape)}')
        self.set_field(PixelData(data=data), f'gt_{task}', dtype=PixelData)

    def get_gt(self, task: str) -> Optional[Tensor]:
        """The ground-truth map of ``task``, or None when it has none."""
        field = self.get(f'gt_{task}')
        return None if field is None else field.data

    def set_pred(self, task: str, data: Tensor) -> None:
        """Store the prediction of ``task`` (shape ``(C, H, W)``)."""
        get_task(task)
        self.set_field(PixelData(data=data), f'pred_{task}', dtype=PixelData)

    def get_pred(self, task: str) -> Optional[Tensor]:
        """The prediction of ``task``, or None when it has none."""
        field = self.get(f'pred_{task}')
        return None if field is None else field.data

    @property
    def gt_tasks(self) -> List[str]:
        """Tasks that have a ground-truth map in this sample, in the order of
        :data:`~msm_mm.structures.tasks.TASKS`."""
        return [t for t in TASKS if f'gt_{t}' in self]


def sample_name(metainfo: Mapping) -> Optional[str]:
    """How a sample is named in file names and messages.

    Args:
        metainfo (Mapping): A data sample's metainfo (or the sample as a dict).

    Returns:
        str | None: Its ``sample_id``, else its image file name without the
        extension, else None.
    """
    if metainfo.get('sample_id') is not None:
        return str(metainfo['sample_id'])
    if metainfo.get('img_path'):
        return osp.splitext(osp.basename(metainfo['img_path']))[0]
    return None
