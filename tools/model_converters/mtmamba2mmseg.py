"""Convert a checkpoint of the MTMamba release to this project's MTMamba config.

The MTMamba release (Lin et al., ECCV 2024) saves ``{'model': state_dict}``
of its ``MTMamba`` model: mmseg's Swin Transformer under ``backbone.*`` and a
decoder of ``nn.ModuleDict``s keyed by task and stage. This project's MTMamba
configs (``configs/mtmamba/``) build the same network with other module
names. Usage::

    python tools/model_converters/mtmamba2mmseg.py RELEASE.pth.tar \
        checkpoints/mtmamba_swin-l_nyud.pth \
        --config configs/mtmamba/mtmamba_swin-l_nyud.py
    python tools/test.py configs/mtmamba/mtmamba_swin-l_nyud.py \
        checkpoints/mtmamba_swin-l_nyud.pth

Renamed (``t`` = task, ``s`` = decoder stage 0..2, deepest first; ``B`` = 1, 2
for ``block_1`` / ``block_2``; ``H`` = ``decode_head.stages.s``; ``X`` =
``H.cross_task_block``)::

    backbone.*                       -> backbone.*  (mmseg's Swin, as is)
    expand_layers.{t}_{s}.expand.*   -> H.expands.t.proj.*
    expand_layers.{t}_{s}.norm.*     -> H.expands.t.norm.*
    concat_layers.{t}_{s}.*          -> H.reduces.t.*
    block_B.{t}_{s}.norm.*           -> H.task_blocks.t.(B-1).norm.*
    block_B.{t}_{s}.op.<SS2D>        -> H.task_blocks.t.(B-1).ss2d.<SS2D>
    block_3.{s}.norm_share.*         -> X.shared_norm.*
    block_3.{s}.op_share.<SS2D>      -> X.shared_ss2d.<SS2D>
    block_3.{s}.norm.{t}.*           -> X.task_norms.t.*
    block_3.{s}.op.{t}.<SS2D>        -> X.task_ss2d.t.<SS2D>
    block_3.{s}.in_proj.{t}.weight   -> X.task_gates.t.weight
    block_3.{s}.out_proj.{t}.weight  -> X.task_out_projs.t.weight
    final_expand.{t}.expand.weight   -> decode_head.task_heads.t.expand.proj.weight
    final_expand.{t}.norm.*          -> decode_head.task_heads.t.expand.norm.*
    final_project.{t}.*              -> decode_head.task_heads.t.conv.*

inside an SS2D (``<SS2D>``; ``S`` = ``scan.branches.0``, the single-scale scan)::

    in_proj.weight, conv2d.*, out_norm.*, out_proj.weight   unchanged
    x_proj_weight                    -> S.x_proj_weight
    dt_projs_weight, dt_projs_bias   -> S.dt_proj_weight, S.dt_proj_bias
    A_logs, Ds                       -> S.A_log, S.D

The tensors keep their layout: the release's SS2D stacks the four scan
directions (row-major, column-major, both reversed) in the order of this
project's :class:`~msm_mm.models.layers.cross_scan.CrossScanCore`, and both
patch expansions split a pixel's channels as ``(p1 p2 c)``.

The names above are those of the release's ``models/MTMamba.py``,
``models/CTM.py`` and ``models/utils.py``, and its ``utils/train_utils.py``
saves ``{'model': model.state_dict()}``. That the released files follow this
layout is an assumption: they are not available to this project's tests, which
check the converter on state dicts of that layout. A ``module.`` prefix (a
checkpoint saved from ``DistributedDataParallel``) is removed.

The conversion is exact or it fails: a key no rule maps, a weight of the
config's model that the checkpoint does not provide, and a shape that differs
are listed, and nothing is written.
"""
import argparse
import os
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from msm_mm.utils import add_unsafe_load_argument, checkpoint_state_dict, load_config

# The release's SS2D parameters -> this project's SS2D (S = its single-scale scan).
_SS2D = [
    (r'(?P<p>in_proj\.weight|conv2d\.(weight|bias)|out_norm\.(weight|bias)|out_proj\.weight)',
     r'\g<p>'),
    (r'x_proj_weight', 'scan.branches.0.x_proj_weight'),
    (r'dt_projs_weight', 'scan.branches.0.dt_proj_weight'),
    (r'dt_projs_bias', 'scan.branches.0.dt_proj_bias'),
    (r'A_logs', 'scan.branches.0.A_log'),
    (r'Ds', 'scan.branches.0.D'),
]


