"""Parameter counts of the real configs against the targets of spec/model.md.

Models are built on the meta device: no memory, no initialisation cost.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs')

TARGETS = {
    'mtmamba/mtmamba_swin-l_nyud.py': 307_999_137,
    'msm/msm_swin-l_nyud.py': 396_541_857,
    'msm/dmsm_swin-l_nyud.py': 307_999_137,
    'mtmamba/mtmamba_swin-l_pascal-context.py': 335_858_326,
    'mtmamba/mtmamba_swin-b_nyud.py': 138_674_469,
    'mtmamba/mtmamba_swin-b_pascal-context.py': 151_439_130,
}


def build_on_meta(config):
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    init_default_scope('mmseg')
    with torch.device('meta'):
        return MODELS.build(cfg.model)


@pytest.mark.parametrize('config,target', sorted(TARGETS.items()))
def test_parameter_count(config, target):
    model = build_on_meta(config)
    assert sum(p.numel() for p in model.parameters()) == target


def test_encoder_and_decoder_split():
    model = build_on_meta('mtmamba/mtmamba_swin-l_nyud.py')
    assert sum(p.numel() for p in model.backbone.parameters()) == 195_201_204
    assert sum(p.numel() for p in model.decode_head.parameters()) == 112_797_933


def test_msm_adds_the_multi_scale_cores():
    msm = build_on_meta('msm/msm_swin-l_nyud.py')
    base = build_on_meta('mtmamba/mtmamba_swin-l_nyud.py')
    extra = sum(p.numel() for p in msm.parameters()) - sum(p.numel() for p in base.parameters())
    assert extra == 9 * 9_838_080
