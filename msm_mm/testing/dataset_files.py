"""How the synthetic dataset writers store images, normals and splits."""
import os
import os.path as osp
from typing import List, Sequence, Tuple

import cv2
import numpy as np


def encode_normals(normals: np.ndarray) -> np.ndarray:
    """Unit vectors -> RGB uint8 ``round((n + 1) * 255 / 2)``."""
    return np.clip(np.round((normals + 1) * 127.5), 0, 255).astype(np.uint8)


def write_png(path: str, array: np.ndarray) -> None:
    """Write an ``(H, W)`` label or an ``(H, W, 3)`` RGB image as PNG."""
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(path, array):
        raise OSError(f'could not write {path}')


def make_dataset_dirs(root: str, dirs: Sequence[str]) -> None:
    """Create ``dirs`` under ``root``, which must be new or empty."""
    if osp.isdir(root) and os.listdir(root):
        raise FileExistsError(f'{root} is not empty; the generator writes into a new folder')
    for d in dirs:
        os.makedirs(osp.join(root, d), exist_ok=True)


def split_ids(ids: List[str], num_train: int, rng: np.random.Generator) -> Tuple[list, list]:
    """A random ``(train, val)`` partition of ``ids``, each sorted."""
    order = rng.permutation(len(ids))
    return sorted(ids[i] for i in order[:num_train]), sorted(ids[i] for i in order[num_train:])


def write_split_lists(folder: str, train: List[str], val: List[str]) -> None:
    """Write ``train.txt`` and ``val.txt`` (one sample id a line) in ``folder``."""
    for name, split in (('train', train), ('val', val)):
        with open(osp.join(folder, f'{name}.txt'), 'w') as f:
            f.write(''.join(f'{i}\n' for i in split))
