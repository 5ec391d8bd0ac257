"""Predictions written to disk in the layout external evaluation tools read.

One file per image and task, named by the sample id, at the original image
size, under ``<output_dir>/<task>/``, laid out by the task's kind
(:class:`~msm_mm.structures.MapKind`):

===========  ===================  ============  ==========================================
kind         tasks                file          content
===========  ===================  ============  ==========================================
LABELS       semseg, human_parts  ``<id>.png``  uint8 class ids
PROBABILITY  sal, edge            ``<id>.png``  uint8 ``floor(255 * p)`` (what SEISM reads)
VECTOR       normals              ``<id>.png``  RGB uint8 ``floor(255 * (n + 1) / 2)``, n unit
SCALAR       depth                ``<id>.mat``  ``'<task>'``: float32 ``(H, W)`` (metres)
===========  ===================  ============  ==========================================

The truncating ``uint8`` conversions are those of InvPT/MTMamba's saving
code, so SEISM run on these files evaluates the same maps.
"""
import os
import os.path as osp

import cv2
import numpy as np
import scipy.io

from msm_mm.structures import MapKind, get_task


def probability_to_uint8(prob: np.ndarray) -> np.ndarray:
    """``floor(255 * p)`` as uint8 (p clipped to [0, 1])."""
    prob = np.clip(np.asarray(prob, dtype=np.float32), 0, 1)
    return np.floor(prob * np.float32(255)).astype(np.uint8)


def save_prediction(task: str, pred: np.ndarray, output_dir: str, sample_id: str) -> str:
    """Write one task's prediction of one image.

    Args:
        task (str): Task name.
        pred (np.ndarray): ``(C, H, W)`` prediction as in the data sample.
        output_dir (str): Root folder; the file goes to ``<output_dir>/<task>/``.
        sample_id (str): File name stem.

    Returns:
        str: Path of the written file.
    """
    folder = osp.join(output_dir, task)
    os.makedirs(folder, exist_ok=True)
    kind = get_task(task).kind
    if kind is MapKind.SCALAR:
        path = osp.join(folder, f'{sample_id}.mat')
        scipy.io.savemat(path, {task: pred[0].astype(np.float32)})
        return path
    path = osp.join(folder, f'{sample_id}.png')
    if kind is MapKind.LABELS:
        if pred.min() < 0 or pred.max() > 255:
            raise ValueError(f'sample {sample_id!r}, task {task!r}: class ids must fit uint8 '
                             'to be saved as PNG')
        image = pred[0].astype(np.uint8)
    elif kind is MapKind.PROBABILITY:
        image = probability_to_uint8(pred[0])
    else:  # VECTOR
        unit = pred.astype(np.float64)
        unit /= np.maximum(np.linalg.norm(unit, axis=0, keepdims=True), 1e-12)
        rgb = np.floor(255 * (unit + 1) / 2).clip(0, 255).astype(np.uint8).transpose(1, 2, 0)
        image = rgb[..., ::-1]  # OpenCV writes BGR
    if not cv2.imwrite(path, np.ascontiguousarray(image)):
        raise OSError(f'could not write {path}')
    return path
