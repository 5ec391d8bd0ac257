# MSM with a Swin-B encoder on PASCAL-Context.
_base_ = './msm_swin-l_pascal-context.py'
model = dict(
    backbone=dict(
        embed_dims=128,
        num_heads=(4, 8, 16, 32),
        init_cfg=dict(checkpoint='pretrain/swin_base_patch4_window12_384_22kto1k.pth')),
    decode_head=dict(in_channels=[128, 256, 512, 1024]))
