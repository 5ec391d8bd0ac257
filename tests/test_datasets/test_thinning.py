import numpy as np
import pytest
from skimage.morphology import thin as skimage_thin

from msm_mm.datasets.thinning import DELETION_LUTS, thin


def test_luts_are_skimages():
    from skimage.morphology._skeletonize import G123_LUT, G123P_LUT
    np.testing.assert_array_equal(DELETION_LUTS[0], G123_LUT.astype(bool))
    np.testing.assert_array_equal(DELETION_LUTS[1], G123P_LUT.astype(bool))


@pytest.mark.parametrize('density', [0.1, 0.5, 0.9])
def test_equals_skimage(density):
    rng = np.random.default_rng(int(density * 10))
    for _ in range(10):
        mask = rng.random((37, 53)) < density
        np.testing.assert_array_equal(thin(mask), skimage_thin(mask))


def test_shapes_and_empty():
    mask = np.zeros((7, 7), bool)
    mask[1:-1, 2:-2] = True
    mask[0, 1] = True
    np.testing.assert_array_equal(thin(mask), skimage_thin(mask))
    assert not thin(np.zeros((5, 4), bool)).any()
    assert thin(np.ones((1, 1), bool)).dtype == bool
