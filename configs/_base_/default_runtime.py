default_scope = 'mmseg'
custom_imports = dict(imports=['msm_mm'], allow_failed_imports=False)
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
# Add dict(type='TensorboardVisBackend') to log to TensorBoard too (pip install tensorboard).
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='MultiTaskLocalVisualizer', vis_backends=vis_backends, name='visualizer')
# Stop at the first NaN/inf loss (naming the iteration and task); fail when a checkpoint given by
# load_from / --resume / tools/test.py does not match the model (mmengine only warns).
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='StrictCheckpointLoadHook')]
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
