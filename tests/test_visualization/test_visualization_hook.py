from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.visualization import Visualizer

from msm_mm.engine import MultiTaskVisualizationHook
from msm_mm.structures import MultiTaskDataSample
from msm_mm.visualization import MultiTaskLocalVisualizer
from msm_mm.visualization.panels import GAP, TITLE_HEIGHT

H, W = 48, 64


@pytest.fixture
def outputs(tmp_path):
    """Two predicted samples whose images are on disk."""
    samples = []
    for sample_id in ('0001', '0002'):
        img_path = str(tmp_path / 'images' / f'{sample_id}.jpg')
        (tmp_path / 'images').mkdir(exist_ok=True)
        cv2.imwrite(img_path, np.zeros((H, W, 3), np.uint8))
        sample = MultiTaskDataSample(metainfo=dict(img_path=img_path, sample_id=sample_id))
        sample.set_pred('semseg', torch.zeros(1, H, W, dtype=torch.long))
        sample.set_pred('depth', torch.ones(1, H, W))
        sample.set_gt('depth', torch.ones(1, H, W))
        samples.append(sample)
    return samples


def make_visualizer(name, save_dir):
    return MultiTaskLocalVisualizer.get_instance(
        name, vis_backends=[dict(type='LocalVisBackend')], save_dir=str(save_dir))


def make_runner(visualizer, log_dir, iter=0):
    """What the hook reads of a runner."""
    return SimpleNamespace(visualizer=visualizer, log_dir=str(log_dir), iter=iter)


@pytest.mark.parametrize('absolute', [False, True])
def test_test_mode_writes_every_image(outputs, tmp_path, absolute):
    visualizer = make_visualizer(f'test_hook_test_{absolute}', tmp_path / 'backend')
    out_dir = str(tmp_path / 'abs_vis') if absolute else 'vis'
    hook = MultiTaskVisualizationHook(draw=True, test_out_dir=out_dir)
    runner = make_runner(visualizer, tmp_path / 'work_dir' / '20261127_020000')
    hook.before_run(runner)
    hook.after_test_iter(runner, 0, {}, outputs)
    expected = tmp_path / 'abs_vis' if absolute else tmp_path / 'work_dir/20261127_020000/vis'
    written = sorted(p.name for p in expected.glob('*.png'))
    assert written == ['0001.png', '0002.png']
    # The input, semseg pred, depth pred, depth gt.
    assert cv2.imread(str(expected / '0001.png')).shape == (H + TITLE_HEIGHT, 4 * W + 3 * GAP, 3)
    assert not (tmp_path / 'backend').exists()


def test_test_mode_without_out_dir_uses_backends(outputs, tmp_path):
    runner = make_runner(make_visualizer('test_hook_backend', tmp_path), tmp_path)
    hook = MultiTaskVisualizationHook(draw=True)
    hook.before_run(runner)
    hook.after_test_iter(runner, 0, {}, outputs)
    names = sorted(p.name for p in tmp_path.glob('vis_data/vis_image/*.png'))
    assert names == ['test_0001_1.png', 'test_0002_2.png']


def test_val_interval_and_draw_off(outputs, tmp_path):
    runner = make_runner(make_visualizer('test_hook_val', tmp_path), tmp_path, iter=100)
    for hook in (MultiTaskVisualizationHook(draw=False, interval=1),
                 MultiTaskVisualizationHook(draw=False, test_out_dir='x')):
        hook.before_run(runner)
        hook.after_val_iter(runner, 0, {}, outputs)
        hook.after_test_iter(runner, 0, {}, outputs)
    assert not list(tmp_path.rglob('*.png'))
    hook = MultiTaskVisualizationHook(draw=True, interval=2)
    hook.before_run(runner)
    for batch_idx, output in enumerate(outputs):
        hook.after_val_iter(runner, batch_idx, {}, [output])
    names = sorted(p.name for p in tmp_path.glob('vis_data/vis_image/*.png'))
    assert names == ['val_0002_100.png']  # the 2nd batch only


def test_draws_with_its_runners_visualizer(outputs, tmp_path):
    """Another visualizer created later (another runner of the process) does
    not take the pictures."""
    runner = make_runner(make_visualizer('test_hook_own', tmp_path / 'own'), tmp_path)
    make_visualizer('test_hook_later', tmp_path / 'later')
    hook = MultiTaskVisualizationHook(draw=True)
    hook.before_run(runner)
    hook.after_test_iter(runner, 0, {}, outputs)
    assert len(list((tmp_path / 'own').glob('vis_data/vis_image/*.png'))) == 2
    assert not (tmp_path / 'later').exists()


def test_needs_the_multi_task_visualizer(tmp_path):
    runner = make_runner(Visualizer.get_instance('test_hook_plain_visualizer'), tmp_path)
    with pytest.raises(TypeError, match='MultiTaskLocalVisualizer'):
        MultiTaskVisualizationHook(draw=True).before_run(runner)
    with pytest.raises(ValueError, match='interval'):
        MultiTaskVisualizationHook(interval=0)
