# PASCAL-Context recipe: as NYUD-v2's, for 75k iterations.
_base_ = './schedule_50k.py'
param_scheduler = [
    dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=75000, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=75000, val_interval=7500)
