# Table 4: three scan scales {1,2,4} in all three MFR stages.
_base_ = './msm_swin-l_nyud.py'
model = dict(decode_head=dict(scales=[(1, 2, 4), (1, 2, 4), (1, 2, 4)]))
