"""A toy model and Runner for hook tests: a few parameters, a tiny dataset,
losses named as the multi-task head names them."""
import itertools

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.structures import BaseDataElement
from torch.utils.data import Dataset

_RUN_IDS = itertools.count()


class ToyDataset(Dataset):
    """Eight samples of one input value each, with a ``sample_id``."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=torch.full((2, ), float(i)),
                    data_samples=BaseDataElement(metainfo=dict(sample_id=f'img{i}')))


class ToyMultiTaskModel(BaseModel):
    """Two 'tasks'; the depth loss becomes NaN from iteration ``nan_from``
    (1-based) on. ``width`` changes the parameter shapes, ``extra`` adds a
    parameter, to make checkpoints that do not match."""

    def __init__(self, nan_from=None, width=2, extra=False):
        super().__init__()
        self.semseg = nn.Linear(2, width)
        self.depth = nn.Linear(2, 1)
        if extra:
            self.extra = nn.Linear(1, 1)
        self.nan_from = nan_from
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = torch.stack(inputs) if isinstance(inputs, list) else inputs
        if mode == 'loss':
            self.calls += 1
            depth = self.depth(x).abs().mean()
            if self.nan_from is not None and self.calls >= self.nan_from:
                depth = depth * float('nan')
            return {'loss_semseg': self.semseg(x).pow(2).mean(), 'loss_depth': depth}
        return [self.semseg(x)]


def toy_runner(work_dir, model=None, max_iters=4, **kwargs):
    """A Runner training ``model`` (default ``ToyMultiTaskModel()``) for
    ``max_iters`` iterations, checkpointing every iteration, with this
    project's hooks registered under the mmseg scope."""
    import msm_mm.engine  # noqa: F401  (registers the hooks)
    cfg = dict(
        model=model if model is not None else ToyMultiTaskModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyDataset(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='NonFiniteLossHook'), dict(type='StrictCheckpointLoadHook')],
        default_scope='mmseg',
        experiment_name=f'toy_{next(_RUN_IDS)}',  # runners of the same second share no name
        log_level='WARNING')
    cfg.update(kwargs)
    return Runner(**cfg)
