import argparse
import logging
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger

from msm_mm.utils import add_common_arguments, check_tasks_match, load_tool_config

ROOT = osp.join(osp.dirname(__file__), '..', '..')
CONFIG = osp.join(ROOT, 'configs/demo/msm_tiny_synthetic-nyud.py')  # max_iters 300, PolyLR end 300


def load(*options):
    parser = argparse.ArgumentParser()
    add_common_arguments(parser)
    args = parser.parse_args([CONFIG] + (['--cfg-options', *options] if options else []))
    return load_tool_config(args)


@pytest.mark.parametrize('option, hint', [
    ('max_iter=2', 'train_cfg.max_iters'),
    ('max_iters=2', 'train_cfg.max_iters'),  # a name of the config file, read only while loading
    ('trian_dataloader.batch_size=1', 'train_dataloader'),
])
def test_options_nothing_reads_are_refused(option, hint):
    with pytest.raises(SystemExit) as err:
        load(option)
    key = option.split('=')[0]
    assert f'  {key}: nothing reads {key.split(".")[0]!r}; did you mean ' in str(err.value)
    assert hint in str(err.value)


def test_read_options_are_merged():
    cfg = load('train_dataloader.batch_size=1', 'load_from=x.pth', 'randomness.seed=3')
    assert cfg.train_dataloader.batch_size == 1 and cfg.load_from == 'x.pth'


def test_schedule_follows_max_iters():
    assert load().param_scheduler[0].end == 300
    assert load('train_cfg.max_iters=40').param_scheduler[0].end == 40


class Records(logging.Handler):

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_schedule_set_apart_is_said():
    records, logger = Records(), MMLogger.get_current_instance()
    logger.addHandler(records)
    try:
        cfg = load('train_cfg.max_iters=2', 'param_scheduler.0.end=4')
    finally:
        logger.removeHandler(records)
    assert cfg.param_scheduler[0].end == 4
    assert records.messages == [
        'param_scheduler.0 (PolyLR) ends at iteration 4 (--cfg-options), training at 2: the '
        'schedule does not end with training']


@pytest.mark.parametrize('value', ['0', '-5', '2.5'])
def test_non_positive_iterations_are_refused(value):
    with pytest.raises(SystemExit, match='train_cfg.max_iters must be a positive integer'):
        load(f'train_cfg.max_iters={value}')


def test_checkpoint_hook_is_the_atomic_one():
    assert load().default_hooks.checkpoint.type == 'AtomicCheckpointHook'


class Model:
    tasks = ('semseg', 'depth', 'normals', 'edge')


def test_dataset_tasks_must_be_the_models():
    cfg = Config.fromfile(CONFIG)
    check_tasks_match(Model(), cfg)  # the dataset class's default tasks
    cfg.train_dataloader.dataset.tasks = ['semseg', 'depth', 'normals']
    with pytest.raises(ValueError, match=r"the model predicts \['semseg', 'depth', 'normals', "
                       r"'edge'\] \(model.decode_head.tasks\) but train_dataloader.dataset "
                       r"\(NYUDv2Dataset\) loads \['semseg', 'depth', 'normals'\]"):
        check_tasks_match(Model(), cfg)


def test_model_tasks_of_another_dataset_are_refused():
    cfg = Config.fromfile(CONFIG)

    class PascalModel:
        tasks = ('semseg', 'human_parts', 'sal', 'normals', 'edge')

    with pytest.raises(ValueError, match='val_dataloader|train_dataloader'):
        check_tasks_match(PascalModel(), cfg)
