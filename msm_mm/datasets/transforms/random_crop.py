from typing import Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MultiTaskRandomCrop(BaseTransform):
    """Crop the image and every task map at the same random window.

    A side shorter than the crop is kept whole (no crop along it; the
    padding transform fills it later). Up to ``max_tries`` windows are drawn
    so that no single semseg class covers ``cat_max_ratio`` or more of the
    crop's labelled pixels (and at least two classes are present), as
    mmseg's ``RandomCrop``; the last window is kept when none qualifies. The
    rule needs ``gt_semseg``; without it the first window is used.

    After the crop, the map of each task in ``ignore_if_no_foreground`` that
    holds no label besides 0 (background) and ``ignore_index`` becomes
    ``ignore_index`` everywhere: a crop without any human-part pixel does
    not supervise the part task (not even as background), as the MTMamba
    release decides after cropping (an all-zero part map counts as no parts).

    Required Keys:

    - img
    - gt_tasks, gt_<task> for each of them (optional)

    Modified Keys:

    - img
    - img_shape
    - gt_<task>

    Args:
        crop_size (tuple[int, int]): ``(h, w)`` of the crop.
        cat_max_ratio (float): Largest share of one semseg class in the
            crop; 1 disables the rule. Defaults to 0.75.
        max_tries (int): Windows drawn at most. Defaults to 10.
        ignore_index (int): Semseg label left out of the shares, and the
            label of unsupervised pixels. Defaults to 255.
        ignore_if_no_foreground (Sequence[str]): Tasks whose crop is ignored
            entirely when it has no foreground label. Defaults to
            ('human_parts', ).
    """

    def __init__(self,
                 crop_size: Tuple[int, int],
                 cat_max_ratio: float = 0.75,
                 max_tries: int = 10,
                 ignore_index: int = 255,
                 ignore_if_no_foreground: Sequence[str] = ('human_parts', )) -> None:
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError(f'crop_size must be (h, w) > 0, got {crop_size}')
        self.crop_size = tuple(crop_size)
        self.cat_max_ratio = cat_max_ratio
        self.max_tries = max_tries
        self.ignore_index = ignore_index
        self.ignore_if_no_foreground = tuple(ignore_if_no_foreground)

    def _random_window(self, h: int, w: int) -> Tuple[int, int, int, int]:
        """A random ``(y1, y2, x1, x2)`` window of at most the crop size."""
        y1 = np.random.randint(0, max(h - self.crop_size[0], 0) + 1)
        x1 = np.random.randint(0, max(w - self.crop_size[1], 0) + 1)
        return y1, min(y1 + self.crop_size[0], h), x1, min(x1 + self.crop_size[1], w)

    def _balanced(self, semseg: np.ndarray) -> bool:
        """Whether no class dominates ``semseg`` (a cropped label map)."""
        counts = np.bincount(semseg.ravel(), minlength=256)
        counts[self.ignore_index] = 0
        counts = counts[counts > 0]
        return len(counts) > 1 and counts.max() / counts.sum() < self.cat_max_ratio

    def _has_foreground(self, label: np.ndarray) -> bool:
        """Whether ``label`` holds a class other than 0 and the ignore label."""
        return bool(((label != 0) & (label != self.ignore_index)).any())

    def transform(self, results: dict) -> dict:
        """Crop at a random window.

        Args:
            results (dict): Result dict.

        Returns:
            dict: The cropped result dict.
        """
        h, w = results['img'].shape[:2]
        y1, y2, x1, x2 = self._random_window(h, w)
        semseg = results.get('gt_semseg')
        if semseg is not None and self.cat_max_ratio < 1:
            for _ in range(self.max_tries - 1):
                if self._balanced(semseg[y1:y2, x1:x2]):
                    break
                y1, y2, x1, x2 = self._random_window(h, w)
        results['img'] = results['img'][y1:y2, x1:x2]
        for task in results.get('gt_tasks', []):
            gt = results[f'gt_{task}'][y1:y2, x1:x2]
            if task in self.ignore_if_no_foreground and not self._has_foreground(gt):
                gt = np.full_like(gt, self.ignore_index)
            results[f'gt_{task}'] = gt
        results['img_shape'] = (y2 - y1, x2 - x1)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(crop_size={self.crop_size}, '
                f'cat_max_ratio={self.cat_max_ratio}, max_tries={self.max_tries}, '
                f'ignore_index={self.ignore_index}, '
                f'ignore_if_no_foreground={self.ignore_if_no_foreground})')
