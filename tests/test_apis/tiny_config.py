"""A tiny MSM model config for the API tests, written to a file per test."""

TINY_CONFIG = """
default_scope = 'mmseg'
custom_imports = dict(imports=['msm_mm', 'msm_mm.engine'], allow_failed_imports=False)
model = dict(
    type='MultiTaskSegmentor',
    data_preprocessor=dict(type='MultiTaskDataPreProcessor'),
    backbone=dict(
        type='SwinTransformer', embed_dims=16, depths=(1, 1, 1, 1), num_heads=(1, 1, 2, 2),
        window_size=4, out_indices=(0, 1, 2, 3)),
    decode_head=dict(
        type='MSMDecodeHead',
        in_channels=[16, 32, 64, 128],
        tasks={tasks},
        scales=[(1, 2)] * 3,
        d_state=4,
        scan_backend='torch',
        losses=dict(
            semseg=dict(type='PixelCrossEntropyLoss'),
            depth=dict(type='MaskedL1Loss'),
            normals=dict(type='NormalL1Loss'),
            edge=dict(type='BalancedBCELoss', pos_weight=0.95))))
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


def write_tiny_config(path, tasks=None, extra=''):
    """Write the tiny config to ``path`` and return it.

    Args:
        path (pathlib.Path): The config file.
        tasks (dict, optional): Task -> channels. Defaults to
            dict(semseg=5, depth=1, normals=3, edge=1).
        extra (str): Lines put before the config (e.g. ``_base_``).
            Defaults to ''.
    """
    tasks = tasks or dict(semseg=5, depth=1, normals=3, edge=1)
    path.write_text(extra + TINY_CONFIG.format(tasks=tasks))
    return str(path)
