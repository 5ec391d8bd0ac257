import numpy as np
import pytest
from skimage.morphology import thin as skimage_thin

from msm_mm.utils.boundary_maps import seg2bmap, seism_boundary


def test_seg2bmap_hand_case():
    seg = np.array([[1, 1, 2], [1, 1, 2], [3, 3, 3]])
    expected = np.array([[0, 1, 0], [1, 1, 1], [0, 0, 0]], bool)
    np.testing.assert_array_equal(seg2bmap(seg), expected)
    with pytest.raises(ValueError, match=r'\(H, W\) map'):
        seg2bmap(np.zeros((3, )))


def test_seism_boundary_is_the_thinned_seg2bmap():
    seg = np.zeros((9, 9), np.uint16)
    seg[3:6, 3:6] = 7
    ring = seg2bmap(seg)
    assert ring.sum() == 12  # rows / columns 2..5 minus the 2x2 inside
    np.testing.assert_array_equal(seism_boundary(seg), skimage_thin(ring))
