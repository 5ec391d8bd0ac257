import pytest
import torch

from msm_mm.structures import MultiTaskDataSample, sample_name


def test_gt_and_pred_round_trip_in_task_order():
    s = MultiTaskDataSample()
    s.set_gt('edge', torch.zeros(1, 4, 5, dtype=torch.long))
    s.set_gt('normals', torch.zeros(3, 4, 5))
    s.set_gt('semseg', torch.ones(1, 4, 5, dtype=torch.long))
    s.set_pred('depth', torch.full((1, 4, 5), 2.0))
    assert s.gt_tasks == ['semseg', 'edge', 'normals']
    assert torch.equal(s.get_gt('semseg'), torch.ones(1, 4, 5, dtype=torch.long))
    assert s.get_gt('depth') is None
    assert torch.equal(s.get_pred('depth'), torch.full((1, 4, 5), 2.0))


def test_wrong_channels_and_unknown_tasks_are_refused():
    s = MultiTaskDataSample()
    with pytest.raises(ValueError, match=r"normals.*\(3, H, W\)"):
        s.set_gt('normals', torch.zeros(1, 4, 5))
    with pytest.raises(KeyError, match='unknown task'):
        s.set_gt('flow', torch.zeros(2, 4, 5))
    with pytest.raises(KeyError, match='unknown task'):
        s.set_pred('flow', torch.zeros(2, 4, 5))


def test_sample_name():
    assert sample_name(dict(sample_id='0003', img_path='a/b.jpg')) == '0003'
    assert sample_name(dict(sample_id=7)) == '7'
    assert sample_name(dict(img_path='data/images/2008_000002.jpg')) == '2008_000002'
    assert sample_name(MultiTaskDataSample(metainfo=dict(img_path='a/b.png')).metainfo) == 'b'
    assert sample_name({}) is None
