"""End to end, from the repository, as a user runs it (``slow``: about 2 minutes
on 2 CPU cores): synthetic data -> demo training -> tools/test.py (and its
refusal of a checkpoint of another model) -> image demo; an interrupted and
resumed training ends with the same weights as an uninterrupted one;
two-process training with tools/dist_train.sh (gloo on the CPU).

The commands run with one OpenMP thread unless OMP_NUM_THREADS is set: on a
shared 2-core machine two threads are many times slower. Run alone with
``python -m pytest tests/test_e2e -q``; skip with ``-m "not slow"``.
"""
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

import msm_mm  # noqa: F401  (lets torch's safe loader read mmengine checkpoints)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/demo/msm_tiny_synthetic-nyud.py'

pytestmark = pytest.mark.slow


def run(*args, env=None):
    """Run a command from the repository root; fail with its output."""
    env = dict(os.environ, **(env or {}))
    env.setdefault('OMP_NUM_THREADS', '1')
    proc = subprocess.run(list(args), cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, (f'{" ".join(args)} exited {proc.returncode}\n'
                                  f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc.stdout + proc.stderr


def options(data_root, max_iters, **extra):
    """--cfg-options of a short demo run on ``data_root``."""
    opts = {
        'train_dataloader.dataset.data_root': data_root,
        'val_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.data_root': data_root,
        'train_cfg.max_iters': max_iters,
        'train_cfg.val_interval': 4,
        'default_hooks.checkpoint.interval': 2,
        'default_hooks.logger.interval': 1,
        'param_scheduler.0.end': 4,  # the schedule of a 4-iteration run, also when stopped at 2
    }
    opts.update(extra)
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def state_dict(path):
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('e2e') / 'synthetic_nyud')
    run(sys.executable, 'tools/dataset_converters/generate_synthetic.py', 'nyud', root,
        '--train', '8', '--val', '2', '--size', '60', '80')
    return root


@pytest.fixture(scope='module')
def trained(data_root, tmp_path_factory):
    """Work dir of an uninterrupted 4-iteration demo training."""
    work_dir = str(tmp_path_factory.mktemp('e2e') / 'full')
    log = run(sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
              *options(data_root, 4))
    assert 'Iter(train) [4/4]' in log
    assert 'Iter(val) [2/2]' in log
    return work_dir


def test_train_saves_checkpoints(trained):
    assert osp.isfile(osp.join(trained, 'iter_2.pth'))
    assert osp.isfile(osp.join(trained, 'iter_4.pth'))


def test_tools_test_writes_metrics(trained, data_root, tmp_path):
    run(sys.executable, 'tools/test.py', CONFIG, osp.join(trained, 'iter_4.pth'),
        '--work-dir', str(tmp_path), *options(data_root, 4))
    logs = glob.glob(str(tmp_path / '*' / '*.json'))
    assert logs, f'no metrics JSON under {tmp_path}'
    metrics = json.load(open(logs[0]))
    for name in ('semseg/mIoU', 'depth/rmse', 'normals/mean', 'edge/odsF'):
        assert name in metrics, sorted(metrics)


def test_tools_test_rejects_a_checkpoint_of_another_model(trained, data_root, tmp_path):
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', CONFIG, osp.join(trained, 'iter_4.pth'), '--work-dir',
         str(tmp_path), *options(data_root, 4, **{'model.decode_head.scales': '[[1,4],[1],[1]]'})],
        cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'the checkpoint does not match the model' in proc.stderr
    assert 'stages.0.task_blocks.semseg' in proc.stderr


def test_image_demo(trained, data_root, tmp_path):
    image = sorted(glob.glob(osp.join(data_root, 'images', '*')))[0]
    out = run(sys.executable, 'demo/image_demo.py', CONFIG, osp.join(trained, 'iter_4.pth'),
              image, '--out-dir', str(tmp_path))
    for task in ('semseg', 'depth', 'normals', 'edge'):
        assert glob.glob(str(tmp_path / f'*_{task}.png')), out


def test_resume_repeats_the_uninterrupted_run(trained, data_root, tmp_path):
    work_dir = str(tmp_path / 'resumed')
    run(sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
        *options(data_root, 2))  # "interrupted" after the first checkpoint
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    log = run(sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir, '--resume',
              *options(data_root, 4))
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Iter(train) [3/4]' in log and 'Iter(train) [1/4]' not in log
    resumed, full = state_dict(osp.join(work_dir, 'iter_4.pth')), state_dict(
        osp.join(trained, 'iter_4.pth'))
    assert resumed.keys() == full.keys()
    different = [k for k in full if not torch.equal(resumed[k], full[k])]
    assert not different, f'{len(different)} tensors differ, e.g. {different[:3]}'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_dist_train_two_processes(data_root, tmp_path):
    work_dir = str(tmp_path / 'dist')
    log = run('bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', work_dir,
              *options(data_root, 2), env={'PORT': str(free_port())})
    assert 'Iter(train) [2/2]' in log
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
