import cv2
import numpy as np
import pytest
import torch
from mmengine.runner import save_checkpoint
from tiny_models import write_tiny_config

from msm_mm.apis import inference_model, init_model
from msm_mm.datasets import NYUDv2Dataset

TASK_CHANNELS = dict(semseg=1, depth=1, normals=3, edge=1)


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    torch.manual_seed(0)
    return init_model(write_tiny_config(tmp_path_factory.mktemp('cfg') / 'tiny.py'))


def check_prediction(sample, h, w):
    assert sample.ori_shape == (h, w)
    for task, channels in TASK_CHANNELS.items():
        assert sample.get_pred(task).shape == (channels, h, w), task
    assert sample.get_pred('semseg').dtype == torch.long
    assert sample.get_pred('semseg').max() < 5
    edge = sample.get_pred('edge')
    assert ((edge >= 0) & (edge <= 1)).all()
    assert (sample.get_pred('depth') >= 0).all()
    torch.testing.assert_close(sample.get_pred('normals').norm(dim=0), torch.ones(h, w))


def test_init_model_sets_cfg_and_meta(tiny_model):
    assert not tiny_model.training
    assert tiny_model.cfg.model.type == 'MultiTaskSegmentor'
    assert tiny_model.dataset_meta['tasks'] == ('semseg', 'depth', 'normals', 'edge')
    assert tiny_model.dataset_meta['palette'] == NYUDv2Dataset.METAINFO['palette']


def test_inference_on_files_and_arrays(tiny_model, tmp_path):
    # Odd sizes; the second is larger than the pipeline's 64x64 pad size.
    small = np.random.randint(0, 255, (37, 53, 3), np.uint8)
    large = np.random.randint(0, 255, (71, 90, 3), np.uint8)
    path = str(tmp_path / 'small.png')
    cv2.imwrite(path, cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    from_file = inference_model(tiny_model, path)
    check_prediction(from_file, 37, 53)
    assert from_file.sample_id == 'small'
    assert from_file.gt_tasks == []
    batch = inference_model(tiny_model, [large, small])
    assert isinstance(batch, list) and len(batch) == 2
    check_prediction(batch[0], 71, 90)
    check_prediction(batch[1], 37, 53)
    # The array gives the file's prediction, whatever else is in the call.
    for task in TASK_CHANNELS:
        torch.testing.assert_close(batch[1].get_pred(task), from_file.get_pred(task))


def test_inference_errors(tiny_model):
    with pytest.raises(ValueError, match='uint8 RGB'):
        inference_model(tiny_model, np.zeros((8, 8), np.uint8))
    with pytest.raises(TypeError, match='file name or an array'):
        inference_model(tiny_model, 3)
    with pytest.raises(AttributeError, match='init_model'):
        inference_model(torch.nn.Linear(1, 1), 'x.png')


def test_checkpoint_round_trip_and_mismatch(tiny_model, tmp_path):
    ckpt = str(tmp_path / 'tiny.pth')
    meta = dict(dataset_meta=dict(classes=tuple('abcde'), palette=[[1, 2, 3]] * 5))
    save_checkpoint(dict(state_dict=tiny_model.state_dict(), meta=meta), ckpt)
    loaded = init_model(write_tiny_config(tmp_path / 'same.py'), ckpt)
    for key, value in tiny_model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value)
    assert loaded.dataset_meta['classes'] == tuple('abcde')
    assert loaded.dataset_meta['tasks'] == ('semseg', 'depth', 'normals', 'edge')
    with pytest.raises(RuntimeError) as error:
        init_model(
            write_tiny_config(tmp_path / 'other.py', dict(semseg=7, depth=1, normals=3, edge=1)),
            ckpt)
    message = str(error.value)
    assert 'does not fit the model of' in message and 'other.py' in message
    assert 'of another shape (2):\n    decode_head.task_heads.semseg.' in message
    assert 'checkpoint (5,' in message and 'model (7,' in message
    with pytest.raises(RuntimeError,
                       match=r'in the checkpoint but not in the model \(\d+\):\n .*edge'):
        init_model(write_tiny_config(tmp_path / 'no_edge.py', dict(semseg=5, depth=1, normals=3)),
                   ckpt)


def test_pipeline_must_load_rgb_images(tiny_model, monkeypatch):
    cfg = tiny_model.cfg.copy()
    cfg.test_pipeline = [dict(type='LoadImageFromFile')] + cfg.test_pipeline[1:]
    monkeypatch.setattr(tiny_model, 'cfg', cfg)
    with pytest.raises(ValueError, match='must start with LoadRGBImageFromFile'):
        inference_model(tiny_model, np.zeros((8, 8, 3), np.uint8))
