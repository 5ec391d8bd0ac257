# The MSM paper's single-task model ("STL Model", Tables 3 and 6) for NYUD-v2 normals:
# Swin-L encoder and a decoder with two Swin Transformer blocks per stage (SwinSTLHead),
# trained with MSM's recipe on normals alone. Run from the repository root with
# PYTHONPATH=$(pwd) (projects/single_task_baselines/README.md).
_base_ = '../../../configs/msm/msm_swin-l_nyud.py'
custom_imports = dict(
    imports=['msm_mm', 'projects.single_task_baselines.stl_decoder'],
    allow_failed_imports=False)
tasks = ('normals', )
model = dict(
    decode_head=dict(
        _delete_=True,
        type='SwinSTLHead',
        in_channels=[192, 384, 768, 1536],
        tasks=dict(normals=3),
        losses=dict(normals=dict(type='NormalL1Loss'))))
train_dataloader = dict(dataset=dict(tasks=tasks))
val_dataloader = dict(dataset=dict(tasks=tasks))
test_dataloader = val_dataloader
test_evaluator = dict(single_task_results=None)  # these are the single-task results
