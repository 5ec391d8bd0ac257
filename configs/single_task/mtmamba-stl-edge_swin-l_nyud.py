# Single-task model for the multi-task gain: MTMamba's decoder (single-scale scans) on Swin-L,
# trained on NYUD-v2 edge alone with a plain (weight 1) loss. This is NOT the paper's "STL Model"
# (Tables 3 and 6), whose decoder has two Swin Transformer blocks per stage and no cross-task
# block: that one is projects/single_task_baselines. Here the cross-task block still runs, mixing
# the only task with itself.
_base_ = '../mtmamba/mtmamba_swin-l_nyud.py'
tasks = ('edge', )
model = dict(
    decode_head=dict(
        tasks=dict(_delete_=True, edge=1),
        loss_weights=dict(edge=1.),
        loss_scheme='weighted_sum'))
train_dataloader = dict(dataset=dict(tasks=tasks))
val_dataloader = dict(dataset=dict(tasks=tasks))
test_dataloader = val_dataloader
test_evaluator = dict(single_task_results=None)  # delta_m compares a multi-task model with these
