# Demo: a tiny MSM (scales {1,2}) on a tiny Swin, trained from scratch on a small synthetic
# NYUD-v2-format dataset, on the CPU in a few minutes (docs/demo.md). Generate the data first:
#   python tools/dataset_converters/generate_synthetic.py nyud data/synthetic_nyud \
#       --train 40 --val 8 --size 60 80
# Differences from the paper's recipe: a 4-block Swin (widths 32..256) without pretraining,
# scans in PyTorch with d_state 4, 48x64 crops, batch 2, lr 1e-3 (a small model from scratch),
# 300 iterations, no stochastic depth (so that a resumed run repeats an uninterrupted one).
_base_ = [
    '../_base_/models/msm_swin-l.py', '../_base_/datasets/nyud.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_50k.py'
]
data_root = 'data/synthetic_nyud'
crop_size = (48, 64)
test_size = (64, 96)  # test images (60x80) are padded, never cropped
max_iters = 300
img_norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=False)
model = dict(
    backbone=dict(
        pretrain_img_size=crop_size,
        embed_dims=32,
        depths=(1, 1, 1, 1),
        num_heads=(1, 2, 4, 8),
        window_size=4,
        drop_path_rate=0.,
        init_cfg=None),
    decode_head=dict(
        in_channels=[32, 64, 128, 256],
        scales=[(1, 2), (1, 2), (1, 2)],
        d_state=4,
        drop_path_rate=0.,
        scan_backend='torch',
        tasks=dict(semseg=40, depth=1, normals=3, edge=1),
        loss_weights=dict(semseg=1., depth=1., normals=10., edge=50.)),
    compile=False)  # on a GPU, compiling would take longer than these 300 iterations

train_pipeline = [
    dict(type='LoadRGBImageFromFile'),
    dict(type='LoadNYUDAnnotations'),
    dict(type='MultiTaskRandomScale', ratio_range=(0.5, 2.0)),
    dict(type='MultiTaskRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='MultiTaskRandomFlip', prob=0.5),
    dict(type='RGBPhotoMetricDistortion'),
    dict(type='Normalize', **img_norm),
    dict(type='MultiTaskCenterPad', size=crop_size),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadRGBImageFromFile'),
    dict(type='Normalize', **img_norm),
    dict(type='MultiTaskCenterPad', size=test_size),
    dict(type='LoadNYUDAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=150)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=150, max_keep_ckpts=3))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
