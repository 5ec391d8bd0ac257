"""Train a multi-task model with mmengine's Runner.

Examples:
    python tools/train.py configs/msm/msm_swin-l_nyud.py
    python tools/train.py CONFIG --work-dir work_dirs/run1 --amp
    python tools/train.py CONFIG --resume                # latest checkpoint of the work dir
    python tools/train.py CONFIG --resume path/to/iter_5000.pth
    bash tools/dist_train.sh CONFIG 8                    # several GPUs (torch.distributed)
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner


def parse_args():
    parser = argparse.ArgumentParser(description='Train a multi-task dense prediction model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CHECKPOINT',
        help='resume training: from CHECKPOINT, or without it from the latest checkpoint '
        'of the work dir (model, optimizer, schedule, iteration and RNG state)')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision training')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank (newer) or --local_rank (older)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    if not osp.isfile(args.config):
        raise SystemExit(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.launcher != 'none' and not torch.cuda.is_available():
        # mmengine's launchers call torch.cuda.set_device: on CPUs start the process group
        # here (gloo, torchrun's environment) so that the Runner finds it started
        if args.launcher != 'pytorch':
            raise SystemExit(f'--launcher {args.launcher} needs GPUs; on CPUs use '
                             'tools/dist_train.sh / dist_test.sh (--launcher pytorch)')
        torch.distributed.init_process_group(backend='gloo')
        # DDP refuses device ids for CPU modules; the Runner passes the local rank unless set
        cfg.setdefault('model_wrapper_cfg',
                       dict(type='MMDistributedDataParallel', device_ids=None,
                            broadcast_buffers=False))
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
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
