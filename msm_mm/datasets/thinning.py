"""Thinning of binary masks to 1-pixel lines, as ``skimage.morphology.thin``.

The same algorithm (Guo and Hall, 1989: two sub-iterations that delete
pixels chosen by a look-up table of their 8 neighbours, until nothing
changes) with OpenCV's correlation, several times faster than skimage's
``ndimage.correlate``; the PASCAL edge labels are thinned once per image
load. ``tests/test_datasets/test_thinning.py`` checks equality with skimage.
"""
import cv2
import numpy as np

# Weights giving each neighbour's bit: E, NE, N, NW, W, SW, S, SE = bits 0..7.
_NEIGHBOUR_BITS = np.array([[8, 4, 2], [16, 0, 1], [32, 64, 128]], np.float32)


def _deletion_luts() -> tuple:
    """Which 8-neighbourhoods delete the centre pixel, per sub-iteration."""
    x = [(np.arange(256) >> i & 1).astype(bool) for i in range(8)]
    # G1: exactly one transition from background to a 4-connected run.
    g1 = sum(~x[i] & (x[i + 1] | x[(i + 2) % 8]) for i in (0, 2, 4, 6)) == 1
    # G2: 2 or 3 neighbours in the smaller of the two pairings.
    n1 = sum(x[k] | x[k - 1] for k in (1, 3, 5, 7))
    n2 = sum(x[k] | x[(k + 1) % 8] for k in (1, 3, 5, 7))
    g2 = np.isin(np.minimum(n1, n2), (2, 3))
    # G3 / G3': not on the north-east / south-west side of a line.
    g3 = ~((x[1] | x[2] | ~x[7]) & x[0])
    g3p = ~((x[5] | x[6] | ~x[3]) & x[4])
    return g1 & g2 & g3, g1 & g2 & g3p


DELETION_LUTS = _deletion_luts()
# 0 where a pixel is deleted, 1 where it is kept (uint8 for cv2.LUT).
_KEEP_LUTS = [(~lut).astype(np.uint8) for lut in DELETION_LUTS]


def thin(mask: np.ndarray) -> np.ndarray:
    """Thin a binary mask to 1-pixel lines.

    Args:
        mask (np.ndarray): ``(H, W)`` bool (or 0 / 1) mask.

    Returns:
        np.ndarray: ``(H, W)`` bool, equal to
        ``skimage.morphology.thin(mask)``.
    """
    skel = mask.astype(np.uint8)
    changed = True
    while changed:
        before = cv2.countNonZero(skel)
        for keep in _KEEP_LUTS:
            # Correlation with zero border, as ndimage.correlate(mode='constant').
            code = cv2.filter2D(skel, -1, _NEIGHBOUR_BITS, borderType=cv2.BORDER_CONSTANT)
            skel &= cv2.LUT(code, keep)
        changed = cv2.countNonZero(skel) != before
    return skel.astype(bool)
