import copy
import math
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.runner import CheckpointLoader
from mmseg.registry import DATASETS, MODELS

from msm_mm.structures import MultiTaskDataSample
from msm_mm.utils.key_report import mis_shaped_keys, state_dict_report

ImageType = Union[str, np.ndarray]

#: The image loader kept in the test pipeline; every other ``Load*`` step
#: loads annotations and is removed.
IMAGE_LOADER = 'LoadRGBImageFromFile'
#: Images larger than the pipeline's pad size are padded to a multiple of
#: this (the total stride of the Swin encoders).
SIZE_DIVISOR = 32
# The error lists this many keys of each kind at most.


def load_model_weights(model: nn.Module, checkpoint: str, config_name: str) -> dict:
    """Load a checkpoint's weights into ``model``; every key must match.

    Args:
        model (nn.Module): The model built from the config.
        checkpoint (str): Checkpoint file (or URL).
        config_name (str): The config, for the error message.

    Returns:
        dict: The checkpoint (its ``meta`` holds the ``dataset_meta``).

    Raises:
        RuntimeError: listing the missing, unexpected and mis-shaped keys
            when the checkpoint does not fit the model.
    """
    ckpt = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    state_dict = ckpt.get('state_dict', ckpt)
    state_dict = {(k[len('module.'):] if k.startswith('module.') else k): v
                  for k, v in state_dict.items()}
    own = model.state_dict()
    mis_shaped = mis_shaped_keys(own, state_dict)
    fitting = {k: v for k, v in state_dict.items() if k not in own or v.shape == own[k].shape}
    # Loading through the modules lets versioned modules migrate old keys.
    missing, unexpected = model.load_state_dict(fitting, strict=False)
    missing = [k for k in missing if k not in state_dict]
    report = state_dict_report(missing, unexpected, mis_shaped)
    if report:
        raise RuntimeError(f'checkpoint {checkpoint} does not fit the model of {config_name}:\n'
                           + report)
    return ckpt


def _dataset_meta(cfg: Config, ckpt: Optional[dict], tasks: Sequence[str]) -> dict:
    """The checkpoint's dataset metainfo, else the config's test dataset's
    class ``METAINFO``; ``tasks`` are the model's."""
    meta = (ckpt or {}).get('meta', {}).get('dataset_meta')
    if meta is None:
        dataset_type = cfg.get('test_dataloader', {}).get('dataset', {}).get('type')
        dataset_cls = DATASETS.get(dataset_type) if dataset_type else None
        meta = copy.deepcopy(getattr(dataset_cls, 'METAINFO', {}))
    return dict(meta, tasks=tuple(tasks))


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a multi-task model from a config file and load a checkpoint.

    The model gets ``cfg`` (the config, used by :func:`inference_model`)
    and ``dataset_meta`` (classes and palettes for the visualizer): the
    checkpoint's ``meta['dataset_meta']`` when it has one, else the
    ``METAINFO`` of the config's test dataset class; ``tasks`` always lists
    the model's tasks.

    Args:
        config (str | Config): Config file or object.
        checkpoint (str, optional): Checkpoint file; None leaves the weights
            as built. Defaults to None.
        device (str): Device of the model. Defaults to 'cpu'.
        cfg_options (dict, optional): Options merged into the config.
            Defaults to None.

    Returns:
        nn.Module: The model in eval mode.

    Raises:
        RuntimeError: when the checkpoint's keys or shapes do not match the
            model (every mismatch is listed).
    """
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file not found: {config}')
        config = Config.fromfile(config)
    elif not isinstance(config, Config):
        raise TypeError(f'config must be a file name or a Config, got {type(config).__name__}')
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    if 'model' not in config:
        raise KeyError(f'config {config.filename} has no `model`')
    init_default_scope(config.get('default_scope', 'mmseg'))
    model = MODELS.build(config.model)
    ckpt = None
    if checkpoint is not None:
        ckpt = load_model_weights(model, checkpoint, config.filename or 'the config')
    model.cfg = config
    model.dataset_meta = _dataset_meta(config, ckpt, model.tasks)
    model.to(device)
    model.eval()
    return model


def _test_pipeline_cfg(cfg: Config) -> List[dict]:
    """The config's test pipeline without its annotation loaders."""
    pipeline = cfg.get('test_pipeline') or cfg.get('test_dataloader', {}).get(
        'dataset', {}).get('pipeline')
    if not pipeline:
        raise KeyError(f'config {cfg.filename} has neither `test_pipeline` nor '
                       '`test_dataloader.dataset.pipeline`')
    if pipeline[0]['type'] != IMAGE_LOADER:
        raise ValueError(f'the test pipeline of {cfg.filename} must start with '
                         f"{IMAGE_LOADER}, got {pipeline[0]['type']}")
    return [copy.deepcopy(step) for i, step in enumerate(pipeline)
            if i == 0 or not step['type'].startswith('Load')]


