# NYUD-v2 recipe (paper Sec. 4.1): Adam(W) lr 5e-5, weight decay 1e-5, 50k iterations,
# poly decay (power 0.9) to 0 per iteration, no warm-up. fused: PyTorch's one-kernel AdamW, the
# same update as its default multi-tensor one, in less time (docs/benchmark.md).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-5, weight_decay=1e-5, fused=True))
param_scheduler = [
    dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=50000, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=50000, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Keeps the last 2 checkpoints; with save_best=<metric name> also the best one at validation
    # (docs/configs.md, "Best checkpoint"). The rule (greater / less) follows from these lists.
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=5000,
        max_keep_ckpts=2,
        save_best=None,
        greater_keys=[
            'multi_task/delta_m', 'semseg/mIoU', 'human_parts/mIoU', 'sal/maxF', 'edge/odsF',
            'normals/11.25', 'normals/22.5', 'normals/30'
        ],
        less_keys=[
            'depth/rmse', 'depth/abs_rel', 'depth/log_rmse', 'normals/mean', 'normals/median'
        ]),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='MultiTaskVisualizationHook'),
)
