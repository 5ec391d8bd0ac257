"""Mean intersection over union of semantic segmentation and human parts."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log

from .task_metric import TaskMetric


class SegmentationIoU(TaskMetric):
    """mIoU over all classes from dataset-wide pixel counts.

    Per class, over the pixels whose label is not ``ignore_index``:
    ``IoU = TP / (TP + FP + FN)``; ``mIoU`` is the mean over all
    ``num_classes`` classes, in percent. A class that neither the ground truth
    nor the predictions contain anywhere in the split has no IoU; it counts
    as 0 in the mean (as in the InvPT/ASTMT evaluation code) and is named in
    a warning. The per-class IoUs are written to the log.

    Per image the statistics are three ``(num_classes,)`` count vectors.

    Args:
        task (str): Task name ('semseg' or 'human_parts').
        num_classes (int): Number of classes (40 NYUD, 21 PASCAL semseg,
            7 human parts).
        class_names (Sequence[str], optional): Names for the log. Defaults
            to None (class indices).
        ignore_index (int): Label without supervision. Defaults to 255.
    """

    lower_is_better = {'mIoU': False}

    def __init__(self,
                 task: str,
                 num_classes: int,
                 class_names: Optional[Sequence[str]] = None,
                 ignore_index: int = 255) -> None:
        super().__init__(task)
        if num_classes < 1:
            raise ValueError(f'{task}: num_classes must be >= 1, got {num_classes}')
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f'{task}: {len(class_names)} class names for num_classes='
                             f'{num_classes}')
        self.num_classes = num_classes
        self.class_names = (list(class_names) if class_names is not None else
                            [str(i) for i in range(num_classes)])
        self.ignore_index = ignore_index

    def process(self, pred: np.ndarray, gt: np.ndarray, sample_id: str) -> dict:
        """Per-class intersection, predicted and labelled pixel counts."""
        self.check_shapes(pred, gt, sample_id, 1)
        valid = gt[0] != self.ignore_index
        label = gt[0][valid].astype(np.int64)
        guess = pred[0][valid].astype(np.int64)
        num = self.num_classes
        for name, values in (('prediction', guess), ('ground truth', label)):
            if values.size and (values.min() < 0 or values.max() >= num):
                raise ValueError(
                    f'sample {sample_id!r}, task {self.task!r}: {name} class ids must be in '
                    f'[0, {num}) or {self.ignore_index} (ignored), found '
                    f'{sorted(set(np.unique(values[(values < 0) | (values >= num)]).tolist()))}')
        return dict(
            intersect=np.bincount(label[label == guess], minlength=num),
            pred_area=np.bincount(guess, minlength=num),
            label_area=np.bincount(label, minlength=num))

    def compute(self, stats: List[dict]) -> Dict[str, float]:
        """mIoU in percent; per-class IoU in the log."""
        intersect = sum(s['intersect'] for s in stats).astype(np.float64)
        union = (sum(s['pred_area'] for s in stats) + sum(s['label_area'] for s in stats) -
                 intersect)
        absent = union == 0
        iou = np.where(absent, 0.0, intersect / np.maximum(union, 1))
        if absent.any():
            names = [self.class_names[i] for i in np.flatnonzero(absent)]
            print_log(f'{self.task}: classes absent from both ground truth and predictions '
                      f'(IoU counted as 0): {names}', logger='current')
        rows = '\n'.join(f'  {name:<24} {100 * value:6.2f}'
                         for name, value in zip(self.class_names, iou))
        print_log(f'{self.task} per-class IoU (%):\n{rows}', logger='current')
        return {'mIoU': float(100 * iou.mean())}
