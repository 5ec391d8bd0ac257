"""Synthetic edge ground truth and predictions with realistic density.

The ground truth is the (thinned) boundary map of a random partition into
Voronoi cells, about 4% boundary pixels at 425x560 like NYUD's edge maps.
The prediction imitates a network's sigmoid output: blurred ridges along a
slightly displaced copy of the true boundaries with varying strength, about
a third of the boundaries missed, false ridges of varying strength along
another partition, and a low noisy background; odsF comes out near 80 like
published models'.
"""
from typing import Tuple

import numpy as np
from scipy import ndimage


def _voronoi(shape: Tuple[int, int], num_cells: int, rng: np.random.Generator) -> np.ndarray:
    height, width = shape
    seeds = np.zeros(shape, dtype=np.int32)
    rows = rng.integers(0, height, num_cells)
    cols = rng.integers(0, width, num_cells)
    seeds[rows, cols] = np.arange(1, num_cells + 1)
    _, (near_r, near_c) = ndimage.distance_transform_edt(seeds == 0, return_indices=True)
    return seeds[near_r, near_c]


def synthetic_edge_pair(shape: Tuple[int, int] = (425, 560),
                        seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """One ground-truth edge map and one predicted probability map.

    Args:
        shape (tuple[int, int]): ``(H, W)``. Defaults to (425, 560).
        seed (int): Random seed. Defaults to 0.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(gt, prob)``: gt uint8 in {0, 1},
        prob float32 in [0, 1].
    """
    from msm_mm.utils.boundary_maps import seg2bmap, seism_boundary

    rng = np.random.default_rng(seed)
    seg = _voronoi(shape, int(rng.integers(60, 120)), rng)
    gt = seism_boundary(seg).astype(np.uint8)

    # Displace the true partition by a smooth field of up to ~2 px.
    height, width = shape
    flow = [ndimage.gaussian_filter(rng.normal(0, 1, shape), 20) for _ in range(2)]
    flow = [f / (np.abs(f).max() + 1e-9) * 2.0 for f in flow]
    grid_r, grid_c = np.mgrid[0:height, 0:width].astype(np.float64)
    warped = ndimage.map_coordinates(seg, [grid_r + flow[0], grid_c + flow[1]], order=0,
                                     mode='nearest')
    strength = rng.uniform(0.2, 1.0, seg.max() + 1)
    strength[rng.random(seg.max() + 1) < 0.35] = 0.0  # missed boundaries
    ridge = seg2bmap(warped) * np.maximum(strength[warped], strength[np.roll(warped, 1, 0)])
    false_seg = _voronoi(shape, int(rng.integers(20, 40)), rng)
    false_strength = rng.uniform(0.05, 0.7, false_seg.max() + 1)
    ridge = np.maximum(ridge, seg2bmap(false_seg) * false_strength[false_seg])
    prob = ndimage.gaussian_filter(ridge.astype(np.float64), 1.5) * 3.0
    # Faint background clutter: about half of the pixels below 1/255.
    clutter = ndimage.gaussian_filter(rng.random(shape), 2)
    prob += np.clip(clutter - np.median(clutter), 0, None) * 0.3
    return gt, np.clip(prob, 0, 1).astype(np.float32)
