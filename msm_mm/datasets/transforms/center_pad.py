from typing import Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from msm_mm.structures import get_task


@TRANSFORMS.register_module()
class MultiTaskCenterPad(BaseTransform):
    """Pad the image and every task map, centred, to a fixed size.

    The image is padded with ``img_pad_val`` (0 after normalisation is the
    mean colour), each task map with its task's ignore value from
    :mod:`msm_mm.structures.tasks` (255 for class maps, 0 for depth, the
    zero vector for normals), so padding never adds supervision. Unlike
    mmseg's ``Pad``, which pads bottom-right with one value for every map,
    the margins are split evenly (the extra pixel goes bottom / right) and
    recorded in ``padding`` so predictions can be cropped back.

    In a test pipeline, put the annotation loader after this transform:
    the ground truth then keeps the image's original size while the image
    is padded (as mmseg's test pipelines load annotations after resizing).

    Required Keys:

    - img
    - gt_tasks, gt_<task> for each of them (optional)

    Modified Keys:

    - img
    - gt_<task>
    - padding (``(top, bottom, left, right)``, added to any earlier padding)

    Added Keys:

    - pad_shape (``(H, W)`` after padding)

    Args:
        size (tuple[int, int]): ``(h, w)`` to pad to; the image must not be
            larger.
        img_pad_val (float): Value of the image padding. Defaults to 0.
    """

    def __init__(self, size: Tuple[int, int], img_pad_val: float = 0) -> None:
        if len(size) != 2 or min(size) <= 0:
            raise ValueError(f'size must be (h, w) > 0, got {size}')
        self.size = tuple(size)
        self.img_pad_val = img_pad_val

    def transform(self, results: dict) -> dict:
        """Pad to ``size``.

        Args:
            results (dict): Result dict.

        Returns:
            dict: The padded result dict.
        """
        h, w = results['img'].shape[:2]
        if h > self.size[0] or w > self.size[1]:
            raise ValueError(f'{self.__class__.__name__}: image of sample '
                             f"{results.get('sample_id')!r} is {h}x{w}, larger than the pad size "
                             f'{self.size[0]}x{self.size[1]}; crop it first')
        top, left = (self.size[0] - h) // 2, (self.size[1] - w) // 2
        bottom, right = self.size[0] - h - top, self.size[1] - w - left

        def pad(array: np.ndarray, value: float) -> np.ndarray:
            widths = ((top, bottom), (left, right)) + ((0, 0), ) * (array.ndim - 2)
            return np.pad(array, widths, constant_values=value)

        results['img'] = pad(results['img'], self.img_pad_val)
        for task in results.get('gt_tasks', []):
            results[f'gt_{task}'] = pad(results[f'gt_{task}'], get_task(task).ignore_value)
        t0, b0, l0, r0 = results.get('padding', (0, 0, 0, 0))
        results['padding'] = (t0 + top, b0 + bottom, l0 + left, r0 + right)
        results['pad_shape'] = self.size
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(size={self.size}, img_pad_val={self.img_pad_val})'
