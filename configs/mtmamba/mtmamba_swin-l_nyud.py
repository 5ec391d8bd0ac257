# MTMamba baseline (every scan single-scale) on Swin-L, NYUD-v2, with the MTMamba release's
# training recipe: 8 GPUs x 1 image (bash tools/dist_train.sh CONFIG 8; other GPU counts scale
# the lr), AdamW lr 1e-4, 50k iterations, the sum of log task losses.
_base_ = [
    '../_base_/models/msm_swin-l.py', '../_base_/datasets/nyud.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_mtmamba_8xb1-50k.py'
]
crop_size = (448, 576)
model = dict(
    backbone=dict(pretrain_img_size=crop_size),
    decode_head=dict(
        tasks=dict(semseg=40, depth=1, normals=3, edge=1),
        scales=[(1, ), (1, ), (1, )],
        loss_scheme='log_sum'))
train_dataloader = dict(batch_size=1)
# delta_m against the MSM paper's single-task Swin-L results (its Table 3, "STL Model").
test_evaluator = dict(single_task_results='nyud_swin_l')
