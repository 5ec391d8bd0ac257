import numpy as np
import pytest
import scipy.sparse as sp
from scipy import ndimage
from scipy.sparse.csgraph import maximum_flow

from msm_mm.evaluation.metrics.boundary_matching import (IncrementalMatching, candidate_pairs,
                                                         match_radius)
from msm_mm.evaluation.metrics.boundary_odsf import SEISM_THRESHOLDS, BoundaryODSF, boundary_counts
from msm_mm.evaluation.metrics.bsds_matching import bsds_correspondence
from msm_mm.evaluation.metrics.edge_nms import edge_nms
from msm_mm.utils.boundary_maps import seism_boundary


def odsf(counts_list):
    metric = BoundaryODSF(max_dist=0.011)
    return metric.compute(counts_list)['odsF']


def stripes(shape=(200, 240), columns=(40, 80, 120, 160, 200)):
    """Vertical 1-px boundaries spanning the image, 40 px apart."""
    edge = np.zeros(shape, np.uint8)
    edge[:, list(columns)] = 1
    return edge


def test_thresholds_are_seism_s():
    assert len(SEISM_THRESHOLDS) == 101
    assert SEISM_THRESHOLDS[0] == 0.001 and SEISM_THRESHOLDS[-1] == 0.999
    np.testing.assert_allclose(SEISM_THRESHOLDS[1:100], np.arange(1, 100) / 100)


def test_nms_keeps_the_ridge_and_ramps_the_border():
    prob = np.zeros((30, 40), np.float32)
    prob[:, 20] = 1.0
    prob = ndimage.gaussian_filter1d(prob, 1.5, axis=1)
    out = edge_nms(prob)
    # Away from the border only the ridge survives.
    assert set(np.flatnonzero(out[15])) == {20}
    # Rows 0..4 are scaled by 0, 0.2, ..., 0.8.
    np.testing.assert_allclose(out[:6, 20] / prob[:6, 20], [0, 0.2, 0.4, 0.6, 0.8, 1.0],
                               rtol=1e-6)
    # Orientation: a blurred diagonal ridge also keeps only its centre.
    rows, cols = np.mgrid[0:40, 0:40]
    diagonal = np.exp(-((rows - cols) / 1.5)**2 / 2).astype(np.float32)
    kept = edge_nms(diagonal)[5:35, 5:35]
    np.testing.assert_array_equal(np.flatnonzero(kept), np.flatnonzero(np.eye(30)))


def flow_reference(pairs):
    """Maximum matching size by max flow (independent of the tested code)."""
    a = pairs.tocoo()
    n1, n2 = a.shape
    s, t = n1 + n2, n1 + n2 + 1
    rows = np.concatenate([np.full(n1, s), a.row, n1 + np.arange(n2)])
    cols = np.concatenate([np.arange(n1), n1 + a.col, np.full(n2, t)])
    graph = sp.csr_matrix((np.ones(len(rows), np.int32), (rows, cols)), shape=(t + 1, t + 1))
    return maximum_flow(graph, s, t).flow_value


def test_incremental_matching_is_maximum():
    rng = np.random.default_rng(1)
    shape = (40, 50)
    for trial in range(5):
        gt = np.flatnonzero(rng.random(shape).ravel() < 0.08)
        pred = np.flatnonzero(rng.random(shape).ravel() < 0.2)
        pairs = candidate_pairs(pred, gt, shape, 2.5)
        matching = IncrementalMatching(pairs)
        for _ in range(8):  # arbitrary changes of the predicted set
            present = np.flatnonzero(rng.random(len(pred)) < rng.uniform(0.1, 1.0))
            size = matching.update(present)
            assert size == flow_reference(pairs[present])
            assert len(np.unique(matching.mate_pred[matching.mate_pred >= 0])) == size


def test_candidate_pairs_radius_is_inclusive():
    shape = (10, 10)
    gt = np.array([0])
    pred = np.array([3, 4, 30, 40])  # distances 3, 4, 3, 4
    pairs = candidate_pairs(pred, gt, shape, 3.0)
    np.testing.assert_array_equal(pairs.toarray()[:, 0], [True, False, True, False])
    assert match_radius((300, 400), 0.01) == pytest.approx(5.0)


