import pytest
import torch

from msm_mm.models import CheckedSwinTransformer
from msm_mm.models.backbones import checked_swin

TINY = dict(embed_dims=16, depths=(2, 2), num_heads=(1, 2), window_size=4, strides=(4, 2),
            out_indices=(0, 1), pretrain_img_size=32)


@pytest.fixture
def logged(monkeypatch):
    """What the backbone logs, as a list of messages."""
    messages = []
    monkeypatch.setattr(checked_swin, 'print_log', lambda msg, **kw: messages.append(msg))
    return messages


def classification_checkpoint(path, extra=()):
    """A tiny Swin's weights without the per-output norms (what a converted
    ImageNet checkpoint holds), plus ``extra`` unexpected keys."""
    source = CheckedSwinTransformer(**TINY)
    state = {k: v for k, v in source.state_dict().items() if not k.startswith('norm')}
    state.update({k: torch.zeros(1) for k in extra})
    torch.save({'state_dict': state}, path)
    return source


def test_loads_and_reports_both_lists(tmp_path, logged):
    source = classification_checkpoint(tmp_path / 'swin.pth', extra=['norm.weight'])
    model = CheckedSwinTransformer(**TINY, init_cfg=dict(type='Pretrained',
                                                         checkpoint=str(tmp_path / 'swin.pth')))
    model.init_weights()
    for key, value in source.state_dict().items():
        if not key.startswith('norm'):
            assert torch.equal(model.state_dict()[key], value), key
    report = logged[-1]
    assert f'loaded {len(source.state_dict()) - 4} tensors' in report
    assert ('missing in the checkpoint (4):\n    norm0.weight\n    norm0.bias\n    norm1.weight\n'
            '    norm1.bias') in report
    assert 'in the checkpoint but not in the model (1):\n    norm.weight' in report


def test_official_names_fail_loudly(tmp_path, logged):
    source = CheckedSwinTransformer(**TINY)
    state = {k.replace('stages', 'layers'): v for k, v in source.state_dict().items()}
    torch.save(state, tmp_path / 'official.pth')
    model = CheckedSwinTransformer(**TINY, init_cfg=dict(type='Pretrained',
                                                         checkpoint=str(tmp_path / 'official.pth')))
    with pytest.raises(RuntimeError, match=r'backbone weights are missing .*swin2mmseg') as err:
        model.init_weights()
    assert 'stages.0.blocks.0.norm1.weight' in str(err.value)
    assert 'layers.0.blocks.0.norm1.weight' in str(err.value)  # the unexpected list


def test_missing_file_names_path_and_remedy():
    model = CheckedSwinTransformer(**TINY, init_cfg=dict(type='Pretrained',
                                                         checkpoint='pretrain/nowhere.pth'))
    with pytest.raises(FileNotFoundError, match=r"'pretrain/nowhere.pth'.*swin2mmseg.py SRC "
                       r'pretrain/nowhere.pth.*model.backbone.init_cfg=None'):
        model.init_weights()


def test_init_cfg_without_checkpoint():
    model = CheckedSwinTransformer(**TINY, init_cfg=dict(type='Pretrained'))
    with pytest.raises(ValueError, match="no 'checkpoint'"):
        model.init_weights()


def test_from_scratch_without_init_cfg(logged):
    model = CheckedSwinTransformer(**TINY)
    model.init_weights()
    outs = model(torch.rand(1, 3, 32, 32))
    assert [o.shape[1] for o in outs] == [16, 32]
