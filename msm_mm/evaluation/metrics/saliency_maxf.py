"""Maximal F-measure of saliency detection."""
from typing import Dict, List

import numpy as np
from mmengine.logging import print_log

from .task_metric import TaskMetric

#: The 19 probability thresholds 0.05, 0.10, ..., 0.95.
SALIENCY_THRESHOLDS = np.round(np.arange(1, 20) * 0.05, 2)


class SaliencyMaxF(TaskMetric):
    """maxF of saliency from dataset-wide counts at 19 thresholds.

    Over the pixels whose label is not ``ignore_index``, for each threshold
    ``t`` (0.05 to 0.95, step 0.05) a pixel is predicted salient when its
    probability is ``>= t``; true positives, predicted positives and actual
    positives are summed over the split; precision P and recall R give
    ``F = (1 + beta^2) P R / (beta^2 P + R)`` with ``beta^2 = 0.3`` (0 where
    nothing is predicted salient), and ``maxF`` is the largest F, in percent.

    ``sigmoid_quirk=True`` reproduces the InvPT/MTMamba evaluation code, which
    applied a sigmoid to the already-sigmoided probabilities before
    thresholding: a pixel counts as salient at ``t`` when
    ``sigmoid(p) >= t``, i.e. the effective probability cut-offs are 0 for
    t <= 0.5, then about 0.20, 0.41, 0.62, 0.85, and nothing above 0.7. Use
    it only to compare with published numbers.

    Per image the statistics are two ``(19,)`` count vectors and a count.

    Args:
        task (str): Task name. Defaults to 'sal'.
        sigmoid_quirk (bool): Threshold ``sigmoid(p)`` instead of ``p``.
            Defaults to False.
        ignore_index (int): Label without supervision. Defaults to 255.
    """

    lower_is_better = {'maxF': False}
    beta_squared = 0.3

    def __init__(self,
                 task: str = 'sal',
                 sigmoid_quirk: bool = False,
                 ignore_index: int = 255) -> None:
        super().__init__(task)
        self.sigmoid_quirk = sigmoid_quirk
        self.ignore_index = ignore_index

    def process(self, pred: np.ndarray, gt: np.ndarray, sample_id: str) -> dict:
        """True and predicted positives per threshold, and actual positives."""
        self.check_shapes(pred, gt, sample_id, 1)
        valid = gt[0] != self.ignore_index
        label = gt[0][valid]
        if label.size and not np.isin(label, (0, 1)).all():
            raise ValueError(f'sample {sample_id!r}, task {self.task!r}: ground truth must be '
                             f'0, 1 or {self.ignore_index} (ignored)')
        prob = pred[0][valid].astype(np.float64)
        if self.sigmoid_quirk:
            prob = 1 / (1 + np.exp(-prob))
        positive = label == 1
        # Counts of probabilities >= t for all t at once, from the sorted values.
        ranks_all = np.searchsorted(np.sort(prob), SALIENCY_THRESHOLDS, side='left')
        ranks_pos = np.searchsorted(np.sort(prob[positive]), SALIENCY_THRESHOLDS, side='left')
        return dict(
            true_pos=positive.sum() - ranks_pos,
            pred_pos=prob.size - ranks_all,
            actual_pos=int(positive.sum()))

    def compute(self, stats: List[dict]) -> Dict[str, float]:
        """maxF in percent; the best threshold in the log."""
        true_pos = sum(s['true_pos'] for s in stats).astype(np.float64)
        pred_pos = sum(s['pred_pos'] for s in stats).astype(np.float64)
        actual_pos = float(sum(s['actual_pos'] for s in stats))
        precision = np.where(pred_pos > 0, true_pos / np.maximum(pred_pos, 1), 0.0)
        recall = true_pos / actual_pos if actual_pos > 0 else np.zeros_like(true_pos)
        denom = self.beta_squared * precision + recall
        fscore = np.where(denom > 0, (1 + self.beta_squared) * precision * recall /
                          np.where(denom > 0, denom, 1), 0.0)
        best = int(np.argmax(fscore))
        protocol = ('InvPT/MTMamba protocol, sigmoid(p) >= t' if self.sigmoid_quirk else
                    'standard definition, p >= t')
        print_log(f'{self.task}: maxF ({protocol}) at threshold '
                  f'{SALIENCY_THRESHOLDS[best]:.2f}: '
                  f'P={100 * precision[best]:.2f} R={100 * recall[best]:.2f}',
                  logger='current')
        return {'maxF': float(100 * fscore[best])}
