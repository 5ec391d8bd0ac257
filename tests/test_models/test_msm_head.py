import pytest
import torch

from msm_mm.models import MSMDecodeHead
from msm_mm.structures import MultiTaskDataSample

TASKS = dict(semseg=5, depth=1, normals=3, edge=1)
LOSSES = dict(
    semseg=dict(type='PixelCrossEntropyLoss'),
    depth=dict(type='MaskedL1Loss'),
    normals=dict(type='NormalL1Loss'),
    edge=dict(type='BalancedBCELoss'))


def tiny_head(**kwargs):
    cfg = dict(in_channels=[8, 16, 32, 64], tasks=TASKS, losses=LOSSES, scales=[(1, 2)] * 3,
               d_state=4, scan_backend='torch')
    cfg.update(kwargs)
    return MSMDecodeHead(**cfg)


def encoder_features(height, width, batch=2):
    """Features of a 4-stage encoder with ceil-rounded downsampling."""
    feats, h, w = [], -(-height // 4), -(-width // 4)
    for c in (8, 16, 32, 64):
        feats.append(torch.randn(batch, c, h, w))
        h, w = -(-h // 2), -(-w // 2)
    return feats


def samples_with_gt(height, width, batch=2):
    samples = []
    for _ in range(batch):
        s = MultiTaskDataSample()
        semseg = torch.randint(0, 5, (1, height, width))
        semseg[:, :3] = 255
        s.set_gt('semseg', semseg)
        depth = torch.rand(1, height, width) * 5
        depth[:, :, :2] = 0
        s.set_gt('depth', depth)
        s.set_gt('normals', torch.nn.functional.normalize(torch.randn(3, height, width), dim=0))
        s.set_gt('edge', (torch.rand(1, height, width) > 0.9).long())
        samples.append(s)
    return samples


@pytest.mark.parametrize('tokenization', ['window', 'dilated'])
def test_forward_shapes_on_odd_sizes(tokenization):
    head = tiny_head(tokenization=tokenization)
    out = head(encoder_features(36, 52))  # features 9x13, 5x7, 3x4, 2x2
    assert set(out) == set(TASKS)
    for task, n in TASKS.items():
        assert out[task].shape == (2, n, 36, 52)
        assert torch.isfinite(out[task]).all()


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    head = tiny_head(drop_path_rate=0.)
    losses = head.loss(encoder_features(32, 48), samples_with_gt(32, 48))
    assert set(losses) == {f'loss_{t}' for t in TASKS}
    sum(losses.values()).backward()
    no_grad = [n for n, p in head.named_parameters() if p.grad is None or not p.grad.abs().sum()]
    assert not no_grad, f'parameters without gradient: {no_grad}'


def test_loss_schemes():
    torch.manual_seed(0)
    feats, samples = encoder_features(32, 48), samples_with_gt(32, 48)
    weighted = tiny_head(loss_weights=dict(normals=10.))
    plain = tiny_head()
    plain.load_state_dict(weighted.state_dict())
    weighted.eval(), plain.eval()
    lw, lp = weighted.loss(feats, samples), plain.loss(feats, samples)
    torch.testing.assert_close(lw['loss_normals'], 10 * lp['loss_normals'])
    torch.testing.assert_close(lw['loss_depth'], lp['loss_depth'])
    log_head = tiny_head(loss_scheme='log_sum')
    log_head.load_state_dict(plain.state_dict())
    log_head.eval()
    ll = log_head.loss(feats, samples)
    torch.testing.assert_close(ll['loss_depth'], torch.log(lp['loss_depth'] + 1e-8))
    torch.testing.assert_close(ll['depth_raw'], lp['loss_depth'])


def test_single_scale_blocks_follow_config():
    ts_only = tiny_head(multi_scale_blocks=('task_specific', ))
    stage = ts_only.stages[0]
    assert stage.task_blocks['depth'][0].ss2d.scan.scales == (1, 2)
    assert stage.cross_task_block.shared_ss2d.scan.scales == (1, )
    ct_only = tiny_head(multi_scale_blocks=('cross_task', ))
    stage = ct_only.stages[0]
    assert stage.task_blocks['depth'][0].ss2d.scan.scales == (1, )
    assert stage.cross_task_block.shared_ss2d.scan.scales == (1, 2)
    # the per-task SS2Ds of the cross-task merge always scan at one scale
    assert stage.cross_task_block.task_ss2d['depth'].scan.scales == (1, )


def test_drop_path_rates_fall_linearly():
    head = tiny_head(drop_path_rate=0.2)
    rates = []
    for stage in head.stages:
        for block in stage.task_blocks['semseg']:
            rates.append(getattr(block.drop_path, 'drop_prob', 0.))
        rates.append(getattr(stage.cross_task_block.drop_path, 'drop_prob', 0.))
    torch.testing.assert_close(torch.tensor(rates), torch.linspace(0.2, 0, 9))


@pytest.mark.parametrize('kwargs,match', [
    (dict(scales=[(1, 2)] * 2), 'one list per MFR stage'),
    (dict(multi_scale_blocks=('decoder', )), 'unknown multi_scale_blocks'),
    (dict(loss_scheme='mean'), 'unknown loss_scheme'),
    (dict(losses=dict(semseg=LOSSES['semseg'])), 'no loss configured'),
    (dict(loss_weights=dict(sal=1.)), 'not in tasks'),
    (dict(scan_backend='cuda'), 'unknown scan backend'),
    (dict(scales=[(1, 2, 4)] * 3), 'not divisible by 3'),
    (dict(tasks=None), 'tasks'),
])
def test_build_errors(kwargs, match):
    with pytest.raises((ValueError, KeyError), match=match):
        tiny_head(**kwargs)


def test_unknown_task_is_refused():
    with pytest.raises(KeyError, match='unknown task'):
        tiny_head(tasks=dict(semseg=5, optical_flow=2), losses=dict(LOSSES, optical_flow={}))
