# MSM with a Swin-B encoder (paper Table 5).
_base_ = './msm_swin-l_nyud.py'
model = dict(
    backbone=dict(
        embed_dims=128,
        num_heads=(4, 8, 16, 32),
        init_cfg=dict(checkpoint='pretrain/swin_base_patch4_window12_384_22kto1k.pth')),
    decode_head=dict(in_channels=[128, 256, 512, 1024]))
test_evaluator = dict(single_task_results=None)  # the paper's single-task results are Swin-L's
