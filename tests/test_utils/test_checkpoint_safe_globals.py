import pickle

import numpy as np
import pytest
import torch
from crafted_checkpoints import ROUTES, craft
from mmengine.logging.history_buffer import HistoryBuffer

import msm_mm  # noqa: F401  (registers the safe globals)


def test_mmengine_message_hub_state_loads_with_weights_only(tmp_path):
    buffer = HistoryBuffer()
    buffer.update(np.float64(0.5))
    buffer.update(1.25)
    state = dict(
        meta=dict(seed=np.int64(3), iter=7),
        message_hub=dict(log_scalars={'train/loss': buffer},
                         runtime_info={'arr': np.arange(4, dtype=np.float32)}),
        state_dict={'w': torch.ones(2)})
    path = tmp_path / 'ckpt.pth'
    torch.save(state, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['message_hub']['log_scalars']['train/loss'].mean() == buffer.mean()
    assert loaded['message_hub']['log_scalars']['train/loss'].statistics('max') == 1.25
    assert np.array_equal(loaded['message_hub']['runtime_info']['arr'], np.arange(4))
    assert loaded['meta']['seed'] == 3


class Payload:
    """A class no checkpoint should be able to instantiate."""


def test_arbitrary_classes_are_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': Payload()}, path)
    with pytest.raises(pickle.UnpicklingError, match='Payload'):
        torch.load(path, weights_only=True)


@pytest.mark.parametrize('route', ROUTES)
def test_crafted_checkpoints_are_refused_and_run_nothing(tmp_path, route):
    good, evil, marker = tmp_path / 'good.pth', tmp_path / 'evil.pth', tmp_path / 'ran'
    torch.save({'state_dict': {'w': torch.ones(2)}, 'meta': {}}, good)
    craft(route, str(good), str(evil), str(marker))
    with pytest.raises(pickle.UnpicklingError):
        torch.load(evil, weights_only=True)
    assert not marker.exists()
    assert torch.equal(torch.load(good, weights_only=True)['state_dict']['w'], torch.ones(2))
    assert type(0) is int  # the builtin `type` is intact
