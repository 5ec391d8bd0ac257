import numpy as np
import pytest
from scipy import ndimage
from skimage.morphology import thin as skimage_thin

from msm_mm.utils.binary_thinning import DELETION_TABLES, SparseThinner, thin


def test_tables_are_skimages():
    from skimage.morphology._skeletonize import G123_LUT, G123P_LUT
    np.testing.assert_array_equal(DELETION_TABLES[0], G123_LUT.astype(bool))
    np.testing.assert_array_equal(DELETION_TABLES[1], G123P_LUT.astype(bool))


@pytest.mark.parametrize('density', [0.1, 0.5, 0.9])
def test_equals_skimage_on_random_masks(density):
    rng = np.random.default_rng(int(density * 10))
    for _ in range(10):
        mask = rng.random((37, 53)) < density
        np.testing.assert_array_equal(thin(mask), skimage_thin(mask))


def test_equals_skimage_on_blobs_and_bands():
    rng = np.random.default_rng(0)
    for i in range(60):
        h, w = rng.integers(5, 40, 2)
        if i % 3 == 0:
            mask = rng.random((h, w)) < rng.uniform(0.2, 0.8)
        elif i % 3 == 1:
            mask = ndimage.gaussian_filter(rng.random((h, w)), 1.5) > 0.5
        else:
            mask = ndimage.binary_dilation(rng.random((h, w)) < 0.05, iterations=2)
        np.testing.assert_array_equal(thin(mask), skimage_thin(mask))


def test_shapes_and_empty():
    mask = np.zeros((7, 7), bool)
    mask[1:-1, 2:-2] = True
    mask[0, 1] = True
    np.testing.assert_array_equal(thin(mask), skimage_thin(mask))
    assert not thin(np.zeros((5, 4), bool)).any()
    assert thin(np.ones((1, 1), bool)).dtype == bool
    with pytest.raises(ValueError, match=r'\(H, W\) map'):
        thin(np.zeros((2, 3, 4), bool))


def test_one_thinner_serves_many_maps():
    """The thinner's scratch image is cleared after each set of pixels."""
    rng = np.random.default_rng(1)
    thinner = SparseThinner((30, 40))
    for _ in range(5):
        mask = ndimage.binary_dilation(rng.random((30, 40)) < 0.03, iterations=2)
        flat = np.flatnonzero(mask)
        kept = np.zeros(mask.size, bool)
        kept[flat[thinner.survivors(thinner.padded(flat))]] = True
        np.testing.assert_array_equal(kept.reshape(mask.shape), skimage_thin(mask))
