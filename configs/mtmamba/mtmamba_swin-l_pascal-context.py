# MTMamba baseline (every scan single-scale) with the release's loss: sum of log task losses.
_base_ = '../msm/msm_swin-l_pascal-context.py'
model = dict(decode_head=dict(scales=[(1, ), (1, ), (1, )], loss_scheme='log_sum'))
