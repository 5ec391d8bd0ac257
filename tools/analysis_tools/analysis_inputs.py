"""What the paper-analysis tools share: the models they read (config and
checkpoint pairs) and the test images they run on, one image at a time.

Used by ``task_preference.py``, ``task_attention.py`` and
``compare_predictions.py`` next to this file.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from msm_mm.apis import init_model
from msm_mm.structures import MultiTaskDataSample
from msm_mm.utils import load_config


def check_files(*paths: str) -> None:
    """Stop with the name of the first of ``paths`` that is not a file."""
    for path in paths:
        if not osp.isfile(path):
            raise SystemExit(f'file not found: {path}')


def model_pairs(values: Sequence[str],
                names: Optional[Sequence[str]] = None) -> List[Tuple[str, str, str]]:
    """``CONFIG CHECKPOINT [CONFIG CHECKPOINT ...]`` -> ``(name, config,
    checkpoint)`` triples.

    Args:
        values (Sequence[str]): Config and checkpoint files, alternating.
        names (Sequence[str], optional): One display name per model.
            Defaults to the config file names without extension.

    Returns:
        list[tuple[str, str, str]]: One triple per model.
    """
    if not values or len(values) % 2:
        raise SystemExit(f'expected CONFIG CHECKPOINT pairs, got {len(values)} file names: '
                         f'{list(values)}')
    configs, checkpoints = list(values[0::2]), list(values[1::2])
    check_files(*values)
    if names is None:
        names = [osp.splitext(osp.basename(c))[0] for c in configs]
    if len(names) != len(configs):
        raise SystemExit(f'--names gives {len(names)} names for {len(configs)} models')
    return list(zip(names, configs, checkpoints))


def load_model(config: str,
               checkpoint: str,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a model in eval mode with its checkpoint, for hooks and
    gradients: its CUDA-graph trunk is turned off, since a graph replay
    runs no Python forward hooks and records no autograd graph.

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint file.
        device (str): Device of the model. Defaults to 'cpu'.
        cfg_options (dict, optional): Options merged into the config (e.g.
            the test data root). Defaults to None.

    Returns:
        nn.Module: The model from :func:`msm_mm.apis.init_model`.
    """
    cfg = load_config(config, cfg_options)
    if cfg.model.get('cuda_graph'):
        cfg.model.cuda_graph = False
    return init_model(cfg, checkpoint, device=device)


def check_same_tasks(models: Sequence[nn.Module], names: Sequence[str]) -> None:
    """Stop unless every model predicts the same tasks (in any order)."""
    tasks = {name: tuple(m.tasks) for name, m in zip(names, models)}
    if len({frozenset(t) for t in tasks.values()}) > 1:
        raise SystemExit(f'the models predict different tasks: {tasks}')


def build_test_dataset(model: nn.Module):
    """The test dataset of the model's config (``test_dataloader.dataset``)."""
    cfg = model.cfg
    dataset_cfg = cfg.get('test_dataloader', {}).get('dataset')
    if dataset_cfg is None:
        raise SystemExit(f'config {cfg.filename} has no test_dataloader.dataset')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return DATASETS.build(dataset_cfg)


def chosen_indices(dataset_size: int, indices: Optional[Sequence[int]],
                   num: Optional[int]) -> List[int]:
    """``indices`` if given (each checked against the dataset size), else the
    first ``num`` images, else all of them."""
    if indices:
        wrong = [i for i in indices if not 0 <= i < dataset_size]
        if wrong:
            raise SystemExit(f'--indices {wrong} outside the test set of {dataset_size} images')
        return list(indices)
    if num is not None and num < 1:
        raise SystemExit(f'--num must be at least 1, got {num}')
    return list(range(min(num or dataset_size, dataset_size)))


def model_input(model: nn.Module, dataset,
                index: int) -> Tuple[torch.Tensor, MultiTaskDataSample]:
    """One test image as the model sees it.

    Returns:
        tuple: ``inputs`` (1, 3, H, W) on the model's device, after the test
        pipeline and the data preprocessor (the padding is recorded in the
        sample's ``padding`` and ``img_shape``), and its data sample (ground
        truth at the original size).
    """
    item = dataset[index]
    data = model.data_preprocessor(
        dict(inputs=[item['inputs']], data_samples=[item['data_samples']]), False)
    return data['inputs'], data['data_samples'][0]


def same_image_inputs(models: Sequence[nn.Module], datasets: Sequence,
                      index: int) -> List[Tuple[torch.Tensor, MultiTaskDataSample]]:
    """Image ``index`` of each model's own test set (its own pipeline), which
    must be the same image (the same ``sample_id``) for every model."""
    pairs = [model_input(m, d, index) for m, d in zip(models, datasets)]
    ids = [sample.sample_id for _, sample in pairs]
    if len(set(ids)) > 1:
        raise SystemExit(f'the test sets of the models differ: image {index} is {ids}; '
                         'give their configs the same test data')
    return pairs


def image_area_mask(sample: MultiTaskDataSample, input_shape: Sequence[int]) -> torch.Tensor:
    """``(1, 1, H, W)`` float mask of the model input: 1 on the image, 0 on
    the padding added by the pipeline and the data preprocessor."""
    top, _, left, _ = sample.metainfo.get('padding', (0, 0, 0, 0))
    h, w = sample.metainfo.get('img_shape', tuple(input_shape))[:2]
    mask = torch.zeros(1, 1, *input_shape)
    mask[..., top:top + h, left:left + w] = 1
    return mask


def crop_to_image(maps: torch.Tensor, sample: MultiTaskDataSample) -> torch.Tensor:
    """Cut the padding off ``(N, C, H, W)`` input-sized maps and resize them
    to the original image size, as the model's predictions are."""
    top, _, left, _ = sample.metainfo.get('padding', (0, 0, 0, 0))
    h, w = sample.metainfo.get('img_shape', maps.shape[-2:])[:2]
    maps = maps[..., top:top + h, left:left + w]
    ori_shape = tuple(sample.metainfo.get('ori_shape', (h, w))[:2])
    if tuple(maps.shape[-2:]) != ori_shape:
        maps = F.interpolate(maps, ori_shape, mode='bilinear', align_corners=False)
    return maps


def original_image(sample: MultiTaskDataSample) -> np.ndarray:
    """The sample's image file as ``(H, W, 3)`` RGB uint8 at ``ori_shape``."""
    image = mmcv.imread(sample.img_path, channel_order='rgb')
    ori_shape = tuple(sample.metainfo.get('ori_shape', image.shape[:2])[:2])
    if image.shape[:2] != ori_shape:
        image = mmcv.imresize(image, (ori_shape[1], ori_shape[0]))
    return image


def write_json(obj: Dict, path: str) -> None:
    """Write ``obj`` as indented JSON, creating the folder."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f, indent=2)