def test_ties_are_matched_one_to_one():
    shape = (11, 11)
    gt = np.array([5 * 11 + 5])
    pred = np.array([5 * 11 + 4, 5 * 11 + 6])  # both at distance 1
    assert IncrementalMatching(candidate_pairs(pred, gt, shape, 2.0)).update(np.arange(2)) == 1
    # Two predicted lines on either side of one ground-truth line: every GT
    # pixel is matched once, half of the predicted pixels stay unmatched.
    gt_map = stripes(columns=(120, ))
    prob = np.zeros(gt_map.shape, np.float32)
    prob[:, [118, 122]] = 1.0
    counts = boundary_counts(prob, gt_map, 0.011)
    best = counts['matched'][0]
    assert best == pytest.approx(counts['gt'], rel=0.05)
    assert counts['pred'][0] == pytest.approx(2 * counts['gt'], rel=0.1)


def test_perfect_prediction_scores_near_100():
    rng = np.random.default_rng(2)
    seeds = np.zeros((120, 160), np.int32)
    seeds[rng.integers(0, 120, 25), rng.integers(0, 160, 25)] = np.arange(1, 26)
    _, (r, c) = ndimage.distance_transform_edt(seeds == 0, return_indices=True)
    gt = seism_boundary(seeds[r, c]).astype(np.uint8)
    counts = boundary_counts(gt.astype(np.float32), gt, 0.011)
    # Only the border ramp (5 px) removes predicted pixels.
    assert odsf([counts]) > 95


def test_shifts_within_tolerance_keep_the_score_beyond_collapse_it():
    gt = stripes()  # 200x240: tolerance 0.011 * 312 = 3.4 px
    scores = {}
    for shift in (0, 2, 6):
        prob = np.roll(gt, shift, axis=1).astype(np.float32)
        scores[shift] = odsf([boundary_counts(prob, gt, 0.011)])
    assert scores[0] > 95 and scores[2] > 95
    assert scores[6] < 5


def test_thick_predictions_are_thinned():
    gt = stripes()
    prob = ndimage.maximum_filter1d(gt, 3, axis=1).astype(np.float32)  # 3-px wide lines
    counts = boundary_counts(prob, gt, 0.011)
    assert counts['pred'][0] == pytest.approx(counts['gt'], rel=0.1)
    assert odsf([counts]) > 90


def test_empty_maps():
    empty = np.zeros((50, 60), np.uint8)
    counts = boundary_counts(np.zeros((50, 60), np.float32), empty, 0.011)
    assert counts['gt'] == 0 and not counts['pred'].any() and not counts['matched'].any()
    assert odsf([counts]) == 0
    # An image without ground-truth boundaries only adds false positives.
    gt = stripes()
    perfect = boundary_counts(gt.astype(np.float32), gt, 0.011)
    spurious = boundary_counts(gt.astype(np.float32), np.zeros_like(gt), 0.011)
    assert spurious['gt'] == 0 and spurious['pred'][0] > 0
    assert odsf([perfect, spurious]) < odsf([perfect]) - 10


def test_ignored_pixels_neither_create_nor_hide_boundaries():
    gt = stripes()
    prob = gt.astype(np.float32)
    reference = boundary_counts(prob, gt, 0.011)
    ignored = gt.copy()
    ignored[:, 100:] = 255  # no ground truth on the right part
    extra = prob.copy()
    extra[50, 100:] = 1.0  # predictions there do not count
    counts = boundary_counts(extra, ignored, 0.011)
    assert counts['gt'] == pytest.approx(reference['gt'] * 2 / 5, rel=0.05)
    assert counts['pred'][0] == pytest.approx(reference['pred'][0] * 2 / 5, rel=0.05)


def test_metric_checks_inputs_and_parallel_equals_serial():
    with pytest.raises(ValueError, match='0.011 for NYUD'):
        BoundaryODSF()
    metric = BoundaryODSF(max_dist=0.011)
    gt = stripes()[None]
    with pytest.raises(ValueError, match="sample 'a', task 'edge'"):
        metric.process(np.zeros((1, 10, 10), np.float32), gt, 'a')
    with pytest.raises(ValueError, match='ground truth must be 0, 1 or 255'):
        metric.process(gt.astype(np.float32), gt * 2, 'b')
    serial = metric.process(np.roll(gt, 1, axis=2).astype(np.float32), gt, 'c')
    parallel = BoundaryODSF(max_dist=0.011, nproc=2)
    future = parallel.process(np.roll(gt, 1, axis=2).astype(np.float32), gt, 'c')
    result = future.result()
    parallel.close()
    for key in ('matched', 'pred'):
        np.testing.assert_array_equal(result[key], serial[key])
    assert result['gt'] == serial['gt']


