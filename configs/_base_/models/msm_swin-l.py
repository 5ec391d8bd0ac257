# MSM (scales {1,4} in TS-MSM and CT-MSM of all three MFR stages) on a Swin-L encoder.
# The dataset's config sets decode_head.tasks (and loss weights).
# The encoder starts from the official ImageNet-22k -> 1k Swin-L (384, window 12), converted to
# mmseg names by tools/model_converters/swin2mmseg.py (docs/configs.md, "Pretrained weights");
# CheckedSwinTransformer fails when the file or its weights are missing and lists the keys.
model = dict(
    type='MultiTaskSegmentor',
    data_preprocessor=dict(type='MultiTaskDataPreProcessor'),
    backbone=dict(
        type='CheckedSwinTransformer',
        pretrain_img_size=384,
        embed_dims=192,
        patch_size=4,
        window_size=12,
        mlp_ratio=4,
        depths=(2, 2, 18, 2),
        num_heads=(6, 12, 24, 48),
        qkv_bias=True,
        drop_rate=0.,
        attn_drop_rate=0.,
        drop_path_rate=0.1,
        patch_norm=True,
        out_indices=(0, 1, 2, 3),
        with_cp=False,
        init_cfg=dict(
            type='Pretrained', checkpoint='pretrain/swin_large_patch4_window12_384_22kto1k.pth')),
    decode_head=dict(
        type='MSMDecodeHead',
        in_channels=[192, 384, 768, 1536],
        scales=[(1, 4), (1, 4), (1, 4)],
        multi_scale_blocks=('task_specific', 'cross_task'),
        tokenization='window',
        d_state=16,
        drop_path_rate=0.2,
        scan_backend='auto',
        losses=dict(
            semseg=dict(type='PixelCrossEntropyLoss'),
            human_parts=dict(type='PixelCrossEntropyLoss'),
            sal=dict(type='PixelCrossEntropyLoss', class_balanced=True),
            depth=dict(type='MaskedL1Loss'),
            normals=dict(type='NormalL1Loss'),
            edge=dict(type='BalancedBCELoss', pos_weight=0.95)),
        loss_scheme='weighted_sum'),
    train_cfg=dict(),
    test_cfg=dict(),
    # on a GPU, backbone and head are replayed from CUDA graphs, one per input shape, and in
    # training steps compiled (minutes at the start of a run; docs/benchmark.md), on one GPU
    # and under DDP alike.
    cuda_graph=True,
    compile=True)
