# MTMamba baseline (every scan single-scale) on Swin-L, PASCAL-Context, with the MTMamba
# release's training recipe: 8 GPUs x 1 image (bash tools/dist_train.sh CONFIG 8; other GPU
# counts scale the lr), AdamW lr 1e-4, 50k iterations, the sum of log task losses.
_base_ = [
    '../_base_/models/msm_swin-l.py', '../_base_/datasets/pascal_context.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_mtmamba_8xb1-50k.py'
]
crop_size = (512, 512)
model = dict(
    backbone=dict(pretrain_img_size=crop_size),
    decode_head=dict(
        tasks=dict(semseg=21, human_parts=7, sal=2, normals=3, edge=1),
        scales=[(1, ), (1, ), (1, )],
        loss_scheme='log_sum'))
train_dataloader = dict(batch_size=1)
