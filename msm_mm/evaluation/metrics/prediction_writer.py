"""Predictions written to disk in the layout external evaluation tools read.

One file per image and task, named by the sample id, at the original image
size, under ``<output_dir>/<task>/``:

==============  ==============  ==================================================
task            file            content
==============  ==============  ==================================================
semseg          ``<id>.png``    uint8 class ids
human_parts     ``<id>.png``    uint8 class ids
sal             ``<id>.png``    uint8 ``floor(255 * p)``
edge            ``<id>.png``    uint8 ``floor(255 * p)`` (what SEISM reads)
normals         ``<id>.png``    RGB uint8 ``floor(255 * (n + 1) / 2)``, n unit
depth           ``<id>.mat``    ``'depth'``: float32 metres, ``(H, W)``
==============  ==============  ==================================================

The truncating ``uint8`` conversions are those of InvPT/MTMamba's saving
code, so SEISM run on these files evaluates the same maps.
"""
import os
import os.path as osp

import cv2
import numpy as np
import scipy.io


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
    if task == 'depth':
        path = osp.join(folder, f'{sample_id}.mat')
        scipy.io.savemat(path, {'depth': pred[0].astype(np.float32)})
        return path
    path = osp.join(folder, f'{sample_id}.png')
    if task in ('semseg', 'human_parts'):
        if pred.min() < 0 or pred.max() > 255:
            raise ValueError(f'sample {sample_id!r}, task {task!r}: class ids must fit uint8 '
                             'to be saved as PNG')
        image = pred[0].astype(np.uint8)
    elif task in ('sal', 'edge'):
        image = probability_to_uint8(pred[0])
    elif task == 'normals':
        unit = pred.astype(np.float64)
        unit /= np.maximum(np.linalg.norm(unit, axis=0, keepdims=True), 1e-12)
        rgb = np.floor(255 * (unit + 1) / 2).clip(0, 255).astype(np.uint8).transpose(1, 2, 0)
        image = rgb[..., ::-1]  # OpenCV writes BGR
    else:
        raise ValueError(f'no file layout for task {task!r}')
    if not cv2.imwrite(path, np.ascontiguousarray(image)):
        raise OSError(f'could not write {path}')
    return path
