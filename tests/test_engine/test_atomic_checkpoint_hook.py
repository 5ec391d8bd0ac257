"""A training killed at any moment of a checkpoint save resumes to the
weights of an uninterrupted run."""
import os

import pytest
import torch
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import Hook
from toy_runner import toy_runner

from msm_mm.utils import find_resume_checkpoint

MAX_ITERS = 4
# The save that gets killed: the one after this (1-based) iteration.
KILLED_SAVE = 3
HOOK = 'AtomicCheckpointHook'


class Killed(BaseException):
    """Stands for SIGKILL: nothing catches it and nothing cleans up."""


class FileOperationKiller(Hook):
    """Counts the file operations of the save after iteration ``KILLED_SAVE``
    and raises :class:`Killed` at the ``kill_at``-th (0-based); a killed
    checkpoint write leaves the first half of the file."""

    priority = 'VERY_HIGH'  # armed before the checkpoint hook runs

    def __init__(self, kill_at, monkeypatch):
        self.kill_at, self.count, self.armed = kill_at, 0, False
        put = LocalBackend.put

        def partial_put(backend, obj, filepath):
            if self._tick():
                put(backend, obj[:len(obj) // 2], filepath)
                raise Killed(f'killed while writing {filepath}')
            put(backend, obj, filepath)

        monkeypatch.setattr(LocalBackend, 'put', partial_put)
        for name in ('fsync', 'replace', 'remove'):
            monkeypatch.setattr(os, name, self._killing(getattr(os, name)))

    def _tick(self):
        hit = self.armed and self.count == self.kill_at
        self.count += self.armed
        return hit

    def _killing(self, operation):

        def run(*args):
            if self._tick():
                raise Killed(f'killed before {operation.__name__}{args}')
            return operation(*args)

        return run

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.armed = runner.iter + 1 == KILLED_SAVE


def runner(work_dir, **kwargs):
    torch.manual_seed(0)  # the same initial weights in every run
    return toy_runner(
        work_dir, max_iters=MAX_ITERS,
        default_hooks=dict(checkpoint=dict(type=HOOK, by_epoch=False, interval=1,
                                           max_keep_ckpts=1)),
        **kwargs)


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    run = runner(tmp_path_factory.mktemp('full'))
    run.train()
    return {k: v.clone() for k, v in run.model.state_dict().items()}


# The file operations of a save that deletes an outdated checkpoint: the checkpoint's
# write, fsync, rename and folder fsync; last_checkpoint's fsync, rename and folder
# fsync (its write goes through open, not counted); the deletion.
OPERATIONS = 8


def test_a_save_makes_these_file_operations(tmp_path, monkeypatch):
    killer = FileOperationKiller(kill_at=-1, monkeypatch=monkeypatch)
    runner(tmp_path, custom_hooks=[killer]).train()
    assert killer.count == OPERATIONS


@pytest.mark.parametrize('kill_at', range(OPERATIONS))
def test_killed_save_resumes_to_the_uninterrupted_weights(tmp_path, monkeypatch, kill_at,
                                                          uninterrupted):
    work_dir = tmp_path / 'killed'
    killer = FileOperationKiller(kill_at, monkeypatch)
    with pytest.raises(Killed):
        runner(work_dir, custom_hooks=[killer]).train()
    monkeypatch.undo()

    checkpoint, _ = find_resume_checkpoint(str(work_dir))
    assert checkpoint is not None, os.listdir(work_dir)
    resumed = runner(work_dir, load_from=checkpoint, resume=True)
    resumed.train()
    for key, value in resumed.model.state_dict().items():
        assert torch.equal(value, uninterrupted[key]), key
    assert not list(work_dir.glob('*.partial'))  # the killed save's file is deleted


def test_misspelt_argument_fails_before_training(tmp_path):
    with pytest.raises(TypeError, match=r"AtomicCheckpointHook \(default_hooks.checkpoint\): "
                       r"unknown arguments 'intervall' \(did you mean 'interval'\?\)"):
        toy_runner(tmp_path, default_hooks=dict(
            checkpoint=dict(type=HOOK, by_epoch=False, intervall=1)))
    assert not list(tmp_path.glob('*.pth'))
