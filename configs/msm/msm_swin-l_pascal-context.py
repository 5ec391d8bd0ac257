# MSM, Swin-L, PASCAL-Context (5 tasks), scales {1,4} in TS-MSM and CT-MSM of all MFR stages.
_base_ = [
    '../_base_/models/msm_swin-l.py', '../_base_/datasets/pascal_context.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_75k.py'
]
crop_size = (512, 512)
model = dict(
    backbone=dict(pretrain_img_size=crop_size),
    decode_head=dict(
        tasks=dict(semseg=21, human_parts=7, sal=2, normals=3, edge=1),
        loss_weights=dict(semseg=1., human_parts=2., sal=5., normals=10., edge=50.)))
