import pytest
import torch
from toy_runner import ToyMultiTaskModel, toy_runner


@pytest.fixture
def trained(tmp_path):
    """Work dir with iter_1.pth and iter_2.pth of a ToyMultiTaskModel."""
    work_dir = tmp_path / 'trained'
    toy_runner(work_dir, max_iters=2).train()
    return work_dir


def test_matching_checkpoint_loads(trained, tmp_path):
    runner = toy_runner(tmp_path / 'ok', load_from=str(trained / 'iter_2.pth'))
    runner.load_or_resume()
    saved = torch.load(trained / 'iter_2.pth', weights_only=True)['state_dict']
    assert torch.equal(runner.model.semseg.weight, saved['semseg.weight'])


@pytest.mark.parametrize('resume', [False, True])
def test_mismatched_checkpoint_fails_with_the_keys(trained, tmp_path, resume):
    model = ToyMultiTaskModel(width=3, extra=True)
    runner = toy_runner(tmp_path / 'bad', model=model, load_from=str(trained / 'iter_2.pth'),
                        resume=resume)
    with pytest.raises(RuntimeError) as err:
        runner.train()
    msg = str(err.value)
    assert 'missing in the checkpoint (2):\n    extra.weight\n    extra.bias' in msg
    assert 'of another shape (2):' in msg
    assert 'semseg.weight: checkpoint (2, 2), model (3, 2)' in msg
    assert 'in the checkpoint but not in the model' not in msg


def test_unexpected_keys_listed(trained, tmp_path):
    checkpoint = torch.load(trained / 'iter_2.pth', weights_only=False)
    checkpoint['state_dict']['module.head.weight'] = torch.zeros(1)
    path = tmp_path / 'extra.pth'
    torch.save(checkpoint, path)
    runner = toy_runner(tmp_path / 'bad', load_from=str(path))
    with pytest.raises(RuntimeError, match=r'in the checkpoint but not in the model \(1\):\n'
                       r'    head\.weight'):
        runner.load_or_resume()
