"""Parameter counts of the real configs: those the MTMamba release's own model
code prints for the baseline, and the paper's totals (396.54M for MSM)."""
import gc
import os.path as osp

import pytest
from mmengine.config import Config
from mmseg.registry import MODELS

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs')

# config: (total, encoder, decoder); encoder/decoder None where no split is known
TARGETS = {
    'mtmamba/mtmamba_swin-l_nyud.py': (307_999_137, 195_201_204, 112_797_933),
    'msm/msm_swin-l_nyud.py': (396_541_857, 195_201_204, 112_797_933 + 9 * 9_838_080),
    'msm/dmsm_swin-l_nyud.py': (307_999_137, 195_201_204, 112_797_933),
    'mtmamba/mtmamba_swin-l_pascal-context.py': (335_858_326, 195_201_204, None),
    'mtmamba/mtmamba_swin-b_nyud.py': (138_674_469, None, None),
    'mtmamba/mtmamba_swin-b_pascal-context.py': (151_439_130, None, None),
}


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('config', sorted(TARGETS))
def test_parameter_count(config):
    total, encoder, decoder = TARGETS[config]
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    model = MODELS.build(cfg.model)
    assert count(model) == total
    if encoder is not None:
        assert count(model.backbone) == encoder
    if decoder is not None:
        assert count(model.decode_head) == decoder
    del model
    gc.collect()
