"""The tiny MSM model that tests build: a 4-stage Swin and an MSM decode head.

:func:`tiny_model_cfg` gives it as a config dict; :func:`write_tiny_config`
writes a whole config file around it (with the NYUD-v2 test pipeline), for
the tests that go through files as users do.
"""
from pathlib import Path
from typing import Optional

#: Output channels per task unless a test chooses.
TINY_TASKS = dict(semseg=5, depth=1, normals=3, edge=1)

_LOSSES = dict(semseg=dict(type='PixelCrossEntropyLoss'), depth=dict(type='MaskedL1Loss'),
               normals=dict(type='NormalL1Loss'),
               edge=dict(type='BalancedBCELoss', pos_weight=0.95))


def tiny_model_cfg(tasks: Optional[dict] = None,
                   embed_dims: int = 8,
                   backbone: Optional[dict] = None,
                   decode_head: Optional[dict] = None,
                   **segmentor) -> dict:
    """Config of the tiny model: Swin of widths ``embed_dims * (1, 2, 4, 8)``
    and an MSM head with scales {1, 2} in every stage, ``d_state`` 4 and the
    PyTorch scan.

    Args:
        tasks (dict, optional): Task -> output channels; each task of
            :data:`TINY_TASKS` gets its usual loss (others one in
            ``decode_head``). Defaults to :data:`TINY_TASKS`.
        embed_dims (int): Width of Swin's first stage. Defaults to 8.
        backbone (dict, optional): Backbone options to add or override.
            Defaults to None.
        decode_head (dict, optional): Head options to add or override.
            Defaults to None.
        **segmentor: ``MultiTaskSegmentor`` options to add.

    Returns:
        dict: A ``MultiTaskSegmentor`` config.
    """
    tasks = dict(tasks or TINY_TASKS)
    return dict(
        type='MultiTaskSegmentor',
        **segmentor,
        backbone=dict(type='SwinTransformer', embed_dims=embed_dims, depths=(1, 1, 1, 1),
                      num_heads=(1, 1, 2, 2), window_size=4, out_indices=(0, 1, 2, 3),
                      **(backbone or {})),
        decode_head=dict(
            dict(type='MSMDecodeHead', in_channels=[embed_dims * 2**i for i in range(4)],
                 tasks=tasks, scales=[(1, 2)] * 3, d_state=4, scan_backend='torch',
                 losses={task: _LOSSES[task] for task in tasks if task in _LOSSES}),
            **(decode_head or {})))


_CONFIG_FILE = """
default_scope = 'mmseg'
custom_imports = dict(imports=['msm_mm', 'msm_mm.engine'], allow_failed_imports=False)
model = {model!r}
img_norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=False)
test_pipeline = [
    dict(type='LoadRGBImageFromFile'),
    dict(type='Normalize', **img_norm),
    dict(type='MultiTaskCenterPad', size=(64, 64)),
    dict(type='LoadNYUDAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
test_dataloader = dict(dataset=dict(type='NYUDv2Dataset', pipeline=test_pipeline))
"""


def write_tiny_config(path: Path, tasks: Optional[dict] = None, extra: str = '') -> str:
    """Write a config file of the tiny model (Swin widths 16..128) and
    return its name.

    Args:
        path (pathlib.Path): The config file.
        tasks (dict, optional): Task -> output channels. Defaults to
            :data:`TINY_TASKS`.
        extra (str): Lines put before the config (e.g. ``_base_``).
            Defaults to ''.
    """
    model = tiny_model_cfg(tasks, embed_dims=16,
                           data_preprocessor=dict(type='MultiTaskDataPreProcessor'))
    path.write_text(extra + _CONFIG_FILE.format(model=model))
    return str(path)
