"""Every config under configs/ and projects/ builds: the model, the pipelines,
the evaluators and the hooks, and every other registered type resolves.

Parameters are allocated but not randomly initialised (``torch.nn.init`` is
bypassed while building): a Swin-L model then builds in about a second
instead of several, and its memory is never touched. The demo model also
runs a forward pass; the parameter counts (and forward passes) of the full
Swin-L / Swin-B models are checked by tests/test_models/test_param_counts.py.
"""
import contextlib
import glob
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings
from mmseg.registry import (DATASETS, HOOKS, METRICS, MODELS, OPTIM_WRAPPERS, OPTIMIZERS,
                            PARAM_SCHEDULERS, VISUALIZERS)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)  # project configs import projects.<name>.<package>, as from the root
CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True) +
    glob.glob(osp.join(ROOT, 'projects', '*', 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep))
RANDOM_INITS = ('uniform_', 'normal_', 'trunc_normal_', 'kaiming_uniform_', 'kaiming_normal_',
                'xavier_uniform_', 'xavier_normal_', 'orthogonal_')


@contextlib.contextmanager
def no_random_init():
    """Make torch.nn.init's random initialisers leave tensors as allocated."""
    saved = {name: getattr(torch.nn.init, name) for name in RANDOM_INITS}
    try:
        for name in RANDOM_INITS:
            setattr(torch.nn.init, name, lambda tensor, *args, **kwargs: tensor)
        yield
    finally:
        for name, function in saved.items():
            setattr(torch.nn.init, name, function)


def test_configs_collected():
    names = [osp.relpath(p, ROOT) for p in CONFIGS]
    assert len(names) >= 25, names
    assert 'configs/msm/msm_swin-l_nyud.py' in names
    assert 'configs/demo/msm_tiny_synthetic-nyud.py' in names
    assert any(n.startswith('projects/') for n in names)


def check_registered(registry, cfg):
    """The type of ``cfg`` (a dict with 'type') is registered."""
    assert registry.get(cfg['type']) is not None, f'{cfg["type"]} not in {registry.name}'


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_builds(path):
    cfg = Config.fromfile(path)
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.default_scope)
    with no_random_init():
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    tasks = tuple(model.decode_head.tasks)
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        check_registered(DATASETS, loader.dataset)
        assert set(loader.dataset.tasks) == set(tasks), f'{split} dataset tasks != model tasks'
        Compose(loader.dataset.pipeline)
    for split in ('val', 'test'):
        METRICS.build(cfg[f'{split}_evaluator'])
    for hook in cfg.custom_hooks:
        HOOKS.build(hook)
    for hook in cfg.default_hooks.values():
        check_registered(HOOKS, hook)
    check_registered(OPTIM_WRAPPERS, cfg.optim_wrapper)
    check_registered(OPTIMIZERS, cfg.optim_wrapper.optimizer)
    for scheduler in cfg.param_scheduler:
        check_registered(PARAM_SCHEDULERS, scheduler)
    check_registered(VISUALIZERS, cfg.visualizer)
    del model


def test_demo_model_runs():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo', 'msm_tiny_synthetic-nyud.py'))
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():
        out = model(torch.rand(1, 3, 48, 64), mode='tensor')
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        'semseg': (1, 40, 48, 64), 'depth': (1, 1, 48, 64), 'normals': (1, 3, 48, 64),
        'edge': (1, 1, 48, 64)}
