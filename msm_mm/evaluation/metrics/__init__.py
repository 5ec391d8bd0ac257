"""Each task's metric in its own module, composed by :class:`MultiTaskMetric`."""
from .boundary_odsf import BoundaryODSF, boundary_counts
from .depth_error import DepthError
from .multi_task_gain import SINGLE_TASK_BASELINES, multi_task_gain
from .multi_task_metric import MultiTaskMetric
from .normal_error import NormalError
from .saliency_maxf import SaliencyMaxF
from .segmentation_iou import SegmentationIoU
from .task_metric import TaskMetric

__all__ = [
    'BoundaryODSF', 'DepthError', 'MultiTaskMetric', 'NormalError', 'SINGLE_TASK_BASELINES',
    'SaliencyMaxF', 'SegmentationIoU', 'TaskMetric', 'boundary_counts', 'multi_task_gain'
]
