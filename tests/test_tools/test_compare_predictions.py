"""tools/analysis_tools/compare_predictions.py (the paper's Figure 6) on two
tiny models."""
import json
import sys
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from analysis_inputs import check_same_tasks, model_pairs
from analysis_models import tiny_model_files
from compare_predictions import main

from msm_mm.apis import inference_model, init_model
from msm_mm.visualization import color_label, color_prediction
from msm_mm.visualization.panels import GAP, TITLE_HEIGHT


def test_grid_of_two_models_and_the_ground_truth(nyud_synthetic, tmp_path, monkeypatch):
    msm = tiny_model_files(tmp_path, 'msm', [(1, 2)] * 3)
    mtmamba = tiny_model_files(tmp_path, 'mtmamba', [(1, )] * 3, seed=1)
    out = tmp_path / 'out'
    monkeypatch.setattr(sys, 'argv', [
        'compare_predictions.py', *mtmamba, *msm, '--names', 'MTMamba', 'MSM', '--out-dir',
        str(out), '--cfg-options', f'test_dataloader.dataset.data_root={nyud_synthetic.root}'
    ])
    main()
    result = json.loads((out / 'predictions.json').read_text())
    assert result['pictures'] == ['0001.png', '0002.png']  # the val split, 48x64
    picture = cv2.cvtColor(cv2.imread(str(out / '0001.png')), cv2.COLOR_BGR2RGB)
    # the image row, then one row per task (semseg, depth, normals, edge); three maps a row
    row = 48 + TITLE_HEIGHT + GAP
    assert picture.shape == (5 * row - GAP, 3 * 64 + 2 * GAP, 3)

    def tile(task_row, column):
        top, left = task_row * row + TITLE_HEIGHT, column * (64 + GAP)
        return picture[top:top + 48, left:left + 64]

    image_file = f'{nyud_synthetic.root}/images/0001.png'
    for column, (config, checkpoint) in enumerate([mtmamba, msm]):
        model = init_model(config, checkpoint)
        semseg = inference_model(model, image_file).pred_semseg.data.numpy()
        np.testing.assert_array_equal(tile(1, column),
                                      color_prediction('semseg', semseg, model.dataset_meta))
    gt = nyud_synthetic.labels['0001']['semseg'][None]
    np.testing.assert_array_equal(tile(1, 2), color_label('semseg', gt, model.dataset_meta))


def test_config_and_checkpoint_must_come_in_pairs(tmp_path):
    config = tmp_path / 'a.py'
    config.write_text('')
    with pytest.raises(SystemExit, match='expected CONFIG CHECKPOINT pairs, got 1'):
        model_pairs([str(config)])
    with pytest.raises(SystemExit, match='file not found: .*missing.pth'):
        model_pairs([str(config), str(tmp_path / 'missing.pth')])


def test_models_must_predict_the_same_tasks_in_any_order():
    a = SimpleNamespace(tasks=('semseg', 'depth'))
    b = SimpleNamespace(tasks=('depth', 'semseg'))  # a dumped config sorts its keys
    check_same_tasks([a, b], ['a', 'b'])
    with pytest.raises(SystemExit, match='the models predict different tasks'):
        check_same_tasks([a, SimpleNamespace(tasks=('semseg', ))], ['a', 'c'])
