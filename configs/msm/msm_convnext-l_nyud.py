# MSM with another encoder: mmpretrain's ConvNeXt-L (ImageNet-22k -> 1k, 384 px). Only the
# backbone changes: its four stage widths equal Swin-L's (192, 384, 768, 1536), so the decoder's
# in_channels stay (for another encoder, set decode_head.in_channels to its widths).
# gap_before_final_norm=False gives a LayerNorm per output stage (as Swin's norm0..norm3);
# drop_path_rate 0.4 as in mmseg's ConvNeXt-L configs. mmengine downloads the checkpoint (or give
# a local path); it loads with strict=False and logs missing keys as warnings.
_base_ = './msm_swin-l_nyud.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ConvNeXt',
        arch='large',
        out_indices=(0, 1, 2, 3),
        gap_before_final_norm=False,
        drop_path_rate=0.4,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/convnext/'
            'convnext-large_in21k-pre-3rdparty_in1k-384px_20221219-6d38dd66.pth',
            prefix='backbone.')))
test_evaluator = dict(single_task_results=None)  # the paper's single-task results are Swin-L's
