import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from msm_mm.structures import get_task


@TRANSFORMS.register_module()
class MultiTaskRandomFlip(BaseTransform):
    """Flip the image and every task map left-right, task-aware.

    Unlike mmseg's ``RandomFlip``, no label is swapped (the human-parts
    groups have no left/right classes) and the channels a task names in
    ``flip_negated_channels`` (:class:`~msm_mm.structures.TaskSpec`) change
    sign: the x component of the normals, so that a flipped surface still
    faces the right way.

    Required Keys:

    - img
    - gt_tasks, gt_<task> for each of them (optional)

    Modified Keys:

    - img
    - gt_<task>

    Added Keys:

    - flip (bool)
    - flip_direction (``'horizontal'`` or None)

    Args:
        prob (float): Probability of a flip. Defaults to 0.5.
    """

    def __init__(self, prob: float = 0.5) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob

    def transform(self, results: dict) -> dict:
        """Flip with probability ``prob``.

        Args:
            results (dict): Result dict.

        Returns:
            dict: The (maybe) flipped result dict.
        """
        flip = bool(np.random.rand() < self.prob)
        if flip:
            results['img'] = np.ascontiguousarray(results['img'][:, ::-1])
            for task in results.get('gt_tasks', []):
                gt = np.ascontiguousarray(results[f'gt_{task}'][:, ::-1])  # a copy
                for c in get_task(task).flip_negated_channels:
                    gt[..., c] *= -1  # (H, W, C): a vector's x points the other way
                results[f'gt_{task}'] = gt
        results['flip'] = flip
        results['flip_direction'] = 'horizontal' if flip else None
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'
