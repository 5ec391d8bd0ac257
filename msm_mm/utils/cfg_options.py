"""Checks of ``--cfg-options`` and of the iteration count, before anything
is built: an option nothing reads is refused, and the learning-rate
schedule keeps ending where training ends."""
import difflib
import logging
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config
from mmengine.logging import print_log

#: The top-level config keys that are read once the config is loaded: by
#: mmengine's Runner (``Runner.from_cfg`` and its own look-ups) and by
#: :mod:`msm_mm.apis` (``test_pipeline``). Other top-level names of a config
#: file (``data_root``, ``crop_size``, ``max_iters``) only exist while the file
#: is read: overriding them changes nothing.
READ_KEYS = frozenset([
    'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader',
    'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper', 'param_scheduler',
    'val_evaluator', 'test_evaluator', 'default_hooks', 'custom_hooks', 'data_preprocessor',
    'load_from', 'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level', 'visualizer',
    'default_scope', 'randomness', 'experiment_name', 'model_wrapper_cfg', 'compile',
    'find_unused_parameters', 'sync_bn', 'activation_checkpointing', 'efficient_conv_bn_eval',
    'runner_type', 'test_pipeline'
])


def _dotted_keys(node, prefix: str) -> List[str]:
    """Every key path below ``node`` (dicts and lists), dot-separated."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return []
    paths = []
    for key, value in items:
        path = f'{prefix}.{key}' if prefix else str(key)
        paths += [path] + _dotted_keys(value, path)
    return paths


def _close_matches(key: str, paths: List[str]) -> List[str]:
    """Paths that look like ``key``, as a whole or by their last name."""
    last = key.rsplit('.', 1)[-1]
    by_last = [p for p in paths
               if difflib.get_close_matches(last, [p.rsplit('.', 1)[-1]], cutoff=0.8)]
    return list(dict.fromkeys(by_last + difflib.get_close_matches(key, paths, n=3)))[:5]


def check_option_keys(cfg: Config, options: Dict, also_read: Sequence[str] = ()) -> None:
    """Refuse options whose top-level key nothing reads.

    Args:
        cfg (Config): The loaded config.
        options (dict): ``--cfg-options`` (dotted key -> value).
        also_read (Sequence[str]): Top-level keys the calling tool reads
            besides :data:`READ_KEYS`. Defaults to ().

    Raises:
        SystemExit: Naming each such option and the read keys that look
            like it.
    """
    read = READ_KEYS.union(also_read)
    unread = [key for key in options if key.split('.')[0] not in read]
    if not unread:
        return
    paths = [p for p in _dotted_keys(cfg.to_dict(), '') if p.split('.')[0] in read]
    lines = []
    for key in unread:
        matches = _close_matches(key, paths)
        hint = f'; did you mean {" or ".join(matches)}?' if matches else ''
        lines.append(f'  {key}: nothing reads {key.split(".")[0]!r}{hint}')
    raise SystemExit('--cfg-options: options that would change nothing:\n' + '\n'.join(lines) +
                     '\n(names defined at the top of a config file are used while it is '
                     'read; set the option that uses them)')


def _schedulers(cfg: Config) -> list:
    schedulers = cfg.get('param_scheduler') or []
    return [schedulers] if isinstance(schedulers, dict) else list(schedulers)


def follow_max_iters(cfg: Config, options: Dict, configured_max_iters: Optional[int]) -> None:
    """Check ``train_cfg.max_iters`` and keep the schedule tied to it.

    An iteration-based scheduler whose ``end`` is the config's own
    ``max_iters`` (the main schedule, e.g. PolyLR) ends at the new
    ``max_iters`` when only that is overridden (logged). When the option also
    sets the scheduler's ``end`` to another value, a warning says so.

    Args:
        cfg (Config): The config with ``options`` merged.
        options (dict): ``--cfg-options`` (dotted key -> value).
        configured_max_iters: ``train_cfg.max_iters`` of the config file
            (None if it has none).

    Raises:
        SystemExit: When ``max_iters`` or ``max_epochs`` is not a positive
            integer.
    """
    train_cfg = cfg.get('train_cfg') or {}
    for key in ('max_iters', 'max_epochs'):
        value = train_cfg.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or
                                  value <= 0):
            raise SystemExit(f'train_cfg.{key} must be a positive integer, got {value!r}')
    max_iters = train_cfg.get('max_iters')
    if max_iters is None or max_iters == configured_max_iters:
        return
    for i, scheduler in enumerate(_schedulers(cfg)):
        if scheduler.get('by_epoch', True) or scheduler.get('end') is None:
            continue
        name = f'param_scheduler.{i} ({scheduler.get("type")})'
        if f'param_scheduler.{i}.end' in options:
            if scheduler.end != max_iters:
                print_log(f'{name} ends at iteration {scheduler.end} (--cfg-options), training '
                          f'at {max_iters}: the schedule does not end with training',
                          logger='current', level=logging.WARNING)
        elif scheduler.end == configured_max_iters:
            scheduler.end = max_iters
            print_log(f'train_cfg.max_iters={max_iters}: {name} now ends there too (the '
                      f'config ends both at {configured_max_iters})', logger='current')
