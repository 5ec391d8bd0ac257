import os.path as osp
import sys

import torch
from mmseg.registry import MODELS
from tiny_models import tiny_model_cfg

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'tools', 'analysis_tools'))
from get_flops import count  # noqa: E402

from msm_mm.models.ops import selective_scan_flops  # noqa: E402


def test_scan_flops_are_counted_by_the_handle():
    tasks = dict(semseg=3, depth=1)
    model = MODELS.build(tiny_model_cfg(tasks, decode_head=dict(scales=[(1, )] * 3))).eval()
    with torch.no_grad():
        result = count(model, (64, 64))
    # per stage: 2 task-specific SS2Ds per task, one merge SS2D per task and the shared one,
    # each a scan of K=4 directions of d_inner = 2C channels over the stage's tokens (the
    # stages refine the 1/16, 1/8 and 1/4 resolution features)
    expected = 0
    for width, side in ((32, 4), (16, 8), (8, 16)):
        scans = 2 * len(tasks) + len(tasks) + 1
        expected += scans * selective_scan_flops(1, 4 * 2 * width, side * side, 4)
    assert result['flops_scan'] == expected
    assert result['flops_other'] > 0
    assert result['params'] == sum(p.numel() for p in model.parameters())
