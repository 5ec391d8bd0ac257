# Table 3 "CT-MSM only": multi-scale scans {1,4} in the cross-task blocks only; the
# task-specific blocks scan at the single scale, as in MTMamba.
_base_ = './msm_swin-l_nyud.py'
model = dict(decode_head=dict(multi_scale_blocks=('cross_task', )))
