import pytest
import torch
from mmseg.registry import MODELS
from tiny_models import tiny_model_cfg

from msm_mm.structures import MultiTaskDataSample

TASKS = dict(semseg=5, depth=1, normals=3, edge=1)


@pytest.fixture(scope='module')
def segmentor():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(TASKS))
    return model.eval()


def test_loss_mode_prefixes_every_task(segmentor):
    samples = []
    for _ in range(2):
        s = MultiTaskDataSample()
        s.set_gt('semseg', torch.randint(0, 5, (1, 32, 48)))
        s.set_gt('depth', torch.rand(1, 32, 48))
        s.set_gt('normals', torch.nn.functional.normalize(torch.randn(3, 32, 48), dim=0))
        s.set_gt('edge', torch.randint(0, 2, (1, 32, 48)))
        samples.append(s)
    losses = segmentor(torch.randn(2, 3, 32, 48), samples, mode='loss')
    assert set(losses) == {f'decode.loss_{t}' for t in TASKS}
    assert all(torch.isfinite(v) for v in losses.values())


def test_predict_crops_padding_and_resizes_to_ori_shape(segmentor):
    inputs = torch.randn(1, 3, 32, 48)
    # the pipeline padded a 27x41 image by (top, bottom, left, right) = (2, 3, 3, 4)
    sample = MultiTaskDataSample(metainfo=dict(
        padding=(2, 3, 3, 4), img_shape=(27, 41), ori_shape=(27, 41)))
    with torch.no_grad():
        logits = segmentor(inputs, mode='tensor')
        pred = segmentor(inputs, [sample], mode='predict')[0]
    crop = {t: x[0, :, 2:29, 3:44] for t, x in logits.items()}
    assert torch.equal(pred.get_pred('semseg'), crop['semseg'].argmax(0, keepdim=True))
    torch.testing.assert_close(pred.get_pred('depth'), crop['depth'].clamp(min=0))
    torch.testing.assert_close(pred.get_pred('edge'), crop['edge'].sigmoid())
    normals = pred.get_pred('normals')
    assert normals.shape == (3, 27, 41)
    torch.testing.assert_close(normals.norm(dim=0), torch.ones(27, 41))
    # a resized image is brought back to its original size
    resized = MultiTaskDataSample(metainfo=dict(img_shape=(32, 48), ori_shape=(20, 30)))
    with torch.no_grad():
        pred = segmentor(inputs, [resized], mode='predict')[0]
    assert pred.get_pred('semseg').shape == (1, 20, 30)


def test_predict_undoes_horizontal_flip(segmentor):
    inputs = torch.randn(1, 3, 32, 48)
    meta = dict(img_shape=(32, 48), ori_shape=(32, 48))
    with torch.no_grad():
        plain = segmentor(inputs, [MultiTaskDataSample(metainfo=meta)], mode='predict')[0]
        flipped = segmentor(inputs, [MultiTaskDataSample(metainfo=dict(meta, flip=True))],
                            mode='predict')[0]
    torch.testing.assert_close(flipped.get_pred('depth'), plain.get_pred('depth').flip(-1))
    n_plain, n_flip = plain.get_pred('normals'), flipped.get_pred('normals')
    torch.testing.assert_close(n_flip[0], -n_plain[0].flip(-1))
    torch.testing.assert_close(n_flip[1:], n_plain[1:].flip(-1))


def test_unknown_mode(segmentor):
    with pytest.raises(ValueError, match='invalid mode'):
        segmentor(torch.randn(1, 3, 32, 32), mode='train')


def test_wrong_in_channels_fail_when_built():
    cfg = tiny_model_cfg(dict(depth=1), decode_head=dict(in_channels=[16, 32, 64, 128]))
    with pytest.raises(ValueError, match=r'model.decode_head.in_channels=\[16, 32, 64, 128\], but '
                       r'the backbone \(SwinTransformer\) give 4 feature maps of widths '
                       r'\[8, 16, 32, 64\]'):
        MODELS.build(cfg)
