# Table 4: a growing number of scales, {1,2}, {1,2,4}, {1,2,4,6} in MFR stages 1, 2, 3
# (deepest first).
_base_ = './msm_swin-l_nyud.py'
model = dict(decode_head=dict(scales=[(1, 2), (1, 2, 4), (1, 2, 4, 6)]))
