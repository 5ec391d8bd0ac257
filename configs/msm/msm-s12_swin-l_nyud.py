# Figure 5 "Type 1": scales {1,2} in all three MFR stages.
_base_ = './msm_swin-l_nyud.py'
model = dict(decode_head=dict(scales=[(1, 2), (1, 2), (1, 2)]))
