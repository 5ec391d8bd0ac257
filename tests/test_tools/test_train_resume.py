"""Which checkpoint ``tools/train.py --resume`` continues from when the latest
is incomplete, and what it says when there is none."""
import runpy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from msm_mm.utils import find_resume_checkpoint

REPO = Path(__file__).resolve().parents[2]


def checkpoint(path):
    torch.save({'state_dict': {'w': torch.ones(1)}}, path)
    return str(path)


@pytest.fixture
def work_dir(tmp_path):
    """iter_1.pth and iter_2.pth complete, iter_3.pth cut off while written."""
    checkpoint(tmp_path / 'iter_1.pth')
    checkpoint(tmp_path / 'iter_2.pth')
    data = (tmp_path / 'iter_1.pth').read_bytes()
    (tmp_path / 'iter_3.pth').write_bytes(data[:len(data) // 2])
    return tmp_path


def point_at(work_dir, name):
    (work_dir / 'last_checkpoint').write_text(str(work_dir / name))


def test_complete_latest_is_used(work_dir):
    point_at(work_dir, 'iter_2.pth')
    assert find_resume_checkpoint(str(work_dir)) == (str(work_dir / 'iter_2.pth'), None)


@pytest.mark.parametrize('damage, problem', [
    (lambda p: None, 'the file is truncated (its zip directory is missing)'),
    (lambda p: p.write_bytes(b''), 'the file is empty (0 bytes)'),
    (lambda p: p.unlink(), 'the file does not exist'),
])
def test_incomplete_latest_falls_back_to_the_newest_complete(work_dir, damage, problem):
    point_at(work_dir, 'iter_3.pth')
    damage(work_dir / 'iter_3.pth')
    found, note = find_resume_checkpoint(str(work_dir))
    assert found == str(work_dir / 'iter_2.pth')
    assert note == (f'the latest checkpoint {work_dir}/iter_3.pth (named by '
                    f'{work_dir}/last_checkpoint) cannot be read: {problem}; using '
                    f'{work_dir}/iter_2.pth, the newest complete checkpoint')


def test_without_last_checkpoint_the_newest_complete_is_used(work_dir):
    assert find_resume_checkpoint(str(work_dir))[0] == str(work_dir / 'iter_2.pth')


def test_nothing_to_resume(tmp_path):
    assert find_resume_checkpoint(str(tmp_path)) == (
        None, f'{tmp_path} has no last_checkpoint file, and no complete checkpoint')


@pytest.fixture
def set_resume():
    """``set_resume`` of tools/train.py, with its log lines recorded."""
    functions = runpy.run_path(str(REPO / 'tools/train.py'))
    logged = []
    functions['set_resume'].__globals__['print_log'] = lambda msg, **kwargs: logged.append(msg)
    return functions['set_resume'], logged


def test_named_incomplete_checkpoint_is_refused_offering_the_newest(work_dir, set_resume):
    with pytest.raises(SystemExit, match=f'--resume checkpoint {work_dir}/iter_3.pth: the file is '
                       f'truncated .*; the newest complete checkpoint there is '
                       f'{work_dir}/iter_2.pth'):
        set_resume[0](str(work_dir / 'iter_3.pth'), Config(dict(work_dir=str(work_dir))))


def test_resume_falls_back_and_says_so(work_dir, set_resume):
    point_at(work_dir, 'iter_3.pth')
    cfg = Config(dict(work_dir=str(work_dir)))
    assert set_resume[0]('auto', cfg) == ''
    assert cfg.resume and cfg.load_from == str(work_dir / 'iter_2.pth')
    assert set_resume[1] == [f'--resume: {find_resume_checkpoint(str(work_dir))[1]}']


def test_resume_without_checkpoints_trains_from_scratch_and_says_so(tmp_path, set_resume):
    cfg = Config(dict(work_dir=str(tmp_path)))
    warning = set_resume[0]('auto', cfg)
    assert not cfg.resume and cfg.load_from is None
    assert warning == f'--resume found no checkpoint in {tmp_path}: this run trained from scratch'
    assert set_resume[1] == [f'--resume: {tmp_path} has no last_checkpoint file, and no complete '
                             'checkpoint']
