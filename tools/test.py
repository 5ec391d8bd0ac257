"""Evaluate a checkpoint with mmengine's Runner.

Examples:
    python tools/test.py configs/msm/msm_swin-l_nyud.py work_dirs/msm_swin-l_nyud/iter_50000.pth
    python tools/test.py CONFIG CHECKPOINT --show-dir vis    # pictures of every prediction
    bash tools/dist_test.sh CONFIG CHECKPOINT 8
"""
import argparse
import os.path as osp

from mmengine.runner import Runner

from msm_mm.utils import (add_common_arguments, check_tasks_match, end_distributed_run,
                          load_tool_config)


def parse_args():
    parser = argparse.ArgumentParser(description='Evaluate a multi-task dense prediction model')
    add_common_arguments(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--show-dir', help='save, per image, the input, every task\'s '
                        'prediction and ground truth as pictures in this folder '
                        '(<work_dir>/<timestamp>/SHOW_DIR when relative)')
    return parser.parse_args()


def main():
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint not found: {args.checkpoint}')
    cfg = load_tool_config(args)
    cfg.load_from = args.checkpoint
    if args.show_dir:
        cfg.default_hooks.visualization = dict(
            type='MultiTaskVisualizationHook', draw=True, test_out_dir=args.show_dir)
    runner = Runner.from_cfg(cfg)
    check_tasks_match(runner.model, cfg)
    runner.test()
    del runner  # its DistributedDataParallel model holds the process group
    end_distributed_run()


if __name__ == '__main__':
    main()
