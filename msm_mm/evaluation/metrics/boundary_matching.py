"""Pixel correspondence of the boundary benchmark.

The correspondence replaces BSDS's ``correspondPixels``: that function
solves a minimum-cost assignment in which a predicted and a ground-truth
boundary pixel may be paired when their Euclidean distance is at most
``max_dist * sqrt(H ** 2 + W ** 2)``, and an unpaired pixel costs 100 times
that distance. Because one more pair always saves more than any pair's
distance, its optimum has maximum cardinality, and the benchmark only counts
pairs. We therefore compute the size of a maximum bipartite matching on the
same candidate pairs, exactly; which pixels end up paired (BSDS prefers
short pairs among maximum matchings) does not change any count.

The benchmark matches one ground truth against the prediction at 101
thresholds, and neighbouring thresholds differ by few pixels, so
:class:`IncrementalMatching` keeps the matching from one threshold to the
next, extends it greedily and completes it with augmenting paths found by
breadth-first search (scipy, compiled); the search that finds no augmenting
path certifies the matching maximum (Berge's theorem).
(``scipy.sparse.csgraph.maximum_bipartite_matching`` is not used: its
Hopcroft-Karp search takes exponential time on chain-like graphs such as
boundaries, scipy issue #26147.)
"""
from typing import Optional, Tuple

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order


def match_radius(shape: Tuple[int, int], max_dist: float) -> float:
    """Correspondence radius in pixels: ``max_dist`` times the image diagonal."""
    height, width = shape
    return max_dist * float(np.sqrt(height * height + width * width))


def candidate_pairs(pred: np.ndarray, gt: np.ndarray, shape: Tuple[int, int],
                    radius: float) -> csr_matrix:
    """Which predicted pixels may be paired with which ground-truth pixels.

    Args:
        pred (np.ndarray): Flat indices of predicted boundary pixels.
        gt (np.ndarray): Flat indices of ground-truth boundary pixels.
        shape (tuple[int, int]): ``(H, W)`` of the map.
        radius (float): Largest pairing distance in pixels (inclusive).

    Returns:
        csr_matrix: ``(len(pred), len(gt))`` bool matrix, True where the two
        pixels are within ``radius``; each row lists its candidates nearest
        first (indices not sorted by column).
    """
    height, width = shape
    # Scan around the (fewer) ground-truth pixels for predicted ones.
    lookup = np.full(height * width, -1, dtype=np.int64)
    lookup[pred] = np.arange(len(pred))
    gt_rows, gt_cols = np.divmod(np.asarray(gt, dtype=np.int64), width)
    reach = int(np.floor(radius))
    offsets = [(dr, dc) for dr in range(-reach, reach + 1) for dc in range(-reach, reach + 1)
               if dr * dr + dc * dc <= radius * radius]
    offsets.sort(key=lambda o: o[0] * o[0] + o[1] * o[1])
    pair_pred, pair_gt = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for dr, dc in offsets:
        rows = gt_rows + dr
        cols = gt_cols + dc
        inside = np.flatnonzero((rows >= 0) & (rows < height) & (cols >= 0) & (cols < width))
        hit = lookup[rows[inside] * width + cols[inside]]
        found = hit >= 0
        pair_pred.append(hit[found])
        pair_gt.append(inside[found])
    pair_pred = np.concatenate(pair_pred)
    pair_gt = np.concatenate(pair_gt)
    # A stable sort by row keeps each row's candidates nearest first.
    order = np.argsort(pair_pred, kind='stable')
    indptr = np.zeros(len(pred) + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_pred, minlength=len(pred)), out=indptr[1:])
    return csr_matrix((np.ones(len(order), dtype=bool), pair_gt[order], indptr),
                      shape=(len(pred), len(gt)))


