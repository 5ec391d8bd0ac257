"""tools/analysis_tools/task_preference.py (the paper's Figure 4) on tiny
models whose CT-MSM selection values are set by hand."""
import json
import math
import sys

import pytest
import torch
from analysis_models import tiny_model_files
from task_preference import SelectionValueRecorder, main, selection_by_scale

from msm_mm.apis import init_model

# Stage widths of the tiny model: d_inner 128, 64, 32; every scale count divides them.
SCALES = [(1, 2), (1, 4), (1, 2, 4, 8)]


def hand_value(stage: int, task: int, scale: int) -> float:
    """The selection value set for one stage, task and scale group."""
    return (1 + stage + 2 * task + 3 * scale) / 20


def set_selection_values(model):
    """Make every G_t constant over the image: ``LN_t`` outputs the unit
    vector e_0 whatever its input, and the gate projection maps e_0 to the
    logit of :func:`hand_value` on each scale's channel group."""
    for stage, module in enumerate(model.decode_head.stages):
        block = module.cross_task_block
        groups = len(block.shared_ss2d.scan.scales)
        for t, task in enumerate(block.tasks):
            norm, gate = block.task_norms[task], block.task_gates[task]
            norm.weight.zero_()
            norm.bias.zero_()
            norm.bias[0] = 1
            values = torch.tensor([hand_value(stage, t, g) for g in range(groups)])
            gate.weight.zero_()
            gate.weight[:, 0] = torch.logit(values).repeat_interleave(gate.out_features // groups)


def run_tool(monkeypatch, *argv):
    monkeypatch.setattr(sys, 'argv', ['task_preference.py', *map(str, argv)])
    main()


def test_json_holds_the_hand_set_selection_values(nyud_root, tmp_path, monkeypatch):
    config, checkpoint = tiny_model_files(tmp_path, 'msm', SCALES,
                                          set_weights=set_selection_values)
    out = tmp_path / 'out'
    run_tool(monkeypatch, config, checkpoint, '--out-dir', out, '--cfg-options',
             f'test_dataloader.dataset.data_root={nyud_root}')
    result = json.loads((out / 'task_preference.json').read_text())
    assert result['num_images'] == 2  # the val split
    tasks = ['semseg', 'depth', 'normals', 'edge']
    assert [s['scales'] for s in result['stages']] == [list(s) for s in SCALES]
    assert [s['module'] for s in result['stages']] == [
        f'decode_head.stages.{i}.cross_task_block' for i in range(3)]
    for stage, record in enumerate(result['stages']):
        for t, task in enumerate(tasks):
            expected = [hand_value(stage, t, g) for g in range(len(SCALES[stage]))]
            per_scale = record['selection_value_per_scale'][task]
            assert list(per_scale) == [str(s) for s in SCALES[stage]]
            assert list(per_scale.values()) == pytest.approx(expected, abs=1e-6)
            assert record['selection_value'][task] == pytest.approx(
                sum(expected) / len(expected), abs=1e-6)
    assert (out / 'task_preference.png').stat().st_size > 0


def test_the_mean_is_weighted_by_the_image_area():
    # a 4x4 gate map of a 16x16 input: the padding covers the top 2 input rows, half of the
    # first row of gate positions
    logits = torch.full((1, 4, 4, 2), math.log(0.8 / 0.2))  # G = 0.8 on the image
    logits[:, 0, :, 1] = 0.  # G = 0.5 on the half-padded row, scale 2's channel
    mask = torch.ones(1, 1, 16, 16)
    mask[..., :2, :] = 0
    values = selection_by_scale(logits, mask, num_scales=2)
    # weights 0.5 (first row) and 1 (rows 2-4), 4 positions each
    expected_scale_2 = (0.5 * 0.5 + 3 * 0.8) / 3.5
    assert values[0].tolist() == pytest.approx([0.8, expected_scale_2], abs=1e-6)


def test_hooks_leave_the_outputs_unchanged(tmp_path):
    config, checkpoint = tiny_model_files(tmp_path, 'msm', SCALES)
    model = init_model(config, checkpoint)
    inputs = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        before = model(inputs)
        recorder = SelectionValueRecorder(model)
        during = model(inputs)
        recorder.remove()
    assert set(recorder.gate_logits) == {(s, t) for s in range(3) for t in before}
    for task in before:
        assert torch.equal(before[task], during[task])
    assert not any(m._forward_hooks for m in model.modules())


def test_a_model_without_ct_msm_is_refused():
    with pytest.raises(SystemExit, match='no CT-MSM'):
        SelectionValueRecorder(torch.nn.Linear(2, 2))
