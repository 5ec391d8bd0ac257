"""A checkpoint crafted to run code is refused, with its name, by every way
a checkpoint is loaded, and nothing in it runs."""
import pickle
import runpy
import sys
from pathlib import Path

import pytest
from crafted_checkpoints import ROUTES, craft
from mmengine.runner import save_checkpoint
from tiny_models import write_tiny_config

from msm_mm.apis import init_model

REPO = Path(__file__).resolve().parents[2]
BASES = ['datasets/nyud.py', 'default_runtime.py', 'schedules/schedule_50k.py']


@pytest.fixture(scope='module')
def config_and_checkpoint(tmp_path_factory):
    """A tiny NYUD config with the repository's runtime and schedule, and a
    checkpoint of its model."""
    folder = tmp_path_factory.mktemp('tiny')
    bases = [str(REPO / 'configs/_base_' / b) for b in BASES]
    tasks = dict(semseg=40, depth=1, normals=3, edge=1)
    config = write_tiny_config(folder / 'tiny_nyud.py', tasks, f'_base_ = {bases}\n')
    checkpoint = str(folder / 'tiny.pth')
    save_checkpoint(dict(state_dict=init_model(config).state_dict(), meta={}), checkpoint)
    return config, checkpoint


def data_options(nyud_root):
    return ['--cfg-options'] + [
        f'{loader}.{key}' for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
        for key in (f'dataset.data_root={nyud_root}', 'num_workers=0',
                    'persistent_workers=False')
    ] + ['test_evaluator.compute_odsf=False', 'train_cfg.max_iters=2']


def run_tool(tool, argv, monkeypatch):
    monkeypatch.setattr(sys, 'argv', [tool] + argv)
    runpy.run_path(str(REPO / 'tools' / tool), run_name='__main__')


ENTRY_POINTS = ['init_model', 'tools/test.py', 'tools/train.py load_from',
                'tools/train.py --resume']


@pytest.mark.parametrize('entry', ENTRY_POINTS)
@pytest.mark.parametrize('route', ROUTES)
def test_crafted_checkpoint_is_refused(config_and_checkpoint, nyud_root, tmp_path,
                                       monkeypatch, entry, route):
    config, checkpoint = config_and_checkpoint
    evil, marker = str(tmp_path / 'evil.pth'), tmp_path / 'ran'
    craft(route, checkpoint, evil, str(marker))
    work_dir = ['--work-dir', str(tmp_path / 'work')]
    with pytest.raises(pickle.UnpicklingError) as err:
        if entry == 'init_model':
            init_model(config, evil)
        elif entry == 'tools/test.py':
            run_tool('test.py', [config, evil] + work_dir + data_options(nyud_root), monkeypatch)
        elif entry == 'tools/train.py load_from':
            run_tool('train.py', [config] + work_dir + data_options(nyud_root) +
                     [f'load_from={evil}'], monkeypatch)
        else:
            run_tool('train.py', [config, '--resume', evil] + work_dir +
                     data_options(nyud_root), monkeypatch)
    assert str(err.value).startswith(f'refused checkpoint {evil}: ')
    assert not marker.exists()
    assert not (tmp_path / 'work' / 'iter_1.pth').exists()  # refused before training
