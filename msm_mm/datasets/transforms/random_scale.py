from typing import Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from msm_mm.structures import get_task


@TRANSFORMS.register_module()
class MultiTaskRandomScale(BaseTransform):
    """Rescale the image and every task map by a random factor.

    The factor ``s`` is drawn uniformly from ``ratio_range`` and applied to
    the current size (``round(H * s)``, ``round(W * s)``). The image is
    resized bilinearly, every label with nearest neighbour (pixel-centre
    aligned, as the bilinear image). The values of a task with
    ``rescale_divides_values`` (:class:`~msm_mm.structures.TaskSpec`) are
    divided by ``s``: depth, since a scene magnified ``s`` times looks ``s``
    times closer. The others keep their values (normals: an isotropic scale
    does not turn surfaces).

    Required Keys:

    - img
    - gt_tasks, gt_<task> for each of them (optional)

    Modified Keys:

    - img
    - img_shape
    - gt_<task>
    - scale_factor (``(w_scale, h_scale)``, multiplied by this one)

    Args:
        ratio_range (tuple[float, float]): Range of the factor. Defaults to
            (0.5, 2.0).
    """

    def __init__(self, ratio_range: Tuple[float, float] = (0.5, 2.0)) -> None:
        if not 0 < ratio_range[0] <= ratio_range[1]:
            raise ValueError(f'ratio_range must satisfy 0 < low <= high, got {ratio_range}')
        self.ratio_range = tuple(ratio_range)

    def transform(self, results: dict) -> dict:
        """Rescale by a random factor.

        Args:
            results (dict): Result dict.

        Returns:
            dict: The rescaled result dict.
        """
        ratio = np.random.uniform(*self.ratio_range)
        h, w = results['img'].shape[:2]
        new_h, new_w = max(1, round(h * ratio)), max(1, round(w * ratio))
        results['img'] = cv2.resize(results['img'], (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        for task in results.get('gt_tasks', []):
            # INTER_NEAREST_EXACT samples pixel centres like INTER_LINEAR;
            # plain INTER_NEAREST is shifted by up to half a pixel.
            gt = cv2.resize(results[f'gt_{task}'], (new_w, new_h),
                            interpolation=cv2.INTER_NEAREST_EXACT)
            if get_task(task).rescale_divides_values:
                gt /= ratio
            results[f'gt_{task}'] = gt
        w_scale, h_scale = results.get('scale_factor', (1.0, 1.0))
        results['scale_factor'] = (w_scale * new_w / w, h_scale * new_h / h)
        results['img_shape'] = (new_h, new_w)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(ratio_range={self.ratio_range})'
