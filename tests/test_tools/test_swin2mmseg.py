"""tools/model_converters/swin2mmseg.py on a fake official checkpoint made from
a tiny mmseg Swin by the inverse mapping (written here independently)."""
import importlib.util
import os.path as osp
import re

import pytest
import torch
import torch.nn.functional as F
from mmseg.models.backbones import SwinTransformer

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = dict(embed_dims=16, depths=(2, 2, 2), num_heads=(1, 2, 4), window_size=4,
            strides=(4, 2, 2), out_indices=(0, 1, 2), pretrain_img_size=64)


@pytest.fixture(scope='module')
def converter():
    path = osp.join(ROOT, 'tools', 'model_converters', 'swin2mmseg.py')
    spec = importlib.util.spec_from_file_location('swin2mmseg', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def to_official_merge(weight):
    """mmseg unfold columns (c*4 + k, k over (0,0),(0,1),(1,0),(1,1)) ->
    official blocks (b*C + c, b over (0,0),(1,0),(0,1),(1,1))."""
    out_channels, in_channels = weight.shape
    c = in_channels // 4
    official = torch.empty_like(weight)
    unfold_pixels = [(0, 0), (0, 1), (1, 0), (1, 1)]
    official_pixels = [(0, 0), (1, 0), (0, 1), (1, 1)]
    for k, pixel in enumerate(unfold_pixels):
        b = official_pixels.index(pixel)
        official[:, b * c:(b + 1) * c] = weight[:, k::4]
    return official


def to_official(state):
    """The official Swin naming of an mmseg Swin state dict (without the
    per-output norms), plus the keys the official file also holds."""
    official = {}
    for key, value in state.items():
        if re.match(r'norm\d', key):
            continue
        new = key.replace('patch_embed.projection', 'patch_embed.proj')
        new = new.replace('attn.w_msa.', 'attn.').replace('ffn.layers.0.0.', 'mlp.fc1.')
        new = new.replace('ffn.layers.1.', 'mlp.fc2.').replace('stages.', 'layers.')
        if 'downsample' in key:
            value = to_official_merge(value if value.dim() == 2 else value[None])
            value = value if 'reduction' in key else value[0]
        official[new] = value
    official['layers.0.blocks.1.attn_mask'] = torch.zeros(4, 16, 16)
    official['norm.weight'] = torch.ones(64)
    official['norm.bias'] = torch.zeros(64)
    official['head.weight'] = torch.zeros(10, 64)
    official['head.bias'] = torch.zeros(10)
    return official


def test_convert_round_trip(converter):
    torch.manual_seed(0)
    source = SwinTransformer(**TINY)
    converted, dropped, unmapped = converter.convert_swin(to_official(source.state_dict()))
    assert unmapped == []
    assert sorted(dropped) == ['head.bias', 'head.weight', 'layers.0.blocks.1.attn_mask',
                               'norm.bias', 'norm.weight']
    target = SwinTransformer(**TINY)
    result = target.load_state_dict(converted, strict=False)
    assert result.unexpected_keys == []
    assert sorted(result.missing_keys) == sorted(
        f'norm{i}.{p}' for i in range(3) for p in ('weight', 'bias'))
    for key, value in converted.items():
        assert torch.equal(target.state_dict()[key], source.state_dict()[key]), key
    x = torch.rand(1, 3, 64, 64)
    target.load_state_dict(source.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(target(x), source(x)))


def test_patch_merging_matches_the_official_computation(converter):
    """The official merge (concat of x[0::2,0::2], x[1::2,0::2], x[0::2,1::2],
    x[1::2,1::2], LayerNorm, Linear) equals mmseg's with converted weights."""
    torch.manual_seed(0)
    c, h, w = 8, 4, 6
    norm_w, norm_b, reduction = torch.rand(4 * c), torch.rand(4 * c), torch.rand(2 * c, 4 * c)
    x = torch.rand(1, h, w, c)
    merged = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]],
                       dim=-1).reshape(1, -1, 4 * c)
    expected = F.linear(F.layer_norm(merged, (4 * c, ), norm_w, norm_b), reduction)
    converted, _, _ = converter.convert_swin({
        'layers.0.downsample.norm.weight': norm_w, 'layers.0.downsample.norm.bias': norm_b,
        'layers.0.downsample.reduction.weight': reduction})
    swin = SwinTransformer(embed_dims=c, depths=(1, 1), num_heads=(1, 1), strides=(4, 2),
                           out_indices=(0, ))
    merge = swin.stages[0].downsample
    merge.load_state_dict({k.split('downsample.')[1]: v for k, v in converted.items()})
    out, out_size = merge(x.reshape(1, h * w, c), (h, w))
    assert out_size == (h // 2, w // 2)
    torch.testing.assert_close(out, expected)


def test_cli_prints_what_it_drops_and_cannot_map(converter, tmp_path, capsys):
    source = SwinTransformer(**TINY)
    official = to_official(source.state_dict())
    official['layers.0.blocks.0.unknown_thing'] = torch.zeros(1)
    torch.save({'model': official}, tmp_path / 'official.pth')
    assert converter.main([str(tmp_path / 'official.pth'), str(tmp_path / 'out' / 'm.pth')]) == 0
    printed = capsys.readouterr().out
    assert 'dropped  head.weight  (the ImageNet classifier)' in printed
    assert 'NOT MAPPED  layers.0.blocks.0.unknown_thing' in printed
    converted = torch.load(tmp_path / 'out' / 'm.pth', weights_only=True)
    assert 'stages.1.downsample.reduction.weight' in converted
    # a file already in mmseg naming: nothing to convert, nothing written
    assert converter.main([str(tmp_path / 'out' / 'm.pth'), str(tmp_path / 'again.pth')]) == 1
    assert not osp.exists(tmp_path / 'again.pth')