def _row_entries(indptr: np.ndarray, rows: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Positions in a CSR index array of the entries of ``rows``, and their row."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return shift + np.arange(total), np.repeat(rows, lengths)


class IncrementalMatching:
    """Maximum matching between a changing set of predicted pixels and the GT.

    Args:
        pairs (csr_matrix): Candidate pairs from :func:`candidate_pairs`
            between every predicted pixel that may ever be present (rows) and
            the ground-truth pixels (columns).
    """

    def __init__(self, pairs: csr_matrix) -> None:
        num_pred, num_gt = pairs.shape
        self._num_pred, self._num_gt = num_pred, num_gt
        self._indptr = pairs.indptr.astype(np.int64)
        self._nearest_first = pairs.indices.astype(np.int64)
        self._has_candidate = np.diff(self._indptr) > 0
        self.mate_pred = np.full(num_pred, -1, dtype=np.int64)
        self.mate_gt = np.full(num_gt, -1, dtype=np.int64)
        # GT pixels from which no augmenting path continues (None: unknown),
        # see _is_maximum.
        self._dead_gt: Optional[np.ndarray] = None
        # The alternating graph searched for augmenting paths. Nodes: the
        # predicted pixels, the GT pixels, a source and a dead end. Edges:
        # predicted -> GT along every candidate pair (fixed), GT -> its
        # matched predicted pixel (else the dead end), source -> the free
        # predicted pixels (padded with the dead end). Every row has a fixed
        # length, so the graph is built once and only the GT and source rows
        # are rewritten before each search.
        self._source = num_pred + num_gt
        self._dead_end = self._source + 1
        nnz = len(self._nearest_first)
        indices = np.concatenate([
            self._nearest_first + num_pred,
            np.full(num_gt + num_pred, self._dead_end),
        ])
        indptr = np.concatenate([
            self._indptr,
            nnz + np.arange(1, num_gt + 1),
            [nnz + num_gt + num_pred] * 2,
        ])
        self._graph = csr_matrix((np.ones(len(indices)), indices, indptr),
                                 shape=(self._dead_end + 1, self._dead_end + 1))
        self._gt_rows = slice(nnz, nnz + num_gt)
        self._source_row = slice(nnz + num_gt, nnz + num_gt + num_pred)

    def update(self, present: np.ndarray) -> int:
        """Make the matching maximum for the predicted pixels ``present``.

        Args:
            present (np.ndarray): Row indices of the predicted pixels present.

        Returns:
            int: Size of a maximum matching.
        """
        is_present = np.zeros(self._num_pred, dtype=bool)
        is_present[present] = True
        gone = np.flatnonzero((self.mate_pred >= 0) & ~is_present)
        freed = self.mate_pred[gone]
        self.mate_gt[freed] = -1
        self.mate_pred[gone] = -1
        present = present[self._has_candidate[present]]
        claimed = self._extend_greedily(present[self.mate_pred[present] < 0])
        free = present[self.mate_pred[present] < 0]
        changed = np.concatenate([freed, claimed])
        while not self._is_maximum(free, changed) and self._augment(free):
            free = present[self.mate_pred[present] < 0]
            changed = changed[:0]
        return len(present) - len(free)

    def _is_maximum(self, free: np.ndarray, changed: np.ndarray) -> bool:
        """Whether the matching is maximum, without searching the graph if possible.

        The last search left ``_dead_gt``: GT pixels from which no augmenting
        path continues. That set stays closed (each of its GT pixels is
        matched, and its mate's candidates are in the set) as predicted
        pixels come and go, except where a GT pixel of the set changed its
        mate; those ``changed`` pixels are checked. When, in addition, every
        candidate of every free predicted pixel is in the set, no augmenting
        path exists.

        Args:
            free (np.ndarray): The free predicted pixels present.
            changed (np.ndarray): GT pixels whose mate changed since the set
                was computed (freed or newly claimed).
        """
        if len(free) == 0:
            self._dead_gt = np.zeros(self._num_gt, dtype=bool)
            return True
        if not (self.mate_gt < 0).any():
            self._dead_gt = np.ones(self._num_gt, dtype=bool)
            return True
        dead = self._dead_gt
        if dead is None:
            return False
        changed = changed[dead[changed]]
        mates = self.mate_gt[changed]
        if (mates < 0).any():  # a freed GT pixel inside the set
            self._dead_gt = None
            return False
        for rows in (mates, free):
            entries, _ = _row_entries(self._indptr, rows)
            if not dead[self._nearest_first[entries]].all():
                self._dead_gt = None
                return False
        return True

    def _extend_greedily(self, free: np.ndarray) -> np.ndarray:
        """Pair free predicted pixels with their nearest free GT candidate.

        Returns:
            np.ndarray: The GT pixels claimed.
        """
        claim = np.zeros(self._num_gt, dtype=np.int64)
        claimed = [np.zeros(0, dtype=np.int64)]
        while len(free):
            entries, rows = _row_entries(self._indptr, free)
            gts = self._nearest_first[entries]
            open_ = self.mate_gt[gts] < 0
            if not open_.any():
                break
            rows, gts = rows[open_], gts[open_]
            # Entries are grouped by row, nearest first: take each row's first.
            first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            rows, gts = rows[first], gts[first]
            # One claimant per GT pixel wins (the last one written).
            claim[gts] = np.arange(len(gts))
            won = claim[gts] == np.arange(len(gts))
            self.mate_pred[rows[won]] = gts[won]
            self.mate_gt[gts[won]] = rows[won]
            claimed.append(gts[won])
            free = free[self.mate_pred[free] < 0]
        return np.concatenate(claimed)

    def _augment(self, free: np.ndarray) -> bool:
        """Augment along vertex-disjoint augmenting paths found by one BFS.

        Args:
            free (np.ndarray): The free predicted pixels (not empty), while
                some GT pixel is free.

        Returns:
            bool: Whether any path was found (False certifies maximality).
        """
        num_pred, source = self._num_pred, self._source
        indices = self._graph.indices
        indices[self._gt_rows] = np.where(self.mate_gt >= 0, self.mate_gt, self._dead_end)
        source_row = indices[self._source_row]
        source_row[:len(free)] = free
        source_row[len(free):] = self._dead_end
        order, parent = breadth_first_order(self._graph, source, directed=True,
                                            return_predecessors=True)
        reached = order[(order >= num_pred) & (order < source)]
        ends = reached[self.mate_gt[reached - num_pred] < 0]
        if len(ends) == 0:  # maximum (Berge); remember where paths die
            self._dead_gt = np.zeros(self._num_gt, dtype=bool)
            self._dead_gt[reached - num_pred] = True
            return False
        self._dead_gt = None
        # Two tree paths to the source share a node only if they share the
        # source's child (the free predicted pixel they start from): keep one
        # path per start. Starts by pointer jumping on the reached nodes
        # (log2 of the path length rounds).
        nodes = order[1:]  # order[0] is the source
        compact = np.empty(len(parent), dtype=np.int64)
        compact[nodes] = np.arange(len(nodes))
        up = compact[np.where(parent[nodes] == source, nodes, parent[nodes])]
        end_pos = compact[ends]
        while True:
            jumped = up[up]
            if np.array_equal(jumped[end_pos], up[end_pos]):
                break
            up = jumped
        _, keep = np.unique(up[end_pos], return_index=True)
        gt_nodes = ends[keep]
        # Flip each path: every GT node takes the predicted node before it.
        while len(gt_nodes):
            preds = parent[gt_nodes]
            self.mate_gt[gt_nodes - num_pred] = preds
            self.mate_pred[preds] = gt_nodes - num_pred
            gt_nodes = parent[preds]
            gt_nodes = gt_nodes[gt_nodes != source]
        return True
