"""What ``tools/train.py`` and ``tools/test.py`` share: their common command-line
options and the config set-up before the Runner is built."""
import argparse
import os
import os.path as osp
from typing import Optional, Sequence

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from .cfg_options import check_option_keys, follow_max_iters


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``config``, ``--work-dir``, ``--cfg-options``, ``--launcher`` and
    ``--local_rank`` to a tool's parser."""
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank (newer) or --local_rank (older)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(path: str,
                cfg_options: Optional[dict] = None,
                also_read: Sequence[str] = ()) -> Config:
    """Load a config with ``--cfg-options`` merged, as every tool does.

    Options that nothing reads are refused and the schedule follows
    ``train_cfg.max_iters`` (:mod:`.cfg_options`); the config's default
    registry scope is set.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): ``--cfg-options``, key=value.
        also_read (Sequence[str]): Top-level keys the calling tool reads
            itself (e.g. ``crop_size``). Defaults to ().

    Returns:
        Config: The merged config.
    """
    if not osp.isfile(path):
        raise SystemExit(f'config file not found: {path}')
    cfg = Config.fromfile(path)
    options = cfg_options or {}
    check_option_keys(cfg, options, also_read)
    configured_max_iters = (cfg.get('train_cfg') or {}).get('max_iters')
    cfg.merge_from_dict(options)
    follow_max_iters(cfg, options, configured_max_iters)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return cfg


def load_tool_config(args: argparse.Namespace) -> Config:
    """Load ``args.config`` with the common options applied.

    Sets the launcher (on a machine without GPUs, ``--launcher pytorch``
    starts a gloo process group here, since mmengine's launchers need CUDA),
    merges ``--cfg-options`` (:func:`load_config`), chooses
    the work dir (``--work-dir``, the config's, or
    ``./work_dirs/<config name>``) and saves checkpoints with
    :class:`~msm_mm.engine.AtomicCheckpointHook` where the config names
    mmengine's ``CheckpointHook`` (same arguments; a kill while saving
    loses no checkpoint).

    Returns:
        Config: The config to build the Runner from.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = load_config(args.config, args.cfg_options)
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
    checkpoint_hook = cfg.get('default_hooks', {}).get('checkpoint')
    if checkpoint_hook is not None and checkpoint_hook.get('type') == 'CheckpointHook':
        checkpoint_hook.type = 'AtomicCheckpointHook'
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg
