# Table 4 row {1},{1},{1} with MSM's recipe: every scan single-scale (MTMamba's decoder), trained
# with MSM's weighted loss. configs/mtmamba/mtmamba_swin-l_nyud.py is the same network with the
# MTMamba release's log-sum loss.
_base_ = './msm_swin-l_nyud.py'
model = dict(decode_head=dict(scales=[(1, ), (1, ), (1, )]))
