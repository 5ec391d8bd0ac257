from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ..file_io import check_label, check_values, read_image, read_npy

NUM_NYUD_CLASSES = 40
#: Largest depth accepted, metres. NYUD-v2's Kinect depths end near 10 m; a
#: larger value means another unit (millimetres give thousands).
MAX_NYUD_DEPTH = 20.

# uint8 values allowed in NYUD files: 0 (void) .. 40 for segmentation, 0/255
# for edges.
_SEMSEG_VALUES = np.arange(256) <= NUM_NYUD_CLASSES
_EDGE_VALUES = np.isin(np.arange(256), (0, 255))


def decode_semseg(path: str, sample_id: str, shape: tuple,
                  backend_args: Optional[dict] = None) -> np.ndarray:
    """NYU-40 ``uint8`` PNG, 0 = void -> ids 0..39 and 255 = ignore."""
    raw = read_image(path, sample_id, backend_args=backend_args)
    check_label(raw, path, sample_id, shape, np.uint8)
    check_values(raw, _SEMSEG_VALUES, path, sample_id,
                 f'0 (void) to {NUM_NYUD_CLASSES} (NYU-40 classes)')
    return np.where(raw == 0, 255, raw - 1).astype(np.uint8)


def decode_depth(path: str, sample_id: str, shape: tuple,
                 backend_args: Optional[dict] = None) -> np.ndarray:
    """``float`` ``.npy`` in metres, 0 = invalid -> ``float32`` metres."""
    depth = read_npy(path, sample_id, backend_args)
    check_label(depth, path, sample_id, shape, 'float')
    if not np.isfinite(depth).all() or (depth < 0).any():
        raise ValueError(f'sample {sample_id!r}: {path} holds negative or non-finite depths; '
                         'expected metres >= 0 with 0 = invalid')
    if depth.max() > MAX_NYUD_DEPTH:
        raise ValueError(f'sample {sample_id!r}: {path} holds depths up to {depth.max():g}; '
                         f'expected metres, 0 to {MAX_NYUD_DEPTH:g} (millimetres? divide by '
                         '1000)')
    return depth.astype(np.float32)


def decode_normals(path: str, sample_id: str, shape: tuple,
                   backend_args: Optional[dict] = None) -> np.ndarray:
    """RGB ``uint8`` PNG (x, y, z) -> ``float32`` ``2 * v / 255 - 1``."""
    raw = read_image(path, sample_id, backend_args=backend_args)
    check_label(raw, path, sample_id, shape, np.uint8, channels=3)
    return raw.astype(np.float32) * (2 / 255) - 1


def decode_edge(path: str, sample_id: str, shape: tuple,
                backend_args: Optional[dict] = None) -> np.ndarray:
    """``uint8`` PNG with 0 / 255 -> {0, 1}."""
    raw = read_image(path, sample_id, backend_args=backend_args)
    check_label(raw, path, sample_id, shape, np.uint8)
    check_values(raw, _EDGE_VALUES, path, sample_id, '0 (no edge) or 255 (edge)')
    return (raw > 0).astype(np.uint8)


_DECODERS = dict(semseg=decode_semseg, depth=decode_depth, normals=decode_normals, edge=decode_edge)


@TRANSFORMS.register_module()
class LoadNYUDAnnotations(BaseTransform):
    """Load and decode NYUD-v2 labels (the InvPT / TaskPrompter distribution).

    Decoding, per task (see ``docs/datasets.md``):

    - semseg: ``segmentation/<id>.png`` (uint8, 0 = void, 1..40) -> label - 1,
      void -> 255;
    - depth: ``depth/<id>.npy`` (float metres, 0 = invalid) -> float32;
    - normals: ``normals/<id>.png`` (RGB = x, y, z) -> ``2 * v / 255 - 1``;
    - edge: ``edge/<id>.png`` (0 / 255) -> {0, 1}.

    Class maps are kept as ``uint8`` (H, W), depth as ``float32`` (H, W),
    normals as ``float32`` (H, W, 3) until packing. A label whose size
    differs from the image, whose dtype is unexpected or which holds values
    out of range raises a ``ValueError`` naming the file and the sample.

    Required Keys:

    - sample_id
    - ori_shape
    - tasks (the tasks to load)
    - ann_paths (dict: task -> file)

    Modified Keys:

    - gt_tasks (list of the task names with a ground-truth map)

    Added Keys:

    - gt_semseg, gt_depth, gt_normals, gt_edge (those in ``ann_paths``)

    Args:
        backend_args (dict, optional): Arguments to instantiate the file
            backend, see :func:`mmengine.fileio.get`. Defaults to None.
    """

    def __init__(self, backend_args: Optional[dict] = None) -> None:
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        """Decode the label of every task in ``results['tasks']``.

        Args:
            results (dict): Result dict with the image loaded.

        Returns:
            dict: The dict with a ``gt_<task>`` map per task.
        """
        gt_tasks = list(results.get('gt_tasks', []))
        for task in results['tasks']:
            if task not in _DECODERS:
                raise KeyError(f'{self.__class__.__name__} decodes {sorted(_DECODERS)}, not '
                               f'{task!r}; use the loader of the dataset')
            results[f'gt_{task}'] = _DECODERS[task](results['ann_paths'][task],
                                                    results['sample_id'], results['ori_shape'],
                                                    self.backend_args)
            gt_tasks.append(task)
        results['gt_tasks'] = gt_tasks
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(backend_args={self.backend_args})'
