"""projects/single_task_baselines: the Swin-block single-task decoder."""
import os.path as osp
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)  # the project is imported as projects.<name>, as its configs do
from msm_mm.structures import MultiTaskDataSample  # noqa: E402
from projects.single_task_baselines.stl_decoder import SwinSTLHead  # noqa: E402

TINY = dict(in_channels=[16, 32, 64, 128], num_heads=(4, 2, 1), window_size=4,
            losses=dict(semseg=dict(type='PixelCrossEntropyLoss')))


def features(batch=2):
    """Encoder features of a 64x80 image whose stride-32 map rounds up (2x3)."""
    sizes = [(16, 20), (8, 10), (4, 5), (2, 3)]
    return [torch.rand(batch, c, h, w) for c, (h, w) in zip(TINY['in_channels'], sizes)]


def test_forward_loss_predict():
    head = SwinSTLHead(tasks=dict(semseg=5), **TINY)
    assert [len(b.blocks) for b in head.blocks] == [2, 2, 2]
    logits = head(features())
    assert list(logits) == ['semseg'] and logits['semseg'].shape == (2, 5, 64, 80)
    samples = []
    for _ in range(2):
        sample = MultiTaskDataSample()
        sample.set_gt('semseg', torch.randint(0, 5, (1, 64, 80)))
        samples.append(sample)
    losses = head.loss(features(), samples)
    assert list(losses) == ['loss_semseg'] and torch.isfinite(losses['loss_semseg'])
    losses['loss_semseg'].backward()
    assert head.reduces[0].weight.grad is not None
    pred = head.predict(features(1), [dict(batch_input_shape=(70, 90))])
    assert pred['semseg'].shape == (1, 5, 70, 90)


@pytest.mark.parametrize('kwargs, match', [
    (dict(tasks=dict(semseg=5, depth=1)), 'exactly one task'),
    (dict(tasks=dict(depth=1)), "no loss configured for task 'depth'"),
    (dict(tasks=dict(semseg=5), num_heads=(1, 1)), 'one value per stage'),
    (dict(tasks=dict(semseg=5), in_channels=[16, 32, 64]), 'the 4 encoder widths'),
])
def test_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SwinSTLHead(**dict(TINY, **kwargs))


def test_swin_l_single_task_models_match_the_paper_size():
    """Four single-task models (Swin-L encoder 195,201,204 each) give the
    paper's 888.77M (Table 6): 888,791,565 with these decoders."""
    decoders = sum(
        sum(p.numel() for p in SwinSTLHead(
            in_channels=[192, 384, 768, 1536], tasks={task: n},
            losses={task: dict(type='MaskedL1Loss')}).parameters())
        for task, n in dict(semseg=40, depth=1, normals=3, edge=1).items())
    total = 4 * 195_201_204 + decoders
    assert total == 888_791_565
    assert abs(total / 1e6 - 888.77) < 0.03
