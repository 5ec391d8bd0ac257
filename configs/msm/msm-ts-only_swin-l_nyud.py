# Table 3 "TS-MSM only": multi-scale scans {1,4} in the task-specific blocks only; the
# cross-task blocks scan at the single scale, as in MTMamba.
_base_ = './msm_swin-l_nyud.py'
model = dict(decode_head=dict(multi_scale_blocks=('task_specific', )))
