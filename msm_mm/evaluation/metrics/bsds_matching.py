"""The pixel correspondence of BSDS's ``correspondPixels``, as SEISM runs it.

``correspondPixels(pred, gt, maxDist)`` (BSDS500 benchmark, ``match.cc``)
does not compute a maximum matching. It builds an assignment problem on
``n = n1 + n2`` nodes per side, ``n1`` / ``n2`` the predicted / ground-truth
pixels that have a partner within the radius ``r = maxDist * diagonal``:

- every pair within ``r`` costs ``rint(100 * distance)``;
- every predicted pixel is joined to ``d1 = min(6, n1 - 1)`` outlier nodes
  chosen at random among the ``n1 - 1`` not its own, every ground-truth
  pixel to ``d2 = min(6, n2 - 1)`` likewise, at cost ``ow = ceil(100 * oc)``
  with the outlier cost ``oc = 100 * r``;
- each of the ``max(n1, n2)`` outlier nodes of the larger side is joined to
  ``min(6, n1, n2)`` random outlier nodes of the other side, cost ``ow``;
- a pixel's own outlier node costs ``100 * ow`` (which makes a perfect
  assignment exist);

then solves it exactly (Goldberg's cost-scaling assignment, CSA), and the
pairs of the optimum between two real pixels are the correspondence. Because
the outlier edges are a sparse random sample, the optimum can leave pixels
unpaired that a maximum matching pairs (a pixel whose few outlier nodes are
taken must pair up, or the assignment gets dearer elsewhere): the counts
depend on the random draw, and are at most the maximum matching's.

:func:`bsds_correspondence` builds the same graph, with the outlier nodes
drawn from a seeded NumPy generator (BSDS seeds its own generator from the
clock, so two of its runs differ as well; a fixed seed makes ours
repeatable), and solves it exactly with scipy's sparse Jonker-Volgenant
assignment. Nodes are numbered as ``match.cc`` numbers them (column by
column). Among several optimal assignments the solvers may choose
different ones; which pixels pair may then differ, rarely their number.
"""
from typing import Tuple

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .boundary_matching import candidate_pairs

#: correspondPixels' constants: integer cost scale, outlier cost (times the
#: radius) and the number of random outlier edges per node.
COST_SCALE = 100
OUTLIER_COST = 100
OUTLIER_DEGREE = 6


def _random_others(rng: np.random.Generator, count: int, n: int, k: int,
                   skip_own: bool) -> np.ndarray:
    """``(count, k)`` distinct values per row from ``range(n)`` (row ``i``
    never holds ``i`` when ``skip_own``: drawn from ``n - 1`` and shifted)."""
    pool = n - 1 if skip_own else n
    if k == 0 or count == 0:
        return np.zeros((count, k), np.int64)
    if pool <= 4 * k:  # small pools: a permutation per row
        values = np.stack([rng.permutation(pool)[:k] for _ in range(count)])
    else:  # large pools: draw, redraw the rows with a repeat
        values = rng.integers(0, pool, (count, k))
        while True:
            ordered = np.sort(values, axis=1)
            repeated = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
            if not len(repeated):
                break
            values[repeated] = rng.integers(0, pool, (len(repeated), k))
    if skip_own:
        values = values + (values >= np.arange(count)[:, None])
    return values


def bsds_correspondence(pred: np.ndarray, gt: np.ndarray, shape: Tuple[int, int],
                        radius: float, rng: np.random.Generator) -> int:
    """Pairs in the correspondence of BSDS's ``correspondPixels``.

    Args:
        pred (np.ndarray): Flat indices of the predicted boundary pixels.
        gt (np.ndarray): Flat indices of the ground-truth boundary pixels.
        shape (tuple[int, int]): ``(H, W)`` of the map.
        radius (float): Largest pairing distance in pixels (inclusive).
        rng (np.random.Generator): Draws the outlier edges.

    Returns:
        int: The number of predicted pixels paired with a ground-truth pixel.
    """
    height, width = shape
    pairs = candidate_pairs(pred, gt, shape, radius).tocoo()
    if pairs.nnz == 0:
        return 0
    # Matchable pixels, numbered column by column as match.cc numbers them.
    pred_nodes = np.unique(pairs.row)
    gt_nodes = np.unique(pairs.col)
    pred_order = np.lexsort((pred[pred_nodes] // width, pred[pred_nodes] % width))
    gt_order = np.lexsort((gt[gt_nodes] // width, gt[gt_nodes] % width))
    pred_id = np.empty(len(pred), np.int64)
    pred_id[pred_nodes[pred_order]] = np.arange(len(pred_nodes))
    gt_id = np.empty(len(gt), np.int64)
    gt_id[gt_nodes[gt_order]] = np.arange(len(gt_nodes))
    n1, n2 = len(pred_nodes), len(gt_nodes)
    n = n1 + n2

    rows, cols, costs = [], [], []

    def add(r: np.ndarray, c: np.ndarray, cost) -> None:
        rows.append(np.ravel(r))
        cols.append(np.ravel(c))
        costs.append(np.broadcast_to(cost, np.shape(np.ravel(r))).astype(np.float64))

    # Real pairs: rint(100 * distance) (rint rounds half to even, as C's).
    p_row, p_col = np.divmod(pred[pairs.row], width)
    g_row, g_col = np.divmod(gt[pairs.col], width)
    distance = np.hypot((p_row - g_row).astype(np.float64), (p_col - g_col).astype(np.float64))
    add(pred_id[pairs.row], gt_id[pairs.col], np.rint(distance * COST_SCALE))
    outlier = float(np.ceil(OUTLIER_COST * radius * COST_SCALE))
    # Predicted pixel i -> outlier nodes n2 + j of the ground-truth side, j != i.
    d1 = min(OUTLIER_DEGREE, n1 - 1)
    d2 = min(OUTLIER_DEGREE, n2 - 1)
    d3 = min(OUTLIER_DEGREE, n1, n2)
    others = _random_others(rng, n1, n1, d1, skip_own=True)
    add(np.repeat(np.arange(n1), d1), n2 + others, outlier)
    # Outlier nodes n1 + i of the predicted side -> ground-truth pixel j, i != j.
    others = _random_others(rng, n2, n2, d2, skip_own=True)
    add(n1 + others, np.repeat(np.arange(n2), d2), outlier)
    # Outlier to outlier: each node of the larger side to d3 of the smaller.
    larger = np.repeat(np.arange(max(n1, n2)), d3)
    smaller = _random_others(rng, max(n1, n2), min(n1, n2), d3, skip_own=False).ravel()
    if n1 < n2:
        add(n1 + larger, n2 + smaller, outlier)
    else:
        add(n1 + smaller, n2 + larger, outlier)
    # Every pixel to its own outlier node, dearest.
    add(np.arange(n1), n2 + np.arange(n1), outlier * COST_SCALE)
    add(n1 + np.arange(n2), np.arange(n2), outlier * COST_SCALE)

    # +1: scipy's solver needs non-zero weights (a constant on every edge of
    # a perfect assignment does not change which one is optimal).
    graph = coo_matrix((np.concatenate(costs) + 1, (np.concatenate(rows), np.concatenate(cols))),
                       shape=(n, n)).tocsr()
    left, right = min_weight_full_bipartite_matching(graph)
    return int(np.count_nonzero((left < n1) & (right < n2)))
