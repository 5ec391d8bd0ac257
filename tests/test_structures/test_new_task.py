"""A task added in one place, a :class:`TaskSpec` in ``TASKS`` (and its
loss in the model config), goes through the whole chain: the pipeline, two
training steps of a tiny model, prediction, evaluation, written predictions
and the visualiser."""
import numpy as np
import pytest
import scipy.io
import torch
from mmengine.optim import OptimWrapper
from mmseg.registry import MODELS
from tiny_models import tiny_model_cfg

from msm_mm.datasets.transforms import (MultiTaskRandomFlip, MultiTaskRandomScale,
                                        PackMultiTaskInputs)
from msm_mm.evaluation import MultiTaskMetric
from msm_mm.structures import TASKS, MapKind, MultiTaskDataSample, TaskSpec
from msm_mm.visualization import MultiTaskLocalVisualizer, shared_scale
from msm_mm.visualization.panels import GAP, TITLE_HEIGHT

H, W = 16, 24  # 32x48 after the x2 rescale

#: Toy tasks (one per kind that needs no dataset metainfo), their loss, and
#: the names of the metrics their metric class returns.
TOY_TASKS = [
    (TaskSpec('toy_mask', MapKind.PROBABILITY, 'SaliencyMaxF'), dict(type='BalancedBCELoss'),
     ['maxF']),
    (TaskSpec('toy_distance', MapKind.SCALAR, 'DepthError', rescale_divides_values=True,
              unit='cm'), dict(type='MaskedL1Loss'), ['rmse', 'abs_rel', 'log_rmse']),
    (TaskSpec('toy_vector', MapKind.VECTOR, 'NormalError', gt_channels=3,
              flip_negated_channels=(0, )), dict(type='NormalL1Loss'),
     ['mean', 'median', '11.25', '22.5', '30']),
]


def random_gt(spec, rng):
    """A ground-truth map in the pipeline's layout ((H, W) or (H, W, C))."""
    if spec.kind is MapKind.PROBABILITY:
        return (rng.random((H, W)) > 0.5).astype(np.uint8)
    if spec.kind is MapKind.SCALAR:
        return rng.uniform(0.5, 3, (H, W)).astype(np.float32)
    vectors = rng.normal(size=(H, W, spec.gt_channels)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=2, keepdims=True)


def pipeline_input(spec, gt, index, rng):
    return dict(img=rng.normal(size=(H, W, 3)).astype(np.float32), gt_tasks=[spec.name],
                **{f'gt_{spec.name}': gt}, sample_id=f'{index:04d}', img_path=f'{index:04d}.jpg',
                ori_shape=(H, W), img_shape=(H, W))


@pytest.mark.parametrize('spec, loss, metric_names', TOY_TASKS,
                         ids=[spec.name for spec, _, _ in TOY_TASKS])
