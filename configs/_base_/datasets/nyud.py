# NYUD-v2 (InvPT / TaskPrompter distribution), 795 train / 654 val, 425x560.
# Layout and decoding: docs/datasets.md. Training: random scale 0.5-2 (depth
# divided by the factor), crop 448x576 with the 75% single-class rule,
# task-aware flip, photometric distortion, ImageNet normalisation, centred
# padding. Test: normalisation and centred padding to 448x576 only; the labels
# keep the original size and predictions are cropped back with `padding`.

dataset_type = 'NYUDv2Dataset'
data_root = 'data/NYUDv2'
tasks = ('semseg', 'depth', 'normals', 'edge')
crop_size = (448, 576)
img_norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=False)

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
    dict(type='MultiTaskCenterPad', size=crop_size),
    dict(type='LoadNYUDAnnotations'),  # after padding: labels keep the image size
    dict(type='PackMultiTaskInputs'),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        tasks=tasks,
        ann_file='gt_sets/train.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        tasks=tasks,
        ann_file='gt_sets/val.txt',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# odsF (boundaries) costs about a second of CPU per image: off during validation, on in test.
val_evaluator = dict(type='MultiTaskMetric', edge_max_dist=0.011, compute_odsf=False)
test_evaluator = dict(type='MultiTaskMetric', edge_max_dist=0.011)
