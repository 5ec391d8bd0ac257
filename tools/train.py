"""Train a multi-task model with mmengine's Runner.

Examples:
    python tools/train.py configs/msm/msm_swin-l_nyud.py
    python tools/train.py CONFIG --work-dir work_dirs/run1 --amp
    python tools/train.py CONFIG --resume                # latest checkpoint of the work dir
    python tools/train.py CONFIG --resume path/to/iter_5000.pth
    bash tools/dist_train.sh CONFIG 8                    # several GPUs (torch.distributed)
"""
import argparse
import os.path as osp

from mmengine.runner import Runner

from msm_mm.utils import add_common_arguments, load_tool_config


def parse_args():
    parser = argparse.ArgumentParser(description='Train a multi-task dense prediction model')
    add_common_arguments(parser)
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CHECKPOINT',
        help='resume training: from CHECKPOINT, or without it from the latest checkpoint '
        'of the work dir (model, optimizer, schedule, iteration and RNG state)')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision training')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_tool_config(args)
    if args.amp:
        if cfg.optim_wrapper.get('type', 'OptimWrapper') != 'OptimWrapper':
            raise SystemExit(f'--amp needs optim_wrapper.type=OptimWrapper, the config has '
                             f'{cfg.optim_wrapper.type}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise SystemExit(f'--resume checkpoint not found: {args.resume}')
        cfg.resume = True
        cfg.load_from = args.resume
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
