"""tools/analysis_tools/task_attention.py (the paper's Figures 1 and 9) on
tiny models."""
import json
import sys

import numpy as np
import pytest
import torch
from analysis_models import tiny_model_files
from task_attention import attention_maps, main, spread

from msm_mm.apis import init_model
from msm_mm.structures import MultiTaskDataSample

MSM_SCALES = [(1, 2)] * 3
MTMAMBA_SCALES = [(1, )] * 3


def run_tool(monkeypatch, *argv):
    monkeypatch.setattr(sys, 'argv', ['task_attention.py', *map(str, argv)])
    main()


def test_spread_by_hand():
    attention = np.zeros((11, 11))
    attention[5, 5] = 1.  # at the pixel
    attention[5, 10] = 1.  # 5 pixels right of it
    assert spread(attention, (5, 5)) == dict(radius_50=0., radius_90=5., mean_distance=2.5)
    attention[0, 5] = 2.  # 5 pixels above: a quarter of the sum at the pixel, all within 5
    assert spread(attention, (5, 5)) == dict(radius_50=5., radius_90=5., mean_distance=3.75)
    assert spread(np.zeros((3, 3)), (1, 1)) == dict.fromkeys(
        ['radius_50', 'radius_90', 'mean_distance'])


def test_maps_match_finite_differences(tmp_path):
    """The map at an input pixel is the root of the summed squares of the
    output's derivatives by that pixel's RGB values, which central
    differences estimate independently."""
    config, checkpoint = tiny_model_files(tmp_path, 'msm', MSM_SCALES)
    model = init_model(config, checkpoint)
    torch.manual_seed(1)
    inputs = torch.randn(1, 3, 64, 64)
    # a 48x64 image padded by 8 rows above and below
    sample = MultiTaskDataSample(metainfo=dict(
        sample_id='x', padding=(8, 8, 0, 0), img_shape=(48, 64), ori_shape=(48, 64)))
    point = (20, 30)
    maps = attention_maps(model, inputs, sample, [point])
    assert {t: tuple(m.shape) for t, m in maps.items()} == dict.fromkeys(
        ['semseg', 'depth', 'normals', 'edge'], (1, 48, 64))

    def outputs(x):
        with torch.no_grad():
            logits = model(x)
        return {t: v[0, :, 8 + point[0], point[1]].double() for t, v in logits.items()}

    base = outputs(inputs)
    channels = dict(semseg=[int(base['semseg'].argmax())], depth=[0], normals=[0, 1, 2],
                    edge=[0])
    eps = 1e-2
    for task, task_map in maps.items():
        top = torch.topk(task_map[0].flatten(), 3).indices
        for q in top.tolist():
            qy, qx = divmod(q, 64)
            squares = 0.
            for rgb in range(3):
                up, down = inputs.clone(), inputs.clone()
                up[0, rgb, 8 + qy, qx] += eps
                down[0, rgb, 8 + qy, qx] -= eps
                diff = (outputs(up)[task] - outputs(down)[task]) / (2 * eps)
                squares += float(diff[channels[task]].pow(2).sum())
            assert float(task_map[0, qy, qx]) == pytest.approx(squares**0.5, rel=5e-2), task


def test_two_models_side_by_side(nyud_root, tmp_path, monkeypatch):
    msm = tiny_model_files(tmp_path, 'msm', MSM_SCALES)
    mtmamba = tiny_model_files(tmp_path, 'mtmamba', MTMAMBA_SCALES, seed=1)
    out = tmp_path / 'out'
    run_tool(monkeypatch, *msm, *mtmamba, '--names', 'w/ MS', 'w/o MS', '--grid', 2, 2,
             '--out-dir', out, '--cfg-options', f'test_dataloader.dataset.data_root={nyud_root}')
    result = json.loads((out / 'task_attention.json').read_text())
    assert [m['name'] for m in result['models']] == ['w/ MS', 'w/o MS']
    image, = result['images']  # --num defaults to 1
    # the cell centres of a 2x2 grid on the 48x64 image
    points = [(p['y'], p['x']) for p in image['points']]
    assert points == [(12, 16), (12, 48), (36, 16), (36, 48)]
    for point in image['points']:
        assert (out / point['picture']).stat().st_size > 0
        assert list(point['spread']) == ['semseg', 'depth', 'normals', 'edge']
        for by_model in point['spread'].values():
            assert list(by_model) == ['w/ MS', 'w/o MS']
            for values in by_model.values():
                assert 0 <= values['radius_50'] <= values['radius_90'] <= np.hypot(48, 64)
    summary = result['summary']['depth']['w/ MS']['radius_50']
    expected = np.mean([p['spread']['depth']['w/ MS']['radius_50'] for p in image['points']])
    assert summary == pytest.approx(expected)


def test_a_pixel_outside_the_image_is_refused(nyud_root, tmp_path, monkeypatch):
    msm = tiny_model_files(tmp_path, 'msm', MSM_SCALES)
    with pytest.raises(SystemExit, match='outside image 0001 of size 48x64'):
        run_tool(monkeypatch, *msm, '--points', 48, 10, '--out-dir', tmp_path / 'out',
                 '--cfg-options', f'test_dataloader.dataset.data_root={nyud_root}')
