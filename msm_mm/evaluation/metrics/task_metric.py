"""The interface of one task's metric inside :class:`MultiTaskMetric`."""
from typing import Dict, FrozenSet, List, Optional

import numpy as np


class TaskMetric:
    """One task's metric: per-image sufficient statistics, then dataset values.

    :meth:`process` turns one image's prediction and ground truth into a
    small dict of counts and sums (never a map), which is what crosses
    processes in distributed evaluation; :meth:`compute` reduces the dicts of
    the whole split. Metric names are returned without the task prefix.

    Subclasses set :attr:`lower_is_better` for every metric they return.

    Args:
        task (str): Task name, used in messages.
    """

    #: Metric name -> whether lower values are better.
    lower_is_better: Dict[str, bool] = {}
    #: Ids of the only images evaluated; None: every image with ground truth.
    sample_ids: Optional[FrozenSet[str]] = None
    #: Name of that image subset, for the log.
    subset_name: Optional[str] = None

    def __init__(self, task: str) -> None:
        self.task = task

    def evaluates(self, sample_id: str) -> bool:
        """Whether the image ``sample_id`` counts for this metric."""
        return self.sample_ids is None or sample_id in self.sample_ids

    def process(self, pred: np.ndarray, gt: np.ndarray, sample_id: str) -> dict:
        """Sufficient statistics of one image.

        Args:
            pred (np.ndarray): ``(C, H, W)`` prediction.
            gt (np.ndarray): ``(C, H, W)`` ground truth.
            sample_id (str): Used in error messages.

        Returns:
            dict: Statistics (numpy arrays and numbers).
        """
        raise NotImplementedError

    def compute(self, stats: List[dict]) -> Dict[str, float]:
        """Reduce the statistics of every image of the split.

        Args:
            stats (list[dict]): Outputs of :meth:`process`.

        Returns:
            dict[str, float]: Metric name -> value.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release resources such as worker processes; nothing by default."""

    def check_shapes(self, pred: np.ndarray, gt: np.ndarray, sample_id: str,
                     pred_channels: int) -> None:
        """Raise a clear error unless ``pred`` is ``(pred_channels, H, W)`` like ``gt``."""
        if pred.ndim != 3 or pred.shape[0] != pred_channels or pred.shape[1:] != gt.shape[1:]:
            raise ValueError(
                f'sample {sample_id!r}, task {self.task!r}: expected a prediction of shape '
                f'({pred_channels}, {gt.shape[1]}, {gt.shape[2]}) to match the ground truth '
                f'{tuple(gt.shape)}, got {tuple(pred.shape)} (predictions must be cropped '
                'to the original image size)')
