"""Boundary detection odsF following the SEISM protocol, in Python.

Per image (:func:`boundary_counts`):

1. the predicted probability is quantised as the PNG that InvPT/MTMamba
   write (``uint8(255 * p)``, truncating) and read back as ``level / 255``
   in float32, as SEISM's ``im2single``;
2. structured-edge non-maximum suppression (:func:`~.edge_nms.edge_nms`:
   radius 1, 5-pixel border ramp, multiplier 1.01), in float32;
3. for each threshold ``t`` (0.001, 0.01, 0.02, ..., 0.99, 0.999) the pixels
   strictly above ``t`` are thinned to 1 pixel (``bwmorph 'thin' Inf``);
   the comparison is in single precision (``t`` rounded to float32), so
   ties are decided as in SEISM (level 17 three pixels from the border,
   ``17 / 255 * 3 / 5``, is above 0.04 in float32 and equal to it exactly);
4. the ground-truth boundary is SEISM's ``thin(seg2bmap(gt))``
   (:func:`msm_mm.utils.boundary_maps.seism_boundary`) of the ground-truth
   map read as a segmentation (NYUD-v2's binary edge map: two labels), or
   the map itself when it already is that boundary (``gt_is_boundary``:
   PASCAL-Context's test pipeline builds it from the LabelMap);
5. predicted and ground-truth boundary pixels are put in one-to-one
   correspondence within ``max_dist`` times the image diagonal: by default a
   maximum matching (:mod:`.boundary_matching`); ``matching='bsds'`` takes
   the assignment of BSDS's ``correspondPixels`` that SEISM uses
   (:mod:`.bsds_matching`: approximate, random outlier edges, seeded).

Per threshold the image contributes matched pixels, predicted pixels and
ground-truth pixels; over the dataset P = matched / predicted,
R = matched / ground truth, F = 2PR / (P + R), and odsF is the largest F
over the thresholds (no interpolation between thresholds).

Pixels whose ground truth is the ignore value (255, padding) are treated as
non-boundary (label 0) in step 4 and predicted boundary pixels on them are
dropped, so that padding neither creates nor hides boundaries.
"""
import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Dict, FrozenSet, List, Optional, Union

import numpy as np
from mmengine.logging import print_log

from msm_mm.utils.binary_thinning import SparseThinner
from msm_mm.utils.boundary_maps import seism_boundary
from .boundary_matching import IncrementalMatching, candidate_pairs, match_radius
from .bsds_matching import bsds_correspondence
from .edge_nms import edge_nms
from .prediction_writer import probability_to_uint8
from .task_metric import TaskMetric

#: SEISM's 101 thresholds.
SEISM_THRESHOLDS = np.concatenate([[0.001], np.arange(1, 100) / 100, [0.999]])


def boundary_counts(prob: np.ndarray,
                    gt: np.ndarray,
                    max_dist: float,
                    thresholds: np.ndarray = SEISM_THRESHOLDS,
                    ignore_index: int = 255,
                    gt_is_boundary: bool = False,
                    matching: str = 'exact',
                    bsds_seed: int = 0) -> Dict[str, np.ndarray]:
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
        gt_is_boundary (bool): ``gt`` already is SEISM's 1-pixel ground-truth
            boundary (1 = boundary); False builds it as ``thin(seg2bmap(gt))``.
            Defaults to False.
        matching (str): 'exact' (a maximum matching) or 'bsds' (the
            assignment of BSDS's ``correspondPixels``, see
            :mod:`.bsds_matching`). Defaults to 'exact'.
        bsds_seed (int): Seed of the random outlier edges of 'bsds' (the
            same for every image). Defaults to 0.

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
    # SEISM compares its single-precision map with each threshold in single.
    thresholds = np.asarray(thresholds, dtype=np.float32)
    if np.any(np.diff(thresholds) <= 0):
        raise ValueError('thresholds must be strictly increasing in float32')
    shape = gt.shape
    valid = gt != ignore_index
    if gt_is_boundary:
        gt_pixels = np.flatnonzero(valid & (gt == 1))
    else:
        gt_pixels = np.flatnonzero(seism_boundary(np.where(valid, gt, 0)))

    levels = probability_to_uint8(prob).astype(np.float32) / np.float32(255)  # im2single
    strength = edge_nms(levels).ravel()
    strength[~valid.ravel()] = 0
    # Every thinned map is a subset of the map at the lowest threshold.
    support = np.flatnonzero(strength > thresholds[0])
    support_strength = strength[support]
    radius = match_radius(shape, max_dist)
    thinner = SparseThinner(shape)
    support_padded = thinner.padded(support)

    def predicted(i: int) -> np.ndarray:
        """Rows of ``support`` on the thinned map of threshold ``i``."""
        above = np.flatnonzero(support_strength > thresholds[i])
        return above[thinner.survivors(support_padded[above])]

    matched = np.zeros(len(thresholds), dtype=np.int64)
    pred = np.zeros(len(thresholds), dtype=np.int64)
    if matching == 'exact':
        incremental = IncrementalMatching(candidate_pairs(support, gt_pixels, shape, radius))
        # From the highest threshold down, the predicted set mostly grows, and
        # the previous matching stays almost maximum.
        for i in range(len(thresholds) - 1, -1, -1):
            boundary = predicted(i)
            pred[i] = len(boundary)
            matched[i] = incremental.update(boundary)
    elif matching == 'bsds':
        rng = np.random.default_rng(bsds_seed)
        for i in range(len(thresholds)):  # in SEISM's order
            boundary = support[predicted(i)]
            pred[i] = len(boundary)
            matched[i] = bsds_correspondence(boundary, gt_pixels, shape, radius, rng)
    else:
        raise ValueError(f"matching must be 'exact' or 'bsds', got {matching!r}")
    return dict(matched=matched, pred=pred, gt=len(gt_pixels))


