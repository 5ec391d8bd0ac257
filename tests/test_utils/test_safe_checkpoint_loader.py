import pickle

import pytest
import torch
from mmengine.runner import CheckpointLoader

from msm_mm.utils import checkpoint_file_problem, load_from_local_weights_only


@pytest.fixture
def good(tmp_path):
    path = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.ones(3)}}, path)
    return path


def test_mmengine_reads_local_files_here(good):
    assert CheckpointLoader._get_checkpoint_loader(str(good)) is load_from_local_weights_only
    assert torch.equal(CheckpointLoader.load_checkpoint(str(good))['state_dict']['w'],
                       torch.ones(3))
    assert checkpoint_file_problem(str(good)) is None


def broken(tmp_path, good, kind):
    """A checkpoint file that cannot be read, and the words naming why."""
    path = tmp_path / f'{kind}.pth'
    if kind == 'empty':
        path.write_bytes(b'')
        return path, 'empty (0 bytes)'
    if kind == 'text':
        path.write_text('hello world\n')
        return path, "not a torch checkpoint (it starts with b'hell')"
    if kind == 'truncated':
        data = good.read_bytes()
        path.write_bytes(data[:len(data) // 2])
        return path, 'truncated (its zip directory is missing)'
    legacy = tmp_path / 'legacy_full.pth'
    torch.save({'w': torch.ones(3)}, legacy, _use_new_zipfile_serialization=False)
    data = legacy.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path, 'truncated or not a checkpoint'


@pytest.mark.parametrize('kind', ['empty', 'text', 'truncated', 'truncated_legacy'])
def test_unreadable_files_are_named(tmp_path, good, kind):
    path, why = broken(tmp_path, good, kind)
    with pytest.raises(ValueError) as err:
        CheckpointLoader.load_checkpoint(str(path))
    assert f'cannot read checkpoint {path}: the file is {why}' in str(err.value)
    assert 'expected a complete checkpoint written by torch.save' in str(err.value)
    if kind != 'truncated_legacy':  # the cheap check reads no pickle
        assert checkpoint_file_problem(str(path)) == f'the file is {why}'


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=f'checkpoint not found: {tmp_path}/no.pth'):
        load_from_local_weights_only(str(tmp_path / 'no.pth'))


def test_refusal_names_the_file_and_the_reason_only(tmp_path, good):
    class RunsCode:

        def __reduce__(self):
            return print, ('ran', )

    path = tmp_path / 'evil.pth'
    torch.save({'x': RunsCode()}, path)
    with pytest.raises(pickle.UnpicklingError) as err:
        load_from_local_weights_only(str(path))
    msg = str(err.value)
    assert msg.startswith(f'refused checkpoint {path}: ')
    assert 'Unsupported global: GLOBAL print' in msg and 'nothing in the file was run' in msg
    assert 'add_safe_globals' not in msg
    assert 'weights_only` set to `False`' not in msg  # no advice to load it unsafely


def test_weights_only_cannot_be_turned_off(good, tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    path = tmp_path / 'evil.pth'
    torch.save({'x': print}, path)
    with pytest.raises(pickle.UnpicklingError, match='refused checkpoint'):
        load_from_local_weights_only(str(path))