def test_a_task_added_to_tasks_trains_evaluates_and_draws(spec, loss, metric_names, tmp_path,
                                                          monkeypatch):
    monkeypatch.setitem(TASKS, spec.name, spec)
    task, rng = spec.name, np.random.default_rng(0)
    channels = spec.gt_channels if spec.kind is MapKind.VECTOR else 1

    # Pipeline: a x2 rescale and a flip treat the map as its spec says.
    scale, flip = MultiTaskRandomScale((2., 2.)), MultiTaskRandomFlip(prob=1.)
    pack = PackMultiTaskInputs()
    train_batch = dict(inputs=[], data_samples=[])
    for i in range(2):
        gt = random_gt(spec, rng)
        packed = pack(flip(scale(pipeline_input(spec, gt, i, rng))))
        expected = np.repeat(np.repeat(gt, 2, 0), 2, 1)[:, ::-1].copy()
        if spec.rescale_divides_values:
            expected /= 2
        for c in spec.flip_negated_channels:
            expected[..., c] *= -1
        expected = expected[None] if expected.ndim == 2 else expected.transpose(2, 0, 1)
        gt_packed = packed['data_samples'].get_gt(task)
        assert gt_packed.dtype == spec.gt_dtype
        np.testing.assert_allclose(gt_packed.numpy(), expected, rtol=1e-6)
        train_batch['inputs'].append(packed['inputs'])
        train_batch['data_samples'].append(packed['data_samples'])

    # Two training steps of a tiny model with the task's head and loss.
    torch.manual_seed(0)
    model = MODELS.build(
        tiny_model_cfg({task: channels}, decode_head=dict(losses={task: loss}),
                       data_preprocessor=dict(type='MultiTaskDataPreProcessor', _scope_='mmseg')))
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    head = model.decode_head.task_heads[task]
    before = [p.detach().clone() for p in head.parameters()]
    for _ in range(2):
        log_vars = model.train_step(train_batch, optim_wrapper)
        assert torch.isfinite(log_vars[f'decode.loss_{task}'])
    assert any(not torch.equal(a, b) for a, b in zip(before, head.parameters()))

    # Prediction: the kind's encoding at the original size; a flip is undone.
    model.eval()
    test_inputs = [pack(pipeline_input(spec, random_gt(spec, rng), i, rng)) for i in (7, 8)]
    with torch.no_grad():
        samples = model.val_step(dict(inputs=[x['inputs'] for x in test_inputs],
                                      data_samples=[x['data_samples'] for x in test_inputs]))
        inputs = torch.stack([test_inputs[0]['inputs']])
        meta = dict(img_shape=(H, W), ori_shape=(H, W))
        plain = model.predict(inputs, [MultiTaskDataSample(metainfo=meta)])[0].get_pred(task)
        flipped = model.predict(inputs, [MultiTaskDataSample(metainfo=dict(meta, flip=True))])
    unflipped = plain.flip(-1)
    unflipped[list(spec.flip_negated_channels)] *= -1
    torch.testing.assert_close(flipped[0].get_pred(task), unflipped)
    pred = samples[0].get_pred(task)
    assert pred.shape == (channels, H, W)
    if spec.kind is MapKind.PROBABILITY:
        assert 0 <= pred.min() and pred.max() <= 1
    elif spec.kind is MapKind.SCALAR:
        assert pred.min() >= 0
    else:
        torch.testing.assert_close(pred.norm(dim=0), torch.ones(H, W))

    # Evaluation with the metric the spec names, predictions written by kind.
    metric = MultiTaskMetric(output_dir=str(tmp_path / 'pred'))
    metric.dataset_meta = dict(tasks=[task])
    metric.process({}, samples)
    results = metric.evaluate(len(samples))
    assert sorted(results) == sorted(f'{task}/{name}' for name in metric_names)
    assert all(np.isfinite(v) for v in results.values())
    if spec.kind is MapKind.SCALAR:
        written = scipy.io.loadmat(tmp_path / 'pred' / task / '0007.mat')[task]
        np.testing.assert_array_equal(written, pred[0].numpy())
    else:
        assert (tmp_path / 'pred' / task / '0007.png').is_file()

    # The visualiser draws the image, the prediction and the ground truth.
    visualizer = MultiTaskLocalVisualizer(name=f'new_task_{task}')
    visualizer.dataset_meta = dict(tasks=[task])
    image = np.zeros((H, W, 3), np.uint8)
    drawn = visualizer.draw_datasample(image, samples[0])
    assert drawn.shape == (TITLE_HEIGHT + H, 3 * W + 2 * GAP, 3)
    max_value, suffix = shared_scale(task, [pred.numpy(), samples[0].get_gt(task).numpy()])
    if spec.kind is MapKind.SCALAR:
        assert suffix == f' (0-{max_value:.1f} cm)'
    else:
        assert (max_value, suffix) == (None, '')


def test_a_task_naming_an_unknown_metric_is_refused(monkeypatch):
    monkeypatch.setitem(TASKS, 'toy', TaskSpec('toy', MapKind.SCALAR, 'NoSuchMetric'))
    metric = MultiTaskMetric(tasks=['toy'])
    with pytest.raises(ValueError, match="'toy' names the metric 'NoSuchMetric'; known metrics"):
        metric.task_metrics
