"""A small synthetic NYUD-v2 dataset in the InvPT / TaskPrompter format."""
import os.path as osp
from typing import Dict, Optional, Tuple

import numpy as np

from .dataset_files import (encode_normals, make_dataset_dirs, split_ids, write_png,
                            write_split_lists)
from .scene_renderer import KIND_NAMES, KINDS, NYUD_FURNITURE, label_boundaries, render_scene


def generate_nyud(root: str,
                  num_train: int = 10,
                  num_val: int = 4,
                  size: Tuple[int, int] = (120, 160),
                  seed: int = 0,
                  return_labels: bool = False) -> Optional[Dict[str, dict]]:
    """Write a small NYUD-v2 dataset in the InvPT / TaskPrompter format.

    Args:
        root (str): New (or empty) folder to write to.
        num_train (int): Training images. Defaults to 10.
        num_val (int): Validation images. Defaults to 4.
        size (tuple[int, int]): ``(h, w)`` of the images; the real ones are
            (425, 560). Defaults to (120, 160).
        seed (int): Random seed. Defaults to 0.
        return_labels (bool): Return the decoded labels. Defaults to False.

    Returns:
        dict | None: With ``return_labels``, sample id -> dict of the labels
        as the loaders must decode them: ``semseg`` (uint8, 0..39, 255
        void), ``depth`` (float32, 0 invalid), ``normals`` (float32 unit
        vectors before quantisation), ``edge`` (uint8 {0, 1}), plus ``split``.
    """
    dirs = ('gt_sets', 'images', 'segmentation', 'depth', 'normals', 'edge')
    make_dataset_dirs(root, dirs)
    rng = np.random.default_rng(seed)
    ids = [f'{i:04d}' for i in range(1, num_train + num_val + 1)]
    train, val = split_ids(ids, num_train, rng)
    nyu = np.array([KINDS[k].nyu for k in KIND_NAMES], np.uint8)
    labels = {}
    for index, sample_id in enumerate(ids):
        srng = np.random.default_rng([seed, index])
        scene = render_scene(*size, srng, NYUD_FURNITURE)
        raw = nyu[scene.kind]  # NYU-40 as stored, 0 = void ('clutter')
        depth = scene.depth.copy()
        depth[scene.kind == KIND_NAMES.index('window')] = 0  # no returns from glass
        if srng.random() < 0.5:  # a sensor shadow along the left border
            depth[:, :max(1, size[1] // 20)] = 0
        edge = label_boundaries(raw)
        write_png(osp.join(root, 'images', f'{sample_id}.png'), scene.image)
        write_png(osp.join(root, 'segmentation', f'{sample_id}.png'), raw)
        np.save(osp.join(root, 'depth', f'{sample_id}.npy'), depth)
        write_png(osp.join(root, 'normals', f'{sample_id}.png'), encode_normals(scene.normals))
        write_png(osp.join(root, 'edge', f'{sample_id}.png'), edge.astype(np.uint8) * 255)
        if return_labels:
            labels[sample_id] = dict(
                semseg=np.where(raw == 0, 255, raw - 1).astype(np.uint8), depth=depth,
                normals=scene.normals, edge=edge.astype(np.uint8),
                split='train' if sample_id in train else 'val')
    write_split_lists(osp.join(root, 'gt_sets'), train, val)
    return labels if return_labels else None
