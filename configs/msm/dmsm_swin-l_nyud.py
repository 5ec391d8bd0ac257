# DMSM (paper Appendix A.2): dilated sampling instead of window tokenization, scales {1,2}.
_base_ = './msm_swin-l_nyud.py'
model = dict(decode_head=dict(scales=[(1, 2), (1, 2), (1, 2)], tokenization='dilated'))
