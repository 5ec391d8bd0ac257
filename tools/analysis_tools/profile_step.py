"""Where the time of one training step goes, by kernel category and by model part.

Runs a few warm-up training steps on random data at the config's crop size,
then profiles ``--steps`` steps with torch.profiler and groups the GPU kernel
time into categories (matrix products, selective scan, copies and layout
changes, normalisation, convolution, other elementwise work). The forward time
of each model part (encoder, each MFR stage, task heads, losses) is measured
separately with CUDA events.

Example:
    python tools/analysis_tools/profile_step.py configs/msm/msm_swin-l_nyud.py --batch-size 4
"""
import argparse
import re
from collections import defaultdict
from contextlib import nullcontext

import torch
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch.profiler import ProfilerActivity, profile

from benchmark import random_samples  # noqa: E402  (sibling script)

#: Kernel-name patterns per category, tried in order.
CATEGORIES = [
    ('selective scan', r'selective_scan|SelectiveScan|cross_scan_'),
    ('matrix products', r'gemm|Gemm|xmma|cutlass|cublas|matmul|wgmma|sm90|dot_kernel'),
    ('normalisation', r'layer_norm|LayerNorm|layernorm'),
    ('convolution', r'conv|Conv|depthwise'),
    ('copies / layout', r'copy|Copy|CatArray|cat_|flip|transpose|permute|index|gather|scatter'),
    ('elementwise / other', r'.*'),
]


def categorize(name: str) -> str:
    for category, pattern in CATEGORIES:
        if re.search(pattern, name):
            return category
    return 'elementwise / other'


def part_times(model, inputs, samples, autocast) -> dict:
    """Forward milliseconds of each model part, from CUDA events around hooks."""
    parts = {'encoder': model.backbone, 'task heads': model.decode_head.task_heads}
    for i, stage in enumerate(model.decode_head.stages):
        parts[f'MFR stage {i}'] = stage
    events, handles = defaultdict(list), []
    for name, module in parts.items():
        def pre(_m, _i, name=name):
            events[name].append(torch.cuda.Event(enable_timing=True))
            events[name][-1].record()

        def post(_m, _i, _o, name=name):
            events[name].append(torch.cuda.Event(enable_timing=True))
            events[name][-1].record()
        if isinstance(module, torch.nn.ModuleDict):  # heads: time each task head
            for sub in module.values():
                handles += [sub.register_forward_pre_hook(pre), sub.register_forward_hook(post)]
        else:
            handles += [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]
    with autocast:
        model(inputs, samples, mode='loss')
    torch.cuda.synchronize()
    for h in handles:
        h.remove()
    return {name: sum(ev[i].elapsed_time(ev[i + 1]) for i in range(0, len(ev), 2))
            for name, ev in events.items()}


def main():
    parser = argparse.ArgumentParser(description='Profile one training step')
    parser.add_argument('config')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--precision', choices=['fp32', 'bf16'], default='fp32')
    parser.add_argument('--steps', type=int, default=2, help='profiled steps')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope('mmseg')
    device = torch.device('cuda')
    model = MODELS.build(cfg.model).to(device).train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    size = tuple(cfg.crop_size)
    inputs = torch.randn(args.batch_size, 3, *size, device=device)
    samples = random_samples(model.decode_head.tasks, args.batch_size, size, device)
    autocast = (torch.autocast('cuda', dtype=torch.bfloat16)
                if args.precision == 'bf16' else nullcontext())

    def step():
        with autocast:
            losses = model(inputs, samples, mode='loss')
        optim_wrapper.update_params(sum(v for k, v in losses.items() if 'loss' in k))

    for _ in range(3):
        step()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(args.steps):
            step()
        torch.cuda.synchronize()
    by_category, launches = defaultdict(float), defaultdict(int)
    for evt in prof.key_averages():
        ms = evt.self_device_time_total / 1e3 / args.steps
        if ms > 0:
            by_category[categorize(evt.key)] += ms
            launches[categorize(evt.key)] += evt.count // args.steps
    total = sum(by_category.values())
    print(f'{args.config}: batch {args.batch_size}, {args.precision}, '
          f'{torch.cuda.get_device_name()}')
    print(f'GPU kernel time per training step: {total:.1f} ms')
    print('| share | ms | launches | category |\n|---|---|---|---|')
    for cat, ms in sorted(by_category.items(), key=lambda kv: -kv[1]):
        print(f'| {100 * ms / total:.1f}% | {ms:.1f} | {launches[cat]} | {cat} |')
    print('\nTop kernels:')
    top = sorted(prof.key_averages(), key=lambda e: -e.self_device_time_total)[:15]
    for evt in top:
        ms = evt.self_device_time_total / 1e3 / args.steps
        print(f'  {ms:8.1f} ms  {evt.count // args.steps:5d}x  {evt.key[:110]}')
    print('\nForward time by model part (ms, CUDA events):')
    for name, ms in part_times(model, inputs, samples, autocast).items():
        print(f'  {name:14s} {ms:8.1f}')


if __name__ == '__main__':
    main()
