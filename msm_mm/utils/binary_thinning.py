"""Thinning of binary maps to 1-pixel-wide curves, on sparse pixel lists.

The algorithm is the parallel thinning of Lam, Lee and Suen (IEEE TPAMI
1992, Section IV, algorithm A1), the one MATLAB's ``bwmorph(bw, 'thin', Inf)``
and :func:`skimage.morphology.thin` implement; the boundary benchmark (SEISM,
BSDS) thins every thresholded edge map with it. Only foreground pixels are
visited, which makes thinning a sparse edge map (a few percent of the pixels)
much cheaper than whole-image filtering, and the result is identical.
PASCAL-Context's training edge labels are thinned with it too.

Neighbours are numbered as in the paper, counter-clockwise from east with
north pointing up (row - 1): x1 = E, x2 = NE, x3 = N, x4 = NW, x5 = W,
x6 = SW, x7 = S, x8 = SE; bit ``k - 1`` of a pixel's 8-bit neighbourhood code
holds x_k.
"""
from typing import Tuple

import numpy as np

# (row, col) offset of neighbour x_k, k = 1..8.
_NEIGHBOUR_OFFSETS = ((0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1))


def _deletion_tables() -> Tuple[np.ndarray, np.ndarray]:
    """Deletion decisions of both sub-iterations for the 256 neighbourhoods.

    A pixel is deleted in the first sub-iteration when conditions G1, G2 and
    G3 of the paper hold, in the second when G1, G2 and G3' hold.
    """
    codes = np.arange(256)
    # x[k] for k = 1..9 (x9 = x1); x[0] unused.
    x = [None] + [(codes >> (k - 1)) & 1 for k in range(1, 9)]
    x.append(x[1])
    # G1: exactly one 0 -> 1 transition pattern around the pixel (X_H = 1).
    crossing = sum((1 - x[2 * i - 1]) & (x[2 * i] | x[2 * i + 1]) for i in range(1, 5))
    g1 = crossing == 1
    # G2: 2 <= min(n1, n2) <= 3.
    n1 = sum(x[2 * k - 1] | x[2 * k] for k in range(1, 5))
    n2 = sum(x[2 * k] | x[2 * k + 1] for k in range(1, 5))
    smaller = np.minimum(n1, n2)
    g2 = (smaller >= 2) & (smaller <= 3)
    # G3: (x2 or x3 or not x8) and x1 == 0; G3': (x6 or x7 or not x4) and x5 == 0.
    g3 = ((x[2] | x[3] | (1 - x[8])) & x[1]) == 0
    g3_prime = ((x[6] | x[7] | (1 - x[4])) & x[5]) == 0
    return g1 & g2 & g3, g1 & g2 & g3_prime


#: Deletion decisions (bool, indexed by neighbourhood code) of the first and
#: second sub-iteration.
DELETION_TABLES = _deletion_tables()


class SparseThinner:
    """Thins sets of pixels of one image size.

    Pixels are addressed by their flat index in the image zero-padded by one
    pixel on each side (:meth:`padded`), so that neighbours never fall
    outside. The instance keeps a scratch image of that size, so thinning
    many maps of the same size (for example one per threshold) allocates
    little.

    Args:
        shape (tuple[int, int]): ``(H, W)`` of the maps.
    """

    def __init__(self, shape: Tuple[int, int]) -> None:
        height, width = shape
        self.shape = (height, width)
        self._padded_width = width + 2
        self._canvas = np.zeros((height + 2) * (width + 2), dtype=np.uint8)
        self._stamp = np.zeros((height + 2) * (width + 2), dtype=np.int64)
        self._offsets = np.array([dr * self._padded_width + dc for dr, dc in _NEIGHBOUR_OFFSETS],
                                 dtype=np.int64)

    def padded(self, flat: np.ndarray) -> np.ndarray:
        """Flat indices in the ``(H, W)`` map -> flat indices in the padded map."""
        rows, cols = np.divmod(np.asarray(flat, dtype=np.int64), self.shape[1])
        return (rows + 1) * self._padded_width + cols + 1

    def _codes(self, pixels: np.ndarray) -> np.ndarray:
        canvas = self._canvas
        codes = np.zeros(len(pixels), dtype=np.uint8)
        for bit, offset in enumerate(self._offsets):
            codes |= canvas[pixels + offset] << np.uint8(bit)
        return codes

    def _unique(self, pixels: np.ndarray) -> np.ndarray:
        """Drop repeated pixels without sorting (the last copy is kept)."""
        stamp = self._stamp
        stamp[pixels] = np.arange(len(pixels))
        return pixels[stamp[pixels] == np.arange(len(pixels))]

    def survivors(self, pixels: np.ndarray) -> np.ndarray:
        """Which pixels of a set survive thinning.

        Args:
            pixels (np.ndarray): Distinct padded flat indices (:meth:`padded`)
                of the foreground.

        Returns:
            np.ndarray: Bool mask over ``pixels``, True for the thinned
            foreground.
        """
        canvas = self._canvas
        canvas[pixels] = 1
        try:
            # Sub-iterations alternate; each decides on all pixels at once
            # from the state before it. A pixel whose neighbourhood did not
            # change since a table last kept it is kept by that table again,
            # so after the first pass only neighbours of deletions are revisited.
            pending = [pixels, pixels]
            step = 0
            while len(pending[0]) or len(pending[1]):
                which = step % 2
                candidates = pending[which]
                candidates = candidates[canvas[candidates] == 1]
                deleted = candidates[DELETION_TABLES[which][self._codes(candidates)]]
                pending[which] = deleted[:0]
                if len(deleted):
                    canvas[deleted] = 0
                    touched = (deleted[:, None] + self._offsets[None, :]).ravel()
                    touched = touched[canvas[touched] == 1]
                    pending[0] = self._unique(np.concatenate([pending[0], touched]))
                    pending[1] = self._unique(np.concatenate([pending[1], touched]))
                step += 1
            return canvas[pixels] == 1
        finally:
            canvas[pixels] = 0


def thin(mask: np.ndarray) -> np.ndarray:
    """Thin a binary map to 1-pixel-wide curves (``bwmorph(mask, 'thin', Inf)``).

    Args:
        mask (np.ndarray): ``(H, W)`` map, non-zero = foreground.

    Returns:
        np.ndarray: ``(H, W)`` bool map of the thinned foreground.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f'thin expects an (H, W) map, got shape {mask.shape}')
    flat = np.flatnonzero(mask)
    thinner = SparseThinner(mask.shape)
    out = np.zeros(mask.size, dtype=bool)
    out[flat[thinner.survivors(thinner.padded(flat))]] = True
    return out.reshape(mask.shape)
