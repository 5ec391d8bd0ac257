"""Train a multi-task model with mmengine's Runner.

Examples:
    python tools/train.py configs/msm/msm_swin-l_nyud.py
    python tools/train.py CONFIG --work-dir work_dirs/run1 --amp
    python tools/train.py CONFIG --resume                # last complete checkpoint of the work dir
    python tools/train.py CONFIG --resume path/to/iter_5000.pth
    bash tools/dist_train.sh CONFIG 8                    # several GPUs (torch.distributed)
"""
import argparse
import logging
import os.path as osp

from mmengine.logging import print_log
from mmengine.runner import Runner

from msm_mm.utils import (add_common_arguments, check_tasks_match, checkpoint_file_problem,
                          complete_checkpoints, end_distributed_run, find_resume_checkpoint,
                          load_tool_config)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a multi-task dense prediction model')
    add_common_arguments(parser)
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CHECKPOINT',
        help='resume training: from CHECKPOINT, or without it from the latest complete '
        'checkpoint of the work dir (model, optimizer, schedule, iteration and RNG state)')
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
    not_resumed = set_resume(args.resume, cfg)
    runner = Runner.from_cfg(cfg)
    check_tasks_match(runner.model, cfg)
    runner.train()
    del runner  # its DistributedDataParallel model holds the process group
    end_distributed_run()
    if not_resumed:
        print_log(not_resumed, logger='current', level=logging.WARNING)


def set_resume(resume, cfg) -> str:
    """Set ``cfg.resume`` and ``cfg.load_from`` from ``--resume``.

    Without a file, ``--resume`` continues from the checkpoint that
    ``last_checkpoint`` names, or when that one is incomplete (a save cut
    off by a kill), from the newest complete one, and says so. A named file
    that is incomplete is refused, offering the newest complete one.

    Returns:
        str: A warning to repeat when training ends: ``--resume`` found
        nothing to resume and the run trained from scratch ('' otherwise).
    """
    if resume is None:
        return ''
    if resume != 'auto':
        problem = checkpoint_file_problem(resume)
        if problem is not None:
            newest = complete_checkpoints(osp.dirname(resume) or '.')
            offer = f'; the newest complete checkpoint there is {newest[0]}' if newest else ''
            raise SystemExit(f'--resume checkpoint {resume}: {problem}{offer}')
        cfg.resume, cfg.load_from = True, resume
        return ''
    checkpoint, note = find_resume_checkpoint(cfg.work_dir)
    if note:
        print_log(f'--resume: {note}', logger='current', level=logging.WARNING)
    cfg.resume, cfg.load_from = checkpoint is not None, checkpoint
    if checkpoint is None:
        return f'--resume found no checkpoint in {cfg.work_dir}: this run trained from scratch'
    return ''


if __name__ == '__main__':
    main()
