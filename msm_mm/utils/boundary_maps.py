"""Ground-truth boundary maps of the boundary benchmark (BSDS, SEISM).

``seg2bmap`` follows the BSDS function of that name (boundaries offset half
a pixel towards the origin); ``seism_boundary`` thins it as SEISM does.
"""
import numpy as np

from .binary_thinning import thin


def seg2bmap(seg: np.ndarray) -> np.ndarray:
    """Boundary map of a segmentation: a pixel differs from E, S or SE.

    As BSDS's ``seg2bmap``: the last row compares only with its east
    neighbour, the last column only with its south neighbour, and the
    bottom-right pixel is never a boundary.

    Args:
        seg (np.ndarray): ``(H, W)`` label map.

    Returns:
        np.ndarray: ``(H, W)`` bool boundary map.
    """
    seg = np.asarray(seg)
    if seg.ndim != 2:
        raise ValueError(f'seg2bmap expects an (H, W) map, got shape {seg.shape}')
    bmap = np.zeros(seg.shape, dtype=bool)
    bmap[:, :-1] |= seg[:, :-1] != seg[:, 1:]
    bmap[:-1, :] |= seg[:-1, :] != seg[1:, :]
    bmap[:-1, :-1] |= seg[:-1, :-1] != seg[1:, 1:]
    bmap[-1, -1] = False
    return bmap


def seism_boundary(seg: np.ndarray) -> np.ndarray:
    """SEISM's ground-truth boundary of a segmentation: ``thin(seg2bmap(seg))``.

    SEISM's ``edgesEvalImg.m`` builds every ground-truth boundary map this
    way (``bwmorph(seg2bmap(G), 'thin', Inf)``) from the map that its
    ``db_gt.m`` reads: NYUD-v2's ``edge/<id>.png``, PASCAL-Context's
    ``LabelMap``.

    Args:
        seg (np.ndarray): ``(H, W)`` label map.

    Returns:
        np.ndarray: ``(H, W)`` bool boundary map, 1 pixel wide.
    """
    return thin(seg2bmap(seg))
