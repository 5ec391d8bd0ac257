"""tools/model_converters/mtmamba2mmseg.py on a state dict in the MTMamba
release's layout, made from a small model of this project's MTMamba config by
the inverse renaming (written here independently, from the release's module
names)."""
import importlib.util
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmseg.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMALL = '''
_base_ = {base!r}
model = dict(
    backbone=dict(embed_dims=16, depths=(1, 1, 1, 1), num_heads=(1, 1, 1, 1), window_size=4,
                  pretrain_img_size=(32, 32), init_cfg=None),
    decode_head=dict(in_channels=[16, 32, 64, 128], d_state=4, scan_backend='torch'),
    cuda_graph=False, compile=False)
'''
# This project's SS2D parameter -> the release's.
SS2D_NAMES = {'scan.branches.0.x_proj_weight': 'x_proj_weight',
              'scan.branches.0.dt_proj_weight': 'dt_projs_weight',
              'scan.branches.0.dt_proj_bias': 'dt_projs_bias',
              'scan.branches.0.A_log': 'A_logs', 'scan.branches.0.D': 'Ds'}


@pytest.fixture(scope='module')
def converter():
    path = osp.join(ROOT, 'tools', 'model_converters', 'mtmamba2mmseg.py')
    spec = importlib.util.spec_from_file_location('mtmamba2mmseg', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def small_config(tmp_path_factory):
    """A small PASCAL-Context MTMamba config (5 tasks, one named with '_')."""
    base = osp.join(ROOT, 'configs', 'mtmamba', 'mtmamba_swin-l_pascal-context.py')
    path = tmp_path_factory.mktemp('config') / 'small_mtmamba.py'
    path.write_text(SMALL.format(base=base))
    return str(path)


def build(config):
    cfg = Config.fromfile(config)
    import msm_mm  # noqa: F401
    return MODELS.build(cfg.model)


def ss2d_name(rest):
    return SS2D_NAMES.get(rest, rest)


def to_release(key):
    """This project's key -> the release's key."""
    if key.startswith('backbone.'):
        return key
    parts = key.split('.')
    if parts[1] == 'task_heads':  # decode_head.task_heads.t.(expand.proj|expand.norm|conv).w
        task, rest = parts[2], '.'.join(parts[3:])
        if rest.startswith('conv.'):
            return f'final_project.{task}.{parts[-1]}'
        leaf = 'expand.weight' if rest == 'expand.proj.weight' else rest[len('expand.'):]
        return f'final_expand.{task}.{leaf}'
    stage, module = parts[2], parts[3]  # decode_head.stages.s.<module>...
    if module == 'expands':
        leaf = 'expand.weight' if parts[5] == 'proj' else f'norm.{parts[6]}'
        return f'expand_layers.{parts[4]}_{stage}.{leaf}'
    if module == 'reduces':
        return f'concat_layers.{parts[4]}_{stage}.{parts[5]}'
    if module == 'task_blocks':
        task, block, rest = parts[4], int(parts[5]) + 1, '.'.join(parts[6:])
        if rest.startswith('norm.'):
            return f'block_{block}.{task}_{stage}.{rest}'
        return f'block_{block}.{task}_{stage}.op.{ss2d_name(rest[len("ss2d."):])}'
    sub = parts[4]  # cross_task_block.<sub>...
    if sub == 'shared_norm':
        return f'block_3.{stage}.norm_share.{parts[5]}'
    if sub == 'shared_ss2d':
        return f'block_3.{stage}.op_share.{ss2d_name(".".join(parts[5:]))}'
    release = dict(task_norms='norm', task_gates='in_proj', task_out_projs='out_proj')
    if sub in release:
        return f'block_3.{stage}.{release[sub]}.{parts[5]}.{parts[6]}'
    assert sub == 'task_ss2d', key
    return f'block_3.{stage}.op.{parts[5]}.{ss2d_name(".".join(parts[6:]))}'


@pytest.fixture(scope='module')
def release_checkpoint(small_config, tmp_path_factory):
    """A checkpoint in the release's layout with random weights, as the release
    saves it from DistributedDataParallel."""
    torch.manual_seed(0)
    state = {k: torch.randn_like(v.float()).to(v.dtype) if v.is_floating_point() else v
             for k, v in build(small_config).state_dict().items()}
    release = {f'module.{to_release(k)}': v for k, v in state.items()}
    assert len(set(release)) == len(state)
    assert any(re.match(r'module\.block_3\.2\.op\.human_parts\.Ds$', k) for k in release)
    path = tmp_path_factory.mktemp('release') / 'checkpoint.pth.tar'
    torch.save({'model': release}, path)
    return str(path), state


def test_converts_exactly(converter, small_config, release_checkpoint, tmp_path, capsys):
    src, state = release_checkpoint
    dst = tmp_path / 'converted.pth'
    assert converter.main([src, str(dst), '--config', small_config]) == 0
    assert 'every weight of' in capsys.readouterr().out
    model = build(small_config)
    # strict: every weight provided, none left over
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_inexact_checkpoints_fail(converter, small_config, release_checkpoint, tmp_path, capsys):
    src, _ = release_checkpoint
    release = torch.load(src, weights_only=True)['model']
    release['module.block_4.semseg_0.norm.weight'] = torch.zeros(1)  # no such module
    del release['module.final_project.sal.bias']
    release['module.concat_layers.depth_0.weight'] = torch.zeros(1)  # not a task of PASCAL
    release['module.concat_layers.semseg_0.bias'] = torch.zeros(3)  # wrong shape
    bad = tmp_path / 'bad.pth.tar'
    torch.save({'model': release}, bad)
    dst = tmp_path / 'converted.pth'
    assert converter.main([str(bad), str(dst), '--config', small_config]) == 1
    err = capsys.readouterr().err
    assert 'nothing written' in err and not dst.exists()
    assert 'not mapped: module.block_4.semseg_0.norm.weight' in err
    assert 'not mapped: module.concat_layers.depth_0.weight' in err
    assert 'not in the checkpoint: decode_head.task_heads.sal.conv.bias' in err
    assert 'shape of decode_head.stages.0.reduces.semseg.bias: checkpoint (3,)' in err
