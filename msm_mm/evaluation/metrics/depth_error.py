"""Depth errors: RMSE, absolute relative error and log-RMSE."""
from typing import Dict, List

import numpy as np

from .task_metric import TaskMetric


class DepthError(TaskMetric):
    """Depth errors over all valid pixels of the split (never per-image means).

    Valid pixels have ground truth > 0 (0 marks missing depth). Predictions
    are clamped at >= 0; for the logarithm at >= ``log_eps`` (as the
    InvPT evaluation clamps at 1e-9). With ``n`` valid pixels in the split:

    - ``rmse = sqrt(sum (p - g)^2 / n)`` in metres;
    - ``abs_rel = sum |p - g| / g / n``;
    - ``log_rmse = sqrt(sum (log p - log g)^2 / n)``.

    Per image the statistics are three sums and a count.

    Args:
        task (str): Task name. Defaults to 'depth'.
        log_eps (float): Floor of predictions inside the logarithm.
            Defaults to 1e-9.
    """

    lower_is_better = {'rmse': True, 'abs_rel': True, 'log_rmse': True}

    def __init__(self, task: str = 'depth', log_eps: float = 1e-9) -> None:
        super().__init__(task)
        self.log_eps = log_eps

    def process(self, pred: np.ndarray, gt: np.ndarray, sample_id: str) -> dict:
        """Sums of squared, relative and squared-log errors, and the count."""
        self.check_shapes(pred, gt, sample_id, 1)
        valid = gt[0] > 0
        label = gt[0][valid].astype(np.float64)
        guess = np.maximum(pred[0][valid].astype(np.float64), 0)
        log_diff = np.log(np.maximum(guess, self.log_eps)) - np.log(label)
        return dict(
            squared=float(np.sum((guess - label)**2)),
            abs_rel=float(np.sum(np.abs(guess - label) / label)),
            log_squared=float(np.sum(log_diff**2)),
            count=int(valid.sum()))

    def compute(self, stats: List[dict]) -> Dict[str, float]:
        """The three errors over all valid pixels."""
        count = sum(s['count'] for s in stats)
        if count == 0:
            raise ValueError(f'{self.task}: no valid ground-truth pixel in the whole split')
        return {
            'rmse': float(np.sqrt(sum(s['squared'] for s in stats) / count)),
            'abs_rel': float(sum(s['abs_rel'] for s in stats) / count),
            'log_rmse': float(np.sqrt(sum(s['log_squared'] for s in stats) / count)),
        }
