# MSM, Swin-L, NYUD-v2 (4 tasks), scales {1,4} in TS-MSM and CT-MSM of all MFR stages.
_base_ = [
    '../_base_/models/msm_swin-l.py', '../_base_/datasets/nyud.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_50k.py'
]
crop_size = (448, 576)
model = dict(
    backbone=dict(pretrain_img_size=crop_size),
    decode_head=dict(
        tasks=dict(semseg=40, depth=1, normals=3, edge=1),
        loss_weights=dict(semseg=1., depth=1., normals=10., edge=50.)))
# delta_m against the paper's single-task Swin-L results (Table 3, "STL Model").
test_evaluator = dict(single_task_results='nyud_swin_l')
