import os.path as osp

import cv2
import numpy as np
import pytest
import scipy.io
import torch
from mmengine.evaluator import Evaluator
from mmseg.registry import METRICS

from msm_mm.evaluation import MultiTaskMetric
from msm_mm.evaluation.metrics import boundary_odsf, multi_task_metric, saliency_maxf
from msm_mm.structures import MultiTaskDataSample

NYUD_TASKS = ('semseg', 'depth', 'normals', 'edge')
META = dict(tasks=NYUD_TASKS, classes=('wall', 'floor', 'chair'))


def make_sample(seed: int, shape=(60, 80)) -> MultiTaskDataSample:
    """A sample with ground truth and a noisy prediction for the NYUD tasks."""
    rng = np.random.default_rng(seed)
    h, w = shape
    sample = MultiTaskDataSample(metainfo=dict(sample_id=f'{seed:04d}', ori_shape=shape,
                                               img_path=f'images/{seed:04d}.png'))
    semseg = rng.integers(0, 3, (1, h, w))
    semseg[:, :5] = 255
    sample.set_gt('semseg', torch.from_numpy(semseg))
    sample.set_pred('semseg', torch.from_numpy(np.where(rng.random((1, h, w)) < 0.8,
                                                        semseg % 255, 0)))
    depth = rng.uniform(0.5, 5, (1, h, w)).astype(np.float32)
    depth[:, :, :3] = 0
    sample.set_gt('depth', torch.from_numpy(depth))
    sample.set_pred('depth', torch.from_numpy(depth + rng.normal(0, 0.1, depth.shape)
                                              .astype(np.float32)))
    normals = rng.normal(size=(3, h, w)).astype(np.float32)
    normals /= np.linalg.norm(normals, axis=0)
    sample.set_gt('normals', torch.from_numpy(normals))
    sample.set_pred('normals', torch.from_numpy(normals + rng.normal(0, 0.2, normals.shape)
                                                .astype(np.float32)))
    edge = np.zeros((1, h, w), np.int64)
    edge[0, :, 20 + seed] = 1
    sample.set_gt('edge', torch.from_numpy(edge))
    sample.set_pred('edge', torch.from_numpy(edge.astype(np.float32) * 0.9))
    return sample


def run(metric_cfg, samples, meta=META):
    evaluator = Evaluator(metric_cfg)
    evaluator.dataset_meta = meta
    evaluator.process(data_samples=samples)
    return evaluator.evaluate(len(samples))


def test_registered_and_names():
    metric = METRICS.build(dict(type='MultiTaskMetric', edge_max_dist=0.011))
    assert isinstance(metric, MultiTaskMetric)
    results = run(dict(type='MultiTaskMetric', edge_max_dist=0.011,
                       single_task_results='nyud_swin_l'), [make_sample(i) for i in range(3)])
    assert set(results) == {
        'semseg/mIoU', 'depth/rmse', 'depth/abs_rel', 'depth/log_rmse', 'normals/mean',
        'normals/median', 'normals/11.25', 'normals/22.5', 'normals/30', 'edge/odsF',
        'multi_task/delta_m'
    }
    assert not any('loss' in key for key in results)
    assert 0 < results['semseg/mIoU'] < 100
    assert results['depth/rmse'] == pytest.approx(0.1, rel=0.1)
    assert results['edge/odsF'] > 90  # predictions on the boundaries


def test_distributed_style_merging_equals_one_process():
    samples = [make_sample(i) for i in range(4)]
    cfg = dict(edge_max_dist=0.011)
    whole = MultiTaskMetric(**cfg)
    whole.dataset_meta = META
    whole.process(None, [s.to_dict() for s in samples])
    ranks = [MultiTaskMetric(**cfg) for _ in range(2)]
    for rank, metric in enumerate(ranks):
        metric.dataset_meta = META
        metric.process(None, samples[rank::2])  # MultiTaskDataSample objects work too
    gathered = ranks[1].results + ranks[0].results
    assert ranks[0].compute_metrics(gathered) == pytest.approx(
        whole.compute_metrics(whole.results))


