# The MTMamba release's recipe (its configs/mtmamba_{nyud,pascal}.yml and utils/common_config.py),
# for NYUD-v2 and PASCAL-Context alike: AdamW (betas 0.9, 0.999, eps 1e-8), lr 1e-4, weight
# decay 1e-5, poly decay (power 0.9) to 0 per iteration without warm-up, 50k iterations, on
# 8 GPUs x 1 image (total batch 8). With another number of GPUs or images per GPU, the lr is
# scaled linearly to the total batch (auto_scale_lr; 4 GPUs x 1 image: 5e-5).
_base_ = './schedule_50k.py'
optim_wrapper = dict(optimizer=dict(lr=1e-4, betas=(0.9, 0.999), eps=1e-8))
auto_scale_lr = dict(enable=True, base_batch_size=8)
