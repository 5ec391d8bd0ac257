"""Evaluate a checkpoint with mmengine's Runner.

Examples:
    python tools/test.py configs/msm/msm_swin-l_nyud.py work_dirs/msm_swin-l_nyud/iter_50000.pth
    python tools/test.py CONFIG CHECKPOINT --show-dir vis    # pictures of every prediction
    bash tools/dist_test.sh CONFIG CHECKPOINT 8
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner


def parse_args():
    parser = argparse.ArgumentParser(description='Evaluate a multi-task dense prediction model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument('--show-dir', help='save, per image, the input, every task\'s '
                        'prediction and ground truth as pictures in this folder (inside the '
                        'work dir when relative)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    if not osp.isfile(args.config):
        raise SystemExit(f'config file not found: {args.config}')
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint not found: {args.checkpoint}')
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
    cfg.load_from = args.checkpoint
    if args.show_dir:
        cfg.default_hooks.visualization = dict(
            type='MultiTaskVisualizationHook', draw=True, test_out_dir=args.show_dir)
    runner = Runner.from_cfg(cfg)
    runner.test()


if __name__ == '__main__':
    main()
