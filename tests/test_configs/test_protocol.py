"""The configs follow the published protocols: the MSM paper's recipe for MSM,
the MTMamba release's for MTMamba, SEISM's boundary ground truth and image set
on PASCAL-Context, and best-checkpoint selection with the right rules."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.evaluator import BaseMetric
from mmengine.hooks import CheckpointHook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from msm_mm.evaluation.metrics import (BoundaryODSF, DepthError, NormalError, SaliencyMaxF,
                                       SegmentationIoU)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MTMAMBA = ['mtmamba_swin-l_nyud.py', 'mtmamba_swin-l_pascal-context.py',
           'mtmamba_swin-b_nyud.py', 'mtmamba_swin-b_pascal-context.py']


def load(path):
    return Config.fromfile(osp.join(ROOT, 'configs', path))


@pytest.mark.parametrize('name', MTMAMBA)
def test_mtmamba_release_recipe(name):
    cfg = load(f'mtmamba/{name}')
    assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                                               eps=1e-8, weight_decay=1e-5, fused=True)
    assert cfg.param_scheduler == [dict(type='PolyLR', eta_min=0, power=0.9, begin=0,
                                        end=50000, by_epoch=False)]  # no warm-up
    assert cfg.train_cfg.max_iters == 50000
    assert cfg.train_dataloader.batch_size == 1  # per GPU, on 8 GPUs
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=8)
    head = cfg.model.decode_head
    assert head.loss_scheme == 'log_sum' and head.scales == [(1, ), (1, ), (1, )]


@pytest.mark.parametrize('name,batch,iters', [('msm_swin-l_nyud.py', 4, 50000),
                                              ('msm_swin-l_pascal-context.py', 6, 75000)])
def test_msm_paper_recipe(name, batch, iters):
    cfg = load(f'msm/{name}')
    assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=5e-5, weight_decay=1e-5,
                                               fused=True)
    assert cfg.param_scheduler[0].end == cfg.train_cfg.max_iters == iters
    assert cfg.train_dataloader.batch_size == batch
    assert 'auto_scale_lr' not in cfg


def test_reference_losses():
    losses = load('msm/msm_swin-l_pascal-context.py').model.decode_head.losses
    assert losses.sal == dict(type='PixelCrossEntropyLoss', class_balanced=True)
    assert losses.normals == dict(type='NormalL1Loss')


def test_pascal_boundary_protocol():
    cfg = load('_base_/datasets/pascal_context.py')
    loaders = [t for t in cfg.test_dataloader.dataset.pipeline
               if t.type == 'LoadPascalContextAnnotations']
    assert [t.get('edge_gt') for t in loaders] == ['seism']
    train_loaders = [t for t in cfg.train_dataloader.dataset.pipeline
                     if t.type == 'LoadPascalContextAnnotations']
    assert [t.get('edge_gt', 'laplacian') for t in train_loaders] == ['laplacian']
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert evaluator.edge_gt_is_boundary is True
        assert evaluator.edge_eval_ids.endswith('test_new.txt')
        assert evaluator.sal_sigmoid_quirk is False  # the switch is there, off
    nyud = load('_base_/datasets/nyud.py')
    assert not nyud.test_evaluator.get('edge_gt_is_boundary', False)
    assert nyud.test_evaluator.get('edge_eval_ids') is None


METRICS = [SegmentationIoU('semseg', 2), SegmentationIoU('human_parts', 2), DepthError(),
           NormalError(), SaliencyMaxF(), BoundaryODSF(max_dist=0.01)]


def checkpoint_hook(**kwargs):
    hook = dict(load('_base_/schedules/schedule_50k.py').default_hooks.checkpoint, **kwargs)
    hook.pop('type')
    return CheckpointHook(**hook)


@pytest.mark.parametrize('name,lower', [('multi_task/delta_m', False)] + [
    (f'{m.task}/{name}', lower) for m in METRICS for name, lower in m.lower_is_better.items()])
def test_best_checkpoint_rule(name, lower):
    assert checkpoint_hook(save_best=name).rules == ['less' if lower else 'greater']


class ScoreDataset(Dataset):

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return dict(inputs=torch.zeros(1))


class ScoreModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'loss':
            return dict(loss=(self.weight - 1).pow(2).sum())
        return [None]


class ScriptedGain(BaseMetric):
    """delta_m 1, 3, 2 at the three validations."""

    def __init__(self):
        super().__init__()
        self.scores = iter([1., 3., 2.])

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        return {'multi_task/delta_m': next(self.scores)}


def test_best_and_last_checkpoints_saved(tmp_path):
    loader = dict(dataset=ScoreDataset(), sampler=dict(type='DefaultSampler', shuffle=False),
                  batch_size=1, num_workers=0, collate_fn=dict(type='default_collate'))
    hook = dict(load('_base_/schedules/schedule_50k.py').default_hooks.checkpoint,
                interval=1, max_keep_ckpts=1, save_best='multi_task/delta_m')
    runner = Runner(
        model=ScoreModel(), work_dir=str(tmp_path), train_dataloader=loader,
        val_dataloader=loader, val_evaluator=[ScriptedGain()], val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=False, max_iters=3, val_interval=1),
        default_hooks=dict(checkpoint=hook), log_level='WARNING',
        experiment_name='best_checkpoint')
    runner.train()
    saved = sorted(p.name for p in tmp_path.glob('*.pth'))
    assert saved == ['best_multi_task_delta_m_iter_2.pth', 'iter_3.pth']