class BoundaryODSF(TaskMetric):
    """Boundary odsF of the SEISM protocol (see the module documentation).

    Per image the statistics are two ``(101,)`` count vectors and a count.
    The work per image (NMS, 101 thinnings and matchings) takes about half
    a second on one core for a 425x560 map; with ``nproc > 1`` images are
    handed to that many worker processes as they arrive (the statistics are
    collected in :meth:`MultiTaskMetric.evaluate`), overlapping with
    inference.

    Args:
        task (str): Task name. Defaults to 'edge'.
        max_dist (float): Matching tolerance as a fraction of the image
            diagonal: 0.011 for NYUD-v2, 0.0075 for PASCAL-Context.
        nproc (int): Worker processes; 1 computes in the calling process.
            Defaults to 1.
        ignore_index (int): Ground-truth value without supervision.
            Defaults to 255.
        gt_is_boundary (bool): The ground truth already is SEISM's boundary
            map (see :func:`boundary_counts`). Defaults to False.
        sample_ids (frozenset[str], optional): Ids of the only images
            evaluated. Defaults to None (every image with ground truth).
        subset_name (str, optional): Name of that image subset, for the
            log. Defaults to None.
        matching (str): 'exact' or 'bsds' (see :func:`boundary_counts`).
            Defaults to 'exact'.
    """

    lower_is_better = {'odsF': False}

    def __init__(self,
                 task: str = 'edge',
                 max_dist: Optional[float] = None,
                 nproc: int = 1,
                 ignore_index: int = 255,
                 gt_is_boundary: bool = False,
                 sample_ids: Optional[FrozenSet[str]] = None,
                 subset_name: Optional[str] = None,
                 matching: str = 'exact') -> None:
        super().__init__(task)
        if max_dist is None or not 0 < max_dist < 1:
            raise ValueError(f'{task}: max_dist (fraction of the image diagonal) must be in '
                             f'(0, 1): 0.011 for NYUD-v2, 0.0075 for PASCAL-Context; got '
                             f'{max_dist}')
        if nproc < 1:
            raise ValueError(f'{task}: nproc must be >= 1, got {nproc}')
        self.max_dist = max_dist
        self.nproc = nproc
        self.ignore_index = ignore_index
        self.gt_is_boundary = gt_is_boundary
        self.sample_ids = sample_ids
        self.subset_name = subset_name
        if matching not in ('exact', 'bsds'):
            raise ValueError(f"{task}: matching must be 'exact' or 'bsds', got {matching!r}")
        self.matching = matching
        self._executor: Optional[ProcessPoolExecutor] = None
        self._pending: deque = deque()

    def process(self, pred: np.ndarray, gt: np.ndarray,
                sample_id: str) -> Union[dict, Future]:
        """Per-threshold counts of one image (a future with ``nproc > 1``)."""
        self.check_shapes(pred, gt, sample_id, 1)
        label = gt[0]
        if not np.isin(label, (0, 1, self.ignore_index)).all():
            raise ValueError(f'sample {sample_id!r}, task {self.task!r}: ground truth must be '
                             f'0, 1 or {self.ignore_index} (ignored)')
        args = (pred[0].astype(np.float32), label.astype(np.uint8), self.max_dist)
        kwargs = dict(ignore_index=self.ignore_index, gt_is_boundary=self.gt_is_boundary,
                      matching=self.matching)
        if self.nproc == 1:
            return boundary_counts(*args, **kwargs)
        if self._executor is None:
            # fork: workers start at once and need nothing from the parent's
            # state but numpy/scipy; elsewhere spawn.
            method = 'fork' if 'fork' in multiprocessing.get_all_start_methods() else 'spawn'
            self._executor = ProcessPoolExecutor(
                self.nproc, mp_context=multiprocessing.get_context(method))
        # Keep at most a few images per worker in flight (bounded memory).
        while len(self._pending) >= 4 * self.nproc:
            self._pending.popleft().result()
        future = self._executor.submit(boundary_counts, *args, **kwargs)
        self._pending.append(future)
        return future

    def close(self) -> None:
        """Stop the worker processes (they are started again when needed)."""
        self._pending.clear()
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None

    def compute(self, stats: List[dict]) -> Dict[str, float]:
        """odsF in percent; the best threshold, P and R in the log."""
        matched = sum(s['matched'] for s in stats).astype(np.float64)
        pred = sum(s['pred'] for s in stats).astype(np.float64)
        gt = float(sum(s['gt'] for s in stats))
        precision = np.where(pred > 0, matched / np.maximum(pred, 1), 0.0)
        recall = matched / gt if gt > 0 else np.zeros_like(matched)
        denom = precision + recall
        fscore = np.where(denom > 0, 2 * precision * recall / np.where(denom > 0, denom, 1), 0.0)
        best = int(np.argmax(fscore))
        images = (f'the {len(stats)} images of {self.subset_name}' if self.subset_name else
                  f'all {len(stats)} images with ground truth')
        print_log(f'{self.task}: odsF on {images}: threshold {SEISM_THRESHOLDS[best]:g}, '
                  f'P={100 * precision[best]:.2f} R={100 * recall[best]:.2f} '
                  f'(max_dist={self.max_dist}, {self.matching} matching)', logger='current')
        return {'odsF': float(100 * fscore[best])}