def _rules(tasks: Sequence[str]) -> List[Tuple[str, str]]:
    """(release key pattern, this project's key) pairs for ``tasks``."""
    # longest names first, so that a task name that prefixes another never wins
    t = '(?P<t>' + '|'.join(re.escape(n) for n in sorted(tasks, key=len, reverse=True)) + ')'
    s = r'(?P<s>\d)'
    stage = r'decode_head.stages.\g<s>'
    cross = stage + '.cross_task_block'
    rules = [
        (r'backbone\.(?P<k>.+)', r'backbone.\g<k>'),
        (rf'expand_layers\.{t}_{s}\.expand\.weight', stage + r'.expands.\g<t>.proj.weight'),
        (rf'expand_layers\.{t}_{s}\.norm\.(?P<w>weight|bias)',
         stage + r'.expands.\g<t>.norm.\g<w>'),
        (rf'concat_layers\.{t}_{s}\.(?P<w>weight|bias)', stage + r'.reduces.\g<t>.\g<w>'),
        (rf'block_1\.{t}_{s}\.norm\.(?P<w>weight|bias)',
         stage + r'.task_blocks.\g<t>.0.norm.\g<w>'),
        (rf'block_2\.{t}_{s}\.norm\.(?P<w>weight|bias)',
         stage + r'.task_blocks.\g<t>.1.norm.\g<w>'),
        (rf'block_3\.{s}\.norm_share\.(?P<w>weight|bias)', cross + r'.shared_norm.\g<w>'),
        (rf'block_3\.{s}\.norm\.{t}\.(?P<w>weight|bias)', cross + r'.task_norms.\g<t>.\g<w>'),
        (rf'block_3\.{s}\.in_proj\.{t}\.weight', cross + r'.task_gates.\g<t>.weight'),
        (rf'block_3\.{s}\.out_proj\.{t}\.weight', cross + r'.task_out_projs.\g<t>.weight'),
        (rf'final_expand\.{t}\.expand\.weight', r'decode_head.task_heads.\g<t>.expand.proj.weight'),
        (rf'final_expand\.{t}\.norm\.(?P<w>weight|bias)',
         r'decode_head.task_heads.\g<t>.expand.norm.\g<w>'),
        (rf'final_project\.{t}\.(?P<w>weight|bias)', r'decode_head.task_heads.\g<t>.conv.\g<w>'),
    ]
    # The SS2Ds: the two task-specific blocks, the cross-task block's shared and per-task ones.
    ss2d_owners = [
        (rf'block_1\.{t}_{s}\.op', stage + r'.task_blocks.\g<t>.0.ss2d'),
        (rf'block_2\.{t}_{s}\.op', stage + r'.task_blocks.\g<t>.1.ss2d'),
        (rf'block_3\.{s}\.op_share', cross + '.shared_ss2d'),
        (rf'block_3\.{s}\.op\.{t}', cross + r'.task_ss2d.\g<t>'),
    ]
    rules += [(rf'{owner}\.{inner}', f'{target}.{renamed}')
              for owner, target in ss2d_owners for inner, renamed in _SS2D]
    return rules


def convert_mtmamba(state_dict: Dict[str, Tensor], tasks: Sequence[str]
                    ) -> Tuple['OrderedDict[str, Tensor]', List[str]]:
    """Rename a state dict of the MTMamba release for this project's model.

    Args:
        state_dict (dict[str, Tensor]): The release's ``model`` state dict
            (a ``module.`` prefix is removed).
        tasks (Sequence[str]): The model's task names.

    Returns:
        tuple: The renamed state dict and the keys no rule matched.
    """
    rules = [(re.compile(pattern + '$'), target) for pattern, target in _rules(tasks)]
    converted, unmapped = OrderedDict(), []
    for key, value in state_dict.items():
        name = key[len('module.'):] if key.startswith('module.') else key
        for pattern, target in rules:
            match = pattern.match(name)
            if match:
                converted[match.expand(target)] = value
                break
        else:
            unmapped.append(key)
    return converted, unmapped


def check_exact(converted: Dict[str, Tensor], unmapped: Sequence[str],
                expected: Dict[str, Tensor]) -> List[str]:
    """Every problem that keeps the conversion from being exact.

    Args:
        converted (dict[str, Tensor]): Output of :func:`convert_mtmamba`.
        unmapped (Sequence[str]): Release keys no rule matched.
        expected (dict[str, Tensor]): The state dict of the config's model.

    Returns:
        list[str]: One line per problem; empty when every tensor maps to a
        weight of the same shape and every weight is provided.
    """
    problems = [f'not mapped: {key}' for key in unmapped]
    problems += [f'not in the model: {key}' for key in converted if key not in expected]
    problems += [f'not in the checkpoint: {key}' for key in expected if key not in converted]
    problems += [
        f'shape of {key}: checkpoint {tuple(value.shape)}, model {tuple(expected[key].shape)}'
        for key, value in converted.items()
        if key in expected and value.shape != expected[key].shape
    ]
    return problems


def model_state(config: str) -> Tuple[Dict[str, Tensor], Tuple[str, ...]]:
    """State dict and task names of the model of ``config`` (not initialised)."""
    from mmseg.registry import MODELS
    cfg = load_config(config)
    model = MODELS.build(cfg.model)
    return model.state_dict(), tuple(cfg.model.decode_head.tasks)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Convert an MTMamba release checkpoint to this project's MTMamba config")
    parser.add_argument('src', help='checkpoint of the MTMamba release')
    parser.add_argument('dst', help='where to write the converted checkpoint')
    parser.add_argument(
        '--config', required=True,
        help='the MTMamba config the checkpoint is for, e.g. '
        'configs/mtmamba/mtmamba_swin-l_nyud.py (tasks and shapes are checked against it)')
    add_unsafe_load_argument(parser)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    for path in (args.src, args.config):
        if not osp.isfile(path):
            print(f'mtmamba2mmseg: {path} not found', file=sys.stderr)
            return 1
    state_dict = checkpoint_state_dict(args.src, weights_only=not args.unsafe_load)
    expected, tasks = model_state(args.config)
    converted, unmapped = convert_mtmamba(state_dict, tasks)
    problems = check_exact(converted, unmapped, expected)
    if problems:
        print(f'mtmamba2mmseg: {args.src} does not convert exactly to the model of '
              f'{args.config} (tasks {list(tasks)}); nothing written:', file=sys.stderr)
        for line in problems:
            print(f'  {line}', file=sys.stderr)
        return 1
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    torch.save(dict(state_dict=converted, meta=dict(converted_from=osp.basename(args.src))),
               args.dst)
    print(f'{len(converted)} tensors written to {args.dst}, every weight of {args.config}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