def test_ties_are_decided_in_single_precision():
    """SEISM reads the PNG with im2single and compares in single: level 17 at
    3 px from the border is 17/255 * 3/5 = 0.04 exactly, above 0.04 in float32."""
    shape = (40, 40)
    prob = np.zeros(shape, np.float32)
    prob[:, 3] = 17.5 / 255  # PNG level 17 on column 3 (border ramp 3/5)
    counts = boundary_counts(prob, np.zeros(shape, np.uint8), 0.011)
    at = {round(float(t), 3): int(n) for t, n in zip(SEISM_THRESHOLDS, counts['pred'])}
    assert at[0.04] == 30  # rows 5..34 (the row ramp scales the others below 0.04)
    assert at[0.05] == 0
    # Level 51 (0.2 in float32 too) stays not above 0.2 away from the border.
    prob[:] = 0
    prob[:, 20] = 51.5 / 255
    at = dict(zip(np.round(SEISM_THRESHOLDS, 3), boundary_counts(
        prob, np.zeros(shape, np.uint8), 0.011)['pred']))
    assert at[0.19] == 30 and at[0.2] == 0
    # The NMS border ramp is a float32 division, as in the MEX file.
    assert edge_nms(np.ones((20, 20), np.float32))[3, 10] == np.float32(3) / np.float32(5)


def test_pascal_ground_truth_is_given_as_the_boundary():
    """With gt_is_boundary the map is SEISM's boundary as it is; without, its
    seg2bmap is thinned again (NYUD's binary edge maps)."""
    rng = np.random.default_rng(3)
    seeds = np.zeros((60, 80), np.int32)
    seeds[rng.integers(0, 60, 12), rng.integers(0, 80, 12)] = np.arange(1, 13)
    _, (r, c) = ndimage.distance_transform_edt(seeds == 0, return_indices=True)
    label_map = seeds[r, c]
    boundary = seism_boundary(label_map).astype(np.uint8)
    prob = np.zeros(label_map.shape, np.float32)
    given = boundary_counts(prob, boundary, 0.011, gt_is_boundary=True)
    assert given['gt'] == boundary.sum()
    rebuilt = boundary_counts(prob, boundary, 0.011)
    assert rebuilt['gt'] == seism_boundary(boundary).sum() != boundary.sum()


def test_bsds_correspondence_hand_cases():
    shape = (11, 11)
    gt = np.array([5 * 11 + 5])
    pred = np.array([5 * 11 + 4, 5 * 11 + 6])  # both at distance 1: one pair
    rng = np.random.default_rng(0)
    assert bsds_correspondence(pred, gt, shape, 2.0, rng) == 1
    assert bsds_correspondence(np.array([0]), np.array([10]), shape, 2.0, rng) == 0
    assert bsds_correspondence(np.zeros(0, np.int64), gt, shape, 2.0, rng) == 0
    # Two lines 2 px apart: every pixel pairs, as in a maximum matching.
    line_gt = 3 * 11 + np.arange(11)
    line_pred = 5 * 11 + np.arange(11)
    assert bsds_correspondence(line_pred, line_gt, shape, 2.5, rng) == 11


def test_bsds_matching_is_at_most_maximum_and_seeded():
    """On realistic maps correspondPixels' assignment pairs at most as many
    pixels as a maximum matching, a few fewer in total; a seed repeats it."""
    from synthetic_edges import synthetic_edge_pair
    gt, prob = synthetic_edge_pair((100, 130), seed=4)
    exact = boundary_counts(prob, gt, 0.011)
    bsds = boundary_counts(prob, gt, 0.011, matching='bsds', bsds_seed=1)
    np.testing.assert_array_equal(bsds['pred'], exact['pred'])
    assert (bsds['matched'] <= exact['matched']).all()
    assert 0 < (exact['matched'] - bsds['matched']).sum() < 0.01 * exact['matched'].sum()
    again = boundary_counts(prob, gt, 0.011, matching='bsds', bsds_seed=1)
    np.testing.assert_array_equal(again['matched'], bsds['matched'])
    with pytest.raises(ValueError, match="matching must be 'exact' or 'bsds'"):
        boundary_counts(prob, gt, 0.011, matching='hungarian')
