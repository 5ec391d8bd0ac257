"""Multi-task evaluation: the registered :class:`MultiTaskMetric` (docs/metrics.md)."""
from .metrics import (SINGLE_TASK_BASELINES, BoundaryODSF, DepthError, MultiTaskMetric, NormalError,
                      SaliencyMaxF, SegmentationIoU, TaskMetric, boundary_counts, multi_task_gain)

__all__ = [
    'BoundaryODSF', 'DepthError', 'MultiTaskMetric', 'NormalError', 'SINGLE_TASK_BASELINES',
    'SaliencyMaxF', 'SegmentationIoU', 'TaskMetric', 'boundary_counts', 'multi_task_gain'
]
