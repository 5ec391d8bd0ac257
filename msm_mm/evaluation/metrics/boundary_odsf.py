"""Boundary detection odsF following the SEISM protocol, in Python.

Per image (:func:`boundary_counts`):

1. the predicted probability is quantised as the PNG that InvPT/MTMamba
   write (``uint8(255 * p)``, truncating) and read back as ``level / 255``;
2. structured-edge non-maximum suppression (:func:`~.edge_nms.edge_nms`:
   radius 1, 5-pixel border ramp, multiplier 1.01);
3. for each threshold ``t`` (0.001, 0.01, 0.02, ..., 0.99, 0.999) the pixels
   strictly above ``t`` are thinned to 1 pixel (``bwmorph 'thin' Inf``);
4. the ground-truth boundary is ``thin(seg2bmap(gt))``: the binary edge map
   read as a two-label segmentation, as SEISM reads a ground-truth map,
   then thinned;
5. predicted and ground-truth boundary pixels are put in one-to-one
   correspondence within ``max_dist`` times the image diagonal (a maximum
   matching, see :mod:`.boundary_matching`).

Per threshold the image contributes matched pixels, predicted pixels and
ground-truth pixels; over the dataset P = matched / predicted,
R = matched / ground truth, F = 2PR / (P + R), and odsF is the largest F
over the thresholds (no interpolation between thresholds).

Pixels whose ground truth is the ignore value (255, padding) are treated as
non-boundary in step 4 and predicted boundary pixels on them are dropped, so
that padding neither creates nor hides boundaries.
"""
from typing import Dict

import numpy as np

from .binary_thinning import SparseThinner, thin
from .boundary_matching import IncrementalMatching, candidate_pairs, match_radius, seg2bmap
from .edge_nms import edge_nms

#: SEISM's 101 thresholds.
SEISM_THRESHOLDS = np.concatenate([[0.001], np.arange(1, 100) / 100, [0.999]])


def boundary_counts(prob: np.ndarray,
                    gt: np.ndarray,
                    max_dist: float,
                    thresholds: np.ndarray = SEISM_THRESHOLDS,
                    ignore_index: int = 255) -> Dict[str, np.ndarray]:
    """Per-threshold boundary counts of one image.

    Args:
        prob (np.ndarray): ``(H, W)`` predicted boundary probability in [0, 1].
        gt (np.ndarray): ``(H, W)`` ground-truth edge map: 1 = boundary,
            0 = not, ``ignore_index`` = no ground truth.
        max_dist (float): Matching tolerance as a fraction of the image
            diagonal (0.011 NYUD, 0.0075 PASCAL-Context).
        thresholds (np.ndarray): Increasing thresholds in (0, 1).
            Defaults to :data:`SEISM_THRESHOLDS`.
        ignore_index (int): Ground-truth value without supervision.
            Defaults to 255.

    Returns:
        dict: ``matched`` (T,) int64 pixels in correspondence, ``pred`` (T,)
        int64 predicted boundary pixels after thinning, ``gt`` int ground-truth
        boundary pixels.
    """
    prob = np.asarray(prob, dtype=np.float32)
    gt = np.asarray(gt)
    if prob.shape != gt.shape or prob.ndim != 2:
        raise ValueError(f'prediction {prob.shape} and ground truth {gt.shape} must be '
                         'the same (H, W)')
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if np.any(np.diff(thresholds) <= 0):
        raise ValueError('thresholds must be strictly increasing')
    shape = gt.shape
    valid = gt != ignore_index
    gt_pixels = np.flatnonzero(thin(seg2bmap(np.where(valid, gt, 0) != 0)))

    levels = np.floor(np.clip(prob, 0, 1) * np.float32(255)).astype(np.float64) / 255
    strength = edge_nms(levels).ravel()
    strength[~valid.ravel()] = 0
    # Every thinned map is a subset of the map at the lowest threshold.
    support = np.flatnonzero(strength > thresholds[0])
    support_strength = strength[support]
    matching = IncrementalMatching(
        candidate_pairs(support, gt_pixels, shape, match_radius(shape, max_dist)))
    thinner = SparseThinner(shape)

    matched = np.zeros(len(thresholds), dtype=np.int64)
    pred = np.zeros(len(thresholds), dtype=np.int64)
    # From the highest threshold down, the predicted set mostly grows, and the
    # previous matching stays almost maximum.
    for i in range(len(thresholds) - 1, -1, -1):
        boundary = thinner.thin(support[support_strength > thresholds[i]])
        pred[i] = len(boundary)
        matched[i] = matching.update(np.searchsorted(support, boundary))
    return dict(matched=matched, pred=pred, gt=len(gt_pixels))
