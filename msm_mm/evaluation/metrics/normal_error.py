"""Surface normal angular errors."""
from typing import Dict, List

import numpy as np

from .task_metric import TaskMetric

#: Shares of pixels with an error below these angles (degrees) are reported.
ANGLE_THRESHOLDS = (11.25, 22.5, 30.0)


class NormalError(TaskMetric):
    """Angular error of surface normals over all valid pixels of the split.

    Both vectors are L2-normalised (a zero prediction stays zero and scores
    90 degrees); the angle is ``2 * atan2(|p - g|, |p + g|)`` in degrees,
    accurate for small and large angles alike. Valid pixels have a non-zero
    ground-truth vector. Reported: ``mean``, ``median`` and the share (%) of
    pixels with an error strictly below 11.25, 22.5 and 30 degrees.

    The mean and the shares are exact. The median comes from a histogram of
    errors with bins of ``median_bin_width`` degrees, reported as the middle
    of the bin holding the median (the mean of the two middle bins for an
    even count): it is within ``median_bin_width / 2`` of the exact median.
    Per image the statistics are a sum, four counts and the non-empty
    histogram bins (at most ``180 / median_bin_width``).

    Args:
        task (str): Task name. Defaults to 'normals'.
        median_bin_width (float): Histogram bin width in degrees.
            Defaults to 0.05 (median within 0.025 degrees).
    """

    lower_is_better = {'mean': True, 'median': True, '11.25': False, '22.5': False, '30': False}

    def __init__(self, task: str = 'normals', median_bin_width: float = 0.05) -> None:
        super().__init__(task)
        if not 0 < median_bin_width <= 180:
            raise ValueError(f'{task}: median_bin_width must be in (0, 180] degrees, '
                             f'got {median_bin_width}')
        self.median_bin_width = median_bin_width
        self.num_bins = int(np.ceil(180 / median_bin_width))

    def process(self, pred: np.ndarray, gt: np.ndarray, sample_id: str) -> dict:
        """Sum of errors, counts under the thresholds and the error histogram."""
        self.check_shapes(pred, gt, sample_id, 3)
        valid = np.any(gt != 0, axis=0)
        label = gt[:, valid].astype(np.float64)  # (3, N)
        guess = pred[:, valid].astype(np.float64)
        label /= np.linalg.norm(label, axis=0, keepdims=True)
        guess /= np.maximum(np.linalg.norm(guess, axis=0, keepdims=True), 1e-12)
        angle = np.degrees(2 * np.arctan2(np.linalg.norm(guess - label, axis=0),
                                          np.linalg.norm(guess + label, axis=0)))
        bins = np.minimum((angle / self.median_bin_width).astype(np.int64), self.num_bins - 1)
        hist = np.bincount(bins, minlength=self.num_bins)
        nonzero = np.flatnonzero(hist)
        return dict(
            angle_sum=float(angle.sum()),
            count=int(angle.size),
            below=np.array([np.count_nonzero(angle < t) for t in ANGLE_THRESHOLDS]),
            hist_bins=nonzero.astype(np.int32),
            hist_counts=hist[nonzero])

    def compute(self, stats: List[dict]) -> Dict[str, float]:
        """Mean, median (histogram) and shares under the thresholds."""
        count = sum(s['count'] for s in stats)
        if count == 0:
            raise ValueError(f'{self.task}: no valid ground-truth pixel in the whole split')
        hist = np.zeros(self.num_bins, dtype=np.int64)
        for s in stats:
            np.add.at(hist, s['hist_bins'], s['hist_counts'])
        cumulative = np.cumsum(hist)
        # 0-based ranks of the middle element(s) of the sorted errors.
        middle = [(count - 1) // 2, count // 2]
        bins = np.searchsorted(cumulative, np.array(middle) + 1)
        median = float(np.mean((bins + 0.5) * self.median_bin_width))
        below = sum(s['below'] for s in stats)
        results = {
            'mean': float(sum(s['angle_sum'] for s in stats) / count),
            'median': median,
        }
        for threshold, n in zip(ANGLE_THRESHOLDS, below):
            results[f'{threshold:g}'] = float(100 * n / count)
        return results
