from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from msm_mm.structures import MultiTaskDataSample, get_task


@TRANSFORMS.register_module()
class PackMultiTaskInputs(BaseTransform):
    """Pack the image and the task maps into model inputs.

    The image becomes a ``(3, H, W)`` tensor (float32 after normalisation),
    each ``gt_<task>`` a ``(C, H, W)`` tensor of its task's dtype stored with
    :meth:`MultiTaskDataSample.set_gt` (class maps long, depth and normals
    float32; normals ``(H, W, 3)`` -> ``(3, H, W)``).

    Every meta key is always present in the data sample, with the value of
    an untransformed image when its transform did not run: ``flip`` False,
    ``flip_direction`` None, ``scale_factor`` ``(1.0, 1.0)``, ``padding``
    ``(0, 0, 0, 0)`` (top, bottom, left, right), ``pad_shape`` the image
    shape.

    Required Keys:

    - img
    - img_path, sample_id, ori_shape, img_shape
    - gt_tasks, gt_<task> for each of them (optional)

    Added Keys:

    - inputs (torch.Tensor)
    - data_samples (:class:`MultiTaskDataSample`)

    Args:
        meta_keys (Sequence[str]): Keys copied into the metainfo. Defaults
            to ('img_path', 'sample_id', 'ori_shape', 'img_shape',
            'pad_shape', 'padding', 'flip', 'flip_direction',
            'scale_factor').
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('img_path', 'sample_id', 'ori_shape', 'img_shape',
                                             'pad_shape', 'padding', 'flip', 'flip_direction',
                                             'scale_factor')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        """Pack ``results``.

        Args:
            results (dict): Result dict from the pipeline.

        Returns:
            dict: ``inputs`` (tensor) and ``data_samples``
            (:class:`MultiTaskDataSample`).
        """
        img = results['img']
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))  # (3, H, W)
        data_sample = MultiTaskDataSample()
        for task in results.get('gt_tasks', []):
            gt = results[f'gt_{task}']
            gt = gt[None] if gt.ndim == 2 else gt.transpose(2, 0, 1)  # (C, H, W)
            # Cast in numpy: torch's multi-threaded cast is slower on a busy CPU.
            dtype = torch.empty((), dtype=get_task(task).gt_dtype).numpy().dtype
            data_sample.set_gt(task, torch.from_numpy(np.ascontiguousarray(gt, dtype=dtype)))
        defaults = dict(flip=False, flip_direction=None, scale_factor=(1.0, 1.0),
                        padding=(0, 0, 0, 0), pad_shape=img.shape[:2])
        data_sample.set_metainfo({
            key: results[key] if key in results else defaults[key]
            for key in self.meta_keys if key in results or key in defaults
        })
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
