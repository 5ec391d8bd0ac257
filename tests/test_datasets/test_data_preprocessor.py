import pytest
import torch

from msm_mm.models import MultiTaskDataPreProcessor
from msm_mm.structures import MultiTaskDataSample


def make_sample(h, w, padding=None):
    sample = MultiTaskDataSample()
    sample.set_gt('semseg', torch.randint(0, 5, (1, h, w)))
    sample.set_gt('depth', torch.rand(1, h, w) + 0.5)
    sample.set_gt('normals', torch.ones(3, h, w))
    sample.set_gt('edge', torch.randint(0, 2, (1, h, w)))
    if padding is not None:
        sample.set_metainfo(dict(padding=padding))
    return sample


def test_pads_each_task_with_its_ignore_value():
    data = dict(inputs=[torch.ones(3, 10, 12), torch.ones(3, 8, 16)],
                data_samples=[make_sample(10, 12, padding=(1, 1, 2, 2)), make_sample(8, 16)])
    out = MultiTaskDataPreProcessor()(data, training=True)
    inputs, samples = out['inputs'], out['data_samples']
    assert inputs.shape == (2, 3, 10, 16) and inputs.dtype == torch.float32
    assert (inputs[0, :, :, 12:] == 0).all() and (inputs[1, :, 8:] == 0).all()
    assert (inputs[0, :, :, :12] == 1).all()
    first, second = samples
    assert first.padding == (1, 1, 2, 6) and second.padding == (0, 2, 0, 0)
    assert first.pad_shape == first.batch_input_shape == (10, 16)
    assert (first.get_gt('semseg')[:, :, 12:] == 255).all()
    assert (first.get_gt('edge')[:, :, 12:] == 255).all()
    assert (first.get_gt('depth')[:, :, 12:] == 0).all()
    assert (first.get_gt('depth')[:, :, :12] > 0).all()
    assert (second.get_gt('normals')[:, 8:] == 0).all()
    assert (second.get_gt('normals')[:, :8] == 1).all()
    assert second.get_gt('semseg').dtype == torch.long


def test_size_and_divisor():
    data = dict(inputs=[torch.zeros(3, 10, 12, dtype=torch.uint8)],
                data_samples=[make_sample(10, 12)])
    out = MultiTaskDataPreProcessor(size=(20, 13), size_divisor=8)(data, training=True)
    assert out['inputs'].shape == (1, 3, 24, 16) and out['inputs'].dtype == torch.float32
    assert out['data_samples'][0].get_gt('depth').shape == (1, 24, 16)


def test_pad_val_and_no_samples():
    out = MultiTaskDataPreProcessor(size=(4, 4), pad_val=-1)(dict(inputs=[torch.ones(3, 2, 2)]))
    assert out['data_samples'] is None and out['inputs'][0, 0, 3, 3] == -1


def test_ground_truth_kept_out_of_training():
    data = dict(inputs=[torch.ones(3, 10, 12), torch.ones(3, 8, 16)],
                data_samples=[make_sample(6, 7), make_sample(8, 16)])
    out = MultiTaskDataPreProcessor()(data, training=False)
    assert out['inputs'].shape == (2, 3, 10, 16)
    first = out['data_samples'][0]
    assert first.get_gt('semseg').shape == (1, 6, 7) and first.padding == (0, 0, 0, 4)


@pytest.mark.parametrize('training', [True, False])
def test_built_from_registry(training):
    from mmseg.registry import MODELS
    preprocessor = MODELS.build(dict(type='MultiTaskDataPreProcessor', size_divisor=4))
    out = preprocessor(dict(inputs=[torch.ones(3, 5, 5)], data_samples=[make_sample(5, 5)]),
                       training=training)
    assert out['inputs'].shape == (1, 3, 8, 8)