def test_odsf_optional_and_parallel():
    samples = [make_sample(i) for i in range(3)]
    serial = run(dict(type='MultiTaskMetric', edge_max_dist=0.011), samples)
    parallel = run(dict(type='MultiTaskMetric', edge_max_dist=0.011, nproc=2), samples)
    assert parallel == pytest.approx(serial)
    skipped = run(dict(type='MultiTaskMetric', compute_odsf=False,
                       single_task_results='nyud_swin_l'), samples)
    assert 'edge/odsF' not in skipped and 'multi_task/delta_m' not in skipped
    assert skipped['semseg/mIoU'] == serial['semseg/mIoU']


def test_tasks_options_and_errors():
    sample = make_sample(0)
    results = run(dict(type='MultiTaskMetric', tasks=['depth'], prefix='val'), [sample])
    assert set(results) == {'val/depth/rmse', 'val/depth/abs_rel', 'val/depth/log_rmse'}
    with pytest.raises(ValueError, match='0.011 for NYUD'):
        run(dict(type='MultiTaskMetric'), [sample])
    with pytest.raises(ValueError, match='num_classes'):
        run(dict(type='MultiTaskMetric', tasks=['semseg']), [sample], meta=dict(tasks=['semseg']))
    with pytest.raises(KeyError, match='unknown task'):
        MultiTaskMetric(tasks=['depht'])
    with pytest.raises(ValueError, match='needs output_dir'):
        MultiTaskMetric(format_only=True)
    with pytest.raises(ValueError, match=r"sample '0000': no prediction pred_sal"):
        run(dict(type='MultiTaskMetric', tasks=['sal']), [sample])
    bad = make_sample(1)
    bad.set_pred('depth', torch.zeros(1, 10, 10))
    with pytest.raises(ValueError, match=r"sample '0001', task 'depth'"):
        run(dict(type='MultiTaskMetric', tasks=['depth']), [bad])
    # A sample without ground truth of a task does not count for it.
    no_gt = MultiTaskDataSample(metainfo=dict(sample_id='x'))
    no_gt.set_pred('depth', torch.ones(1, 4, 4))
    alone = run(dict(type='MultiTaskMetric', tasks=['depth']), [sample])
    assert run(dict(type='MultiTaskMetric', tasks=['depth']), [sample, no_gt]) == alone


