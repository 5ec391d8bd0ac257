import cv2
import numpy as np
import pytest
import torch

from msm_mm.datasets.palettes import voc_palette
from msm_mm.structures import MultiTaskDataSample
from msm_mm.visualization import (MultiTaskLocalVisualizer, color_depth, color_probability,
                                  save_task_predictions)
from msm_mm.visualization.panels import GAP, TITLE_HEIGHT

H, W = 48, 64
META = dict(tasks=('semseg', 'depth', 'normals', 'edge'), palette=voc_palette(5, offset=1))


def make_sample(with_gt=True):
    """Predictions for four tasks; ground truth for semseg and depth."""
    torch.manual_seed(0)
    sample = MultiTaskDataSample(metainfo=dict(sample_id='0007', ori_shape=(H, W)))
    sample.set_pred('semseg', torch.randint(0, 5, (1, H, W)))
    sample.set_pred('depth', torch.full((1, H, W), 2.0))
    sample.set_pred('normals', torch.nn.functional.normalize(torch.randn(3, H, W), dim=0))
    sample.set_pred('edge', torch.rand(1, H, W))
    if with_gt:
        semseg = torch.randint(0, 5, (1, H, W))
        semseg[:, :4] = 255
        sample.set_gt('semseg', semseg)
        depth = torch.full((1, H, W), 4.0)
        depth[:, :, :3] = 0
        sample.set_gt('depth', depth)
    return sample


def panel(drawn, index):
    """The ``index``-th picture of a row of ``W``-wide pictures."""
    left = index * (W + GAP)
    return drawn[TITLE_HEIGHT:, left:left + W]


@pytest.fixture
def visualizer():
    vis = MultiTaskLocalVisualizer(name='test_local_visualizer')
    vis.dataset_meta = META
    return vis


def test_draw_datasample_panels(visualizer):
    image = np.full((H, W, 3), 77, np.uint8)
    drawn = visualizer.draw_datasample(image, make_sample())
    # The input, 4 predictions, 2 ground truths.
    assert drawn.shape == (H + TITLE_HEIGHT, 7 * W + 6 * GAP, 3)
    assert (panel(drawn, 0) == 77).all()
    # Order: semseg pred, semseg gt, depth pred, depth gt, normals pred, edge pred.
    semseg_gt = panel(drawn, 2)
    assert (semseg_gt[:4] == 0).all()  # ignored ground truth is black
    assert {tuple(c) for c in semseg_gt[4:].reshape(-1, 3)} <= {tuple(c) for c in META['palette']}
    # Depth: one range for both (0-4 m), invalid ground truth black.
    depth_pred, depth_gt = panel(drawn, 3), panel(drawn, 4)
    np.testing.assert_array_equal(depth_pred[0, 0], color_depth(np.array([[2.]]), 4.)[0, 0])
    np.testing.assert_array_equal(depth_gt[0, 5], color_depth(np.array([[4.]]), 4.)[0, 0])
    assert (depth_gt[:, :3] == 0).all()
    normals = make_sample().get_pred('normals').numpy()
    expected = ((normals.transpose(1, 2, 0) + 1) * 127.5).astype(np.uint8)
    np.testing.assert_array_equal(panel(drawn, 5), expected)
    edge = make_sample().get_pred('edge').numpy()[0]
    np.testing.assert_array_equal(panel(drawn, 6), color_probability(edge))


def test_draw_flags(visualizer):
    image = np.zeros((H, W, 3), np.uint8)
    assert visualizer.draw_datasample(image, make_sample(), draw_gt=False).shape[1] == \
        5 * W + 4 * GAP
    assert visualizer.draw_datasample(image, make_sample(), draw_pred=False).shape[1] == \
        3 * W + 2 * GAP
    assert visualizer.draw_datasample(image).shape == (H + TITLE_HEIGHT, W, 3)
    with pytest.raises(ValueError, match='RGB'):
        visualizer.draw_datasample(image[..., 0], make_sample())


def test_ignore_color_and_palette_fallback():
    vis = MultiTaskLocalVisualizer(name='test_ignore_color', ignore_color=(255, 255, 255))
    drawn = vis.draw_datasample(np.zeros((H, W, 3), np.uint8), make_sample())
    assert (panel(drawn, 2)[:4] == 255).all()
    with pytest.raises(ValueError, match='RGB triple'):
        MultiTaskLocalVisualizer(name='test_bad_ignore_color', ignore_color=(1, 2))


def test_add_datasample_to_file_and_backend(visualizer, tmp_path):
    image = np.zeros((H, W, 3), np.uint8)
    out_file = tmp_path / 'out' / 'a.png'
    visualizer.add_datasample('a', image, make_sample(), out_file=str(out_file))
    assert cv2.imread(str(out_file)).shape == (H + TITLE_HEIGHT, 7 * W + 6 * GAP, 3)
    vis = MultiTaskLocalVisualizer(name='test_backend', vis_backends=[dict(
        type='LocalVisBackend')], save_dir=str(tmp_path))
    vis.add_datasample('b', image, make_sample(with_gt=False), step=3)
    written = list(tmp_path.glob('vis_data/vis_image/b_3.png'))
    assert len(written) == 1
    assert cv2.imread(str(written[0])).shape == (H + TITLE_HEIGHT, 5 * W + 4 * GAP, 3)


def test_save_task_predictions(tmp_path):
    paths = save_task_predictions(make_sample(), str(tmp_path / 'pred'), 'img', META)
    assert list(paths) == ['semseg', 'depth', 'normals', 'edge']
    for task, path in paths.items():
        assert path.endswith(f'img_{task}.png')
        assert cv2.imread(path).shape == (H, W, 3)
    with pytest.raises(ValueError, match='pred_'):
        save_task_predictions(MultiTaskDataSample(), str(tmp_path), 'x')
