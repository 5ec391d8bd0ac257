import math
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.structures import BaseDataElement
from toy_runner import ToyMultiTaskModel, toy_runner

from msm_mm.engine.hooks import NonFiniteLossHook
from msm_mm.engine.hooks.non_finite_loss_hook import batch_sample_ids, loss_task


def fake_runner():
    return SimpleNamespace(iter=6, max_iters=10, work_dir='work_dirs/x')


def test_loss_task_names():
    assert loss_task('decode.loss_depth') == 'depth'
    assert loss_task('decode.normals_raw') == 'normals'
    assert loss_task('loss') == 'loss'


def test_finite_losses_pass():
    outputs = {'loss': torch.tensor(1.5), 'decode.loss_depth': torch.tensor(0.5)}
    NonFiniteLossHook().after_train_iter(fake_runner(), 0, None, outputs)
    NonFiniteLossHook().after_train_iter(fake_runner(), 0, None, None)


def test_nan_names_iteration_task_and_samples():
    batch = dict(data_samples=[BaseDataElement(metainfo=dict(sample_id='0003')),
                               BaseDataElement(metainfo=dict(img_path='a/b.jpg'))])
    outputs = {'loss': torch.tensor(math.nan), 'decode.loss_semseg': torch.tensor(0.2),
               'decode.loss_depth': torch.tensor(math.nan),
               'decode.loss_edge': torch.tensor(math.inf)}
    with pytest.raises(FloatingPointError) as err:
        NonFiniteLossHook().after_train_iter(fake_runner(), 0, batch, outputs)
    msg = str(err.value)
    assert 'iteration 7 of 10' in msg
    assert 'task(s): depth, edge.' in msg
    assert 'semseg' not in msg.split('Losses')[0]
    assert '0003, b' in msg  # sample_id, else the image file name without extension
    assert batch_sample_ids(None) == []


def test_inf_total_loss_only():
    with pytest.raises(FloatingPointError, match=r'total loss only'):
        NonFiniteLossHook().after_train_iter(fake_runner(), 0, None,
                                             {'loss': torch.tensor(math.inf)})


def test_runner_stops_at_the_nan_iteration(tmp_path):
    runner = toy_runner(tmp_path, model=ToyMultiTaskModel(nan_from=3), max_iters=6)
    with pytest.raises(FloatingPointError, match=r'iteration 3 of 6; task\(s\): depth\.') as err:
        runner.train()
    assert 'img4, img5' in str(err.value)
    # the checkpoint hook runs after this hook: iterations 1 and 2 are saved, 3 is not
    assert osp.isfile(tmp_path / 'iter_2.pth')
    assert not osp.exists(tmp_path / 'iter_3.pth')
