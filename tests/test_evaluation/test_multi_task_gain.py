import pytest

from msm_mm.evaluation.metrics import SINGLE_TASK_BASELINES, multi_task_gain
from msm_mm.evaluation.metrics.multi_task_gain import resolve_baseline

DIRECTIONS = {'semseg/mIoU': False, 'depth/rmse': True, 'normals/mean': True, 'edge/odsF': False}


def test_paper_rows():
    baseline = resolve_baseline('nyud_swin_l')
    mtmamba = {'semseg/mIoU': 55.82, 'depth/rmse': 0.5066, 'normals/mean': 18.63,
               'edge/odsF': 78.70}
    assert multi_task_gain(mtmamba, baseline, DIRECTIONS) == pytest.approx(2.38, abs=0.005)
    msm = {'semseg/mIoU': 57.79, 'depth/rmse': 0.4832, 'normals/mean': 18.63,
           'edge/odsF': 79.00}
    assert multi_task_gain(msm, baseline, DIRECTIONS) == pytest.approx(4.51, abs=0.01)
    assert multi_task_gain(baseline, baseline, DIRECTIONS) == 0


def test_signs_of_lower_is_better_tasks():
    baseline = {'depth/rmse': 0.5, 'semseg/mIoU': 50.0}
    # Lower RMSE is a gain, higher mIoU is a gain.
    assert multi_task_gain({'depth/rmse': 0.4, 'semseg/mIoU': 50.0}, baseline,
                           DIRECTIONS) == pytest.approx(10.0)
    assert multi_task_gain({'depth/rmse': 0.6, 'semseg/mIoU': 50.0}, baseline,
                           DIRECTIONS) == pytest.approx(-10.0)
    assert multi_task_gain({'depth/rmse': 0.5, 'semseg/mIoU': 40.0}, baseline,
                           DIRECTIONS) == pytest.approx(-10.0)


def test_errors():
    with pytest.raises(KeyError, match='nyud_swin_l'):
        resolve_baseline('pascal')
    with pytest.raises(ValueError, match='divides'):
        resolve_baseline({'depth/rmse': 0})
    with pytest.raises(KeyError, match='no result'):
        multi_task_gain({}, {'depth/rmse': 0.5}, DIRECTIONS)
    with pytest.raises(KeyError, match='direction'):
        multi_task_gain({'x/y': 1.0}, {'x/y': 2.0}, DIRECTIONS)
    assert 'nyud_swin_l' in SINGLE_TASK_BASELINES
