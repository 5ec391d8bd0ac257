# Figure 5 "Type 2" (and Table 4's comparison): scales {1,2}, {1,4}, {1,6} in MFR stages 1, 2, 3
# (deepest first). Scale 6 does not divide the last stage's 112x144: that branch pads and crops
# (docs/model.md).
_base_ = './msm_swin-l_nyud.py'
model = dict(decode_head=dict(scales=[(1, 2), (1, 4), (1, 6)]))