def test_saved_predictions(tmp_path):
    sample = make_sample(2)
    out = str(tmp_path / 'preds')
    results = run(dict(type='MultiTaskMetric', output_dir=out, format_only=True), [sample])
    assert results == {}
    semseg = cv2.imread(osp.join(out, 'semseg', '0002.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(semseg, sample.get_pred('semseg')[0].numpy())
    edge = cv2.imread(osp.join(out, 'edge', '0002.png'), cv2.IMREAD_UNCHANGED)
    assert edge.dtype == np.uint8 and edge.shape == (60, 80)
    assert set(np.unique(edge)) == {0, 229}  # floor(255 * 0.9)
    depth = scipy.io.loadmat(osp.join(out, 'depth', '0002.mat'))['depth']
    np.testing.assert_allclose(depth, sample.get_pred('depth')[0].numpy())
    normals = cv2.imread(osp.join(out, 'normals', '0002.png'))[..., ::-1].astype(float)  # RGB
    pred = sample.get_pred('normals').numpy()
    pred = pred / np.linalg.norm(pred, axis=0)
    np.testing.assert_allclose(2 * normals.transpose(2, 0, 1) / 255 - 1, pred, atol=0.01)


def test_pascal_tasks_and_images_without_parts():
    rng = np.random.default_rng(5)
    meta = dict(tasks=('semseg', 'human_parts', 'sal'), classes=[str(i) for i in range(21)],
                part_classes=[str(i) for i in range(7)])
    samples = []
    for i in range(3):
        sample = MultiTaskDataSample(metainfo=dict(sample_id=f'2008_{i:06d}'))
        semseg = rng.integers(0, 21, (1, 30, 40))
        sample.set_gt('semseg', torch.from_numpy(semseg))
        sample.set_pred('semseg', torch.from_numpy(semseg))
        parts = rng.integers(0, 7, (1, 30, 40)) if i else np.full((1, 30, 40), 255)
        sample.set_gt('human_parts', torch.from_numpy(parts))
        sample.set_pred('human_parts', torch.from_numpy(np.zeros((1, 30, 40), np.int64)))
        sal = rng.integers(0, 2, (1, 30, 40))
        sample.set_gt('sal', torch.from_numpy(sal))
        sample.set_pred('sal', torch.from_numpy(sal.astype(np.float32) * 0.8 + 0.1))
        samples.append(sample)
    results = run(dict(type='MultiTaskMetric'), samples, meta=meta)
    assert results['semseg/mIoU'] == pytest.approx(100)
    assert results['sal/maxF'] == pytest.approx(100)
    # Only class 0 (background) is predicted: IoU(0) = share of 0 among labelled pixels.
    labelled = np.concatenate([s.get_gt('human_parts').numpy().ravel() for s in samples[1:]])
    iou0 = np.mean(labelled == 0)
    assert results['human_parts/mIoU'] == pytest.approx(100 * iou0 / 7)


def capture_logs(monkeypatch, *modules):
    """Messages given to ``print_log`` in ``modules``."""
    messages = []
    for module in modules:
        monkeypatch.setattr(module, 'print_log', lambda msg, *a, **k: messages.append(msg))
    return messages


def test_odsf_on_a_listed_subset(tmp_path, monkeypatch):
    """edge_eval_ids restricts odsF (only) to the listed images and the log
    says so; other metrics keep every image."""
    samples = [make_sample(i) for i in range(3)]
    for sample in samples[1:]:  # predictions that miss their boundary
        sample.set_pred('edge', torch.zeros(1, 60, 80))
    ids = tmp_path / 'test_new.txt'
    ids.write_text('0000\n\n')
    cfg = dict(type='MultiTaskMetric', edge_max_dist=0.011)
    log = capture_logs(monkeypatch, boundary_odsf, multi_task_metric)
    subset = run(dict(cfg, edge_eval_ids=str(ids)), samples)
    everything = run(cfg, samples)
    assert subset['edge/odsF'] > everything['edge/odsF'] + 20
    assert subset['semseg/mIoU'] == everything['semseg/mIoU']
    assert run(cfg, samples[:1])['edge/odsF'] == subset['edge/odsF']
    assert any('odsF on the 1 images of test_new.txt (edge_eval_ids)' in m for m in log)
    assert any('odsF on all 3 images with ground truth' in m for m in log)
    # A listed id that was not evaluated is reported.
    ids.write_text('0000\n0007\n')
    run(dict(cfg, edge_eval_ids=str(ids)), samples)
    assert any('1 of the 2 ids of' in m for m in log)


def test_saliency_protocol_is_logged(monkeypatch):
    log = capture_logs(monkeypatch, saliency_maxf)
    gt = np.array([[[1, 0]]])
    for quirk, name in ((False, 'standard definition, p >= t'),
                        (True, 'InvPT/MTMamba protocol, sigmoid(p) >= t')):
        metric = saliency_maxf.SaliencyMaxF(sigmoid_quirk=quirk)
        metric.compute([metric.process(np.array([[[0.9, 0.1]]]), gt, 'a')])
        assert f'maxF ({name})' in log[-1]


def test_odsf_subset_file_errors(tmp_path):
    cfg = dict(type='MultiTaskMetric', edge_max_dist=0.011)
    with pytest.raises(FileNotFoundError, match="'test_new' list .* edge_eval_ids=None"):
        run(dict(cfg, edge_eval_ids=str(tmp_path / 'missing.txt')), [make_sample(0)])
    empty = tmp_path / 'empty.txt'
    empty.write_text('\n')
    with pytest.raises(ValueError, match='lists no sample id'):
        run(dict(cfg, edge_eval_ids=str(empty)), [make_sample(0)])
    # Without odsF the list is not needed.
    run(dict(cfg, compute_odsf=False, edge_eval_ids=str(tmp_path / 'missing.txt')),
        [make_sample(0)])


def test_edge_options_reach_the_boundary_metric():
    metric = MultiTaskMetric(tasks=['edge'], edge_max_dist=0.0075, edge_gt_is_boundary=True,
                             edge_matching='bsds')
    edge = metric.task_metrics['edge']
    assert edge.gt_is_boundary and edge.matching == 'bsds'
    with pytest.raises(ValueError, match="matching must be 'exact' or 'bsds'"):
        MultiTaskMetric(tasks=['edge'], edge_max_dist=0.01, edge_matching='x').task_metrics
