# MSM with a Swin-B encoder (paper Table 5).
_base_ = './msm_swin-l_nyud.py'
model = dict(
    backbone=dict(embed_dims=128, num_heads=(4, 8, 16, 32)),
    decode_head=dict(in_channels=[128, 256, 512, 1024]))