def working_size(cfg: Config) -> Tuple[int, int]:
    """The (H, W) the model is tested at: the size the test pipeline's
    ``MultiTaskCenterPad`` pads to.

    Raises:
        ValueError: When the test pipeline has no ``MultiTaskCenterPad``.
    """
    for step in _test_pipeline_cfg(cfg):
        if step['type'] == 'MultiTaskCenterPad':
            return tuple(step['size'])
    raise ValueError(f'the test pipeline of {cfg.filename} has no MultiTaskCenterPad')


def fit_to_working_size(img: np.ndarray, cfg: Config) -> np.ndarray:
    """Shrink an image larger than :func:`working_size` (keeping its aspect
    ratio) so that it fits; smaller images are returned as they are.

    Args:
        img (np.ndarray): ``(H, W, 3)`` image.
        cfg (Config): The model's config.

    Returns:
        np.ndarray: The image, at most the working size.
    """
    (h, w), (max_h, max_w) = img.shape[:2], working_size(cfg)
    scale = min(max_h / h, max_w / w)
    if scale >= 1:
        return img
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # cv2 takes (W, H)
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def _fit_pad_size(pipeline: List[dict], h: int, w: int) -> List[dict]:
    """A copy of ``pipeline`` whose ``MultiTaskCenterPad`` steps pad to at
    least ``h`` x ``w`` (rounded up to ``SIZE_DIVISOR``)."""
    fitted = copy.deepcopy(pipeline)
    for step in fitted:
        if step['type'] == 'MultiTaskCenterPad':
            step['size'] = (max(step['size'][0], math.ceil(h / SIZE_DIVISOR) * SIZE_DIVISOR),
                            max(step['size'][1], math.ceil(w / SIZE_DIVISOR) * SIZE_DIVISOR))
    return fitted


def _prepare(img: ImageType, pipeline: List[dict]) -> dict:
    """Run the test pipeline on one image (a file or an RGB array)."""
    if isinstance(img, str):
        results = dict(img_path=img, sample_id=osp.splitext(osp.basename(img))[0])
        results = Compose(pipeline[:1])(results)  # load it to learn its size
    elif isinstance(img, np.ndarray):
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError('an image array must be (H, W, 3) uint8 RGB, got '
                             f'{img.shape} {img.dtype}')
        results = dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
    else:
        raise TypeError(f'an image must be a file name or an array, got {type(img).__name__}')
    h, w = results['img'].shape[:2]
    return Compose(_fit_pad_size(pipeline[1:], h, w))(results)


def inference_model(model: nn.Module,
                    img: Union[ImageType, Sequence[ImageType]]
                    ) -> Union[MultiTaskDataSample, List[MultiTaskDataSample]]:
    """Predict every task of one or more images.

    The images go through the test pipeline of ``model.cfg`` without its
    annotation loaders (``Load*`` steps other than ``LoadRGBImageFromFile``);
    ``MultiTaskCenterPad`` pads each image to at least its own size rounded
    up to a multiple of 32, so images of any size work. Images go through
    the model one at a time, so a prediction does not depend on the other
    images of the call (the scans see the padding of a batch).

    Args:
        model (nn.Module): A model from :func:`init_model`.
        img (str | np.ndarray | Sequence): Image file(s) or ``(H, W, 3)``
            uint8 RGB array(s).

    Returns:
        MultiTaskDataSample | list[MultiTaskDataSample]: One sample per
        image (a list when ``img`` is a list or tuple) with ``pred_<task>``
        at the image's size, encoded as described in
        :class:`~msm_mm.structures.MultiTaskDataSample`.
    """
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise AttributeError('the model has no `cfg`: build it with msm_mm.apis.init_model')
    is_batch = isinstance(img, (list, tuple))
    imgs = img if is_batch else [img]
    pipeline = _test_pipeline_cfg(cfg)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    results = []
    for one in imgs:
        packed = _prepare(one, pipeline)
        data = dict(inputs=[packed['inputs']], data_samples=[packed['data_samples']])
        with torch.no_grad():
            results += model.test_step(data)
    return results if is_batch else results[0]
