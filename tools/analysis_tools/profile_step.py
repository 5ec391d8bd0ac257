"""Where the time of one training step (or forward pass) goes, by kernel
category and by model part.

Runs a few warm-up steps on random data at the config's crop size, times
``--steps`` steps (synchronised wall time), then profiles as many with
torch.profiler and groups the kernel time into categories (matrix products,
selective scan, copies and layout changes, normalisation, convolution, the
optimizer, other elementwise work, kernels fused by ``torch.compile``). On a
GPU, wall time minus kernel time is the time the GPU waited for the host
(launch gaps). The forward time of each model part (encoder, each MFR stage,
task heads) is measured separately, by forward hooks: only where the parts
run as modules, not where CUDA graphs replay them or compiled code runs them
(``--cfg-options model.cuda_graph=False model.compile=False``). The copies
(copy kernels outside the compiler's fused kernels) are also listed by the
operators that made them, with their shapes, dtypes and strides. On the CPU
(small configs) the same report is made of the operators' own CPU time,
which includes the profiler's overhead (it can exceed the wall time).

Example:
    python tools/analysis_tools/profile_step.py configs/msm/msm_swin-l_nyud.py --batch-size 4
"""
import argparse
import re
import statistics
import time
from collections import defaultdict
from contextlib import nullcontext

import torch
from mmengine.config import DictAction
from mmengine.optim import build_optim_wrapper
from mmseg.registry import MODELS
from torch.profiler import ProfilerActivity, profile

from msm_mm.utils import load_config

from benchmark import random_samples, synchronize  # noqa: E402  # isort:skip (sibling script)

#: Names of matrix product kernels (cuBLAS, cutlass, nvjet) and CPU operators.
MATRIX_PRODUCTS = (r'gemm|Gemm|xmma|cutlass|cublas|matmul|wgmma|sm90|dot_kernel|'
                   r'aten::(addmm|mm|bmm)$')
#: Kernel (or CPU operator) name patterns per category, tried in order.
CATEGORIES = [
    ('selective scan', r'selective_scan|SelectiveScan|cross_scan_'),
    ('matrix products', MATRIX_PRODUCTS),
    ('normalisation', r'layer_norm|LayerNorm|layernorm'),
    ('attention softmax', r'softmax'),
    ('fused by torch.compile', r'^triton_(poi|per|red)_'),
    # the optimizer's kernels (fused or multi-tensor), and other multi-tensor ops
    ('optimizer', r'multi_tensor_apply|aten::_fused_adam|aten::_foreach_'),
    ('convolution', r'conv|Conv|depthwise'),
    ('copies / layout', r'copy|Copy|CatArray|cat_|aten::cat$|flip|transpose|permute|index|gather|'
     r'scatter'),
    ('elementwise / other', r'.*'),
]


#: Copy kernels (aten's copies and casts; the compiler's copies are fused into its kernels)
COPY_KERNEL = r'^(?!triton_).*(copy|Copy)'
#: How many operators above a copy name where it was made
COPY_ORIGIN_DEPTH = 3
#: How many origins of copies the report lists
COPIES_LISTED = 12


def categorize(name: str) -> str:
    for category, pattern in CATEGORIES:
        if re.search(pattern, name):
            return category
    return 'elementwise / other'


class PartTimer:
    """Forward milliseconds of model parts: CUDA events on a GPU, host clock
    (synchronous execution) on the CPU, recorded by forward hooks."""

    def __init__(self, device: torch.device):
        self.device = device
        self.marks = defaultdict(list)

    def mark(self, name: str) -> None:
        if self.device.type == 'cuda':
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            self.marks[name].append(event)
        else:
            self.marks[name].append(time.perf_counter())

    def elapsed(self, start, end) -> float:
        if self.device.type == 'cuda':
            return start.elapsed_time(end)
        return (end - start) * 1e3

    def hook(self, name: str, module: torch.nn.Module) -> list:
        """Register the pre/post hooks of ``module``; returns their handles."""
        return [
            module.register_forward_pre_hook(lambda *_: self.mark(name)),
            module.register_forward_hook(lambda *_: self.mark(name))
        ]

    def totals(self) -> dict:
        return {name: sum(self.elapsed(m[i], m[i + 1]) for i in range(0, len(m), 2))
                for name, m in self.marks.items()}


def parts_run_as_modules(model, mode: str, device: torch.device) -> bool:
    """Whether forward hooks see the model's parts run in ``mode``: not
    where CUDA graphs replay them, nor where compiled code runs them."""
    if device.type != 'cuda':
        return True
    accelerator = model.accelerator
    return accelerator.graphs is None and not accelerator.compiles(mode == 'train')


def part_times(model, forward, device) -> dict:
    """Forward milliseconds of the encoder, each MFR stage and the task heads
    (summed over tasks) in one call of ``forward``."""
    timer, handles = PartTimer(device), []
    handles += timer.hook('encoder', model.backbone)
    for i, stage in enumerate(model.decode_head.stages):
        handles += timer.hook(f'MFR stage {i}', stage)
    for head in model.decode_head.task_heads.values():
        handles += timer.hook('task heads', head)
    forward()
    synchronize(device)
    for h in handles:
        h.remove()
    return timer.totals()


def copy_description(evt) -> str:
    """What ``evt`` (an operator recorded with shapes) copied: its first
    input's shape; for ``aten::copy_`` the source's shape, then, where the
    profiler records them (torch 2.14's does, 2.11's not), the source's and
    the destination's dtype and strides."""
    shapes = evt.input_shapes
    if not shapes:
        return ''
    if evt.name != 'aten::copy_' or len(shapes) < 2:
        return str(tuple(shapes[0]))
    # copy_(self, src): the destination first
    dtypes = getattr(evt, 'input_dtypes', None)
    strides = getattr(evt, 'structured_input_strides', None)
    if not dtypes or not strides:
        return str(tuple(shapes[1]))
    return (f'{tuple(shapes[1])} {dtypes[1]} {tuple(strides[1])} -> {dtypes[0]} '
            f'{tuple(strides[0])}')


def copies_by_origin(step, device: torch.device, steps: int) -> list:
    """[(ms per step, copies per step, origin, what)] of the copies that
    ``steps`` calls of ``step`` make, largest first: copy kernels on a GPU,
    ``aten::copy_``'s own time on the CPU; the origin is the chain of
    operators above the copy, nearest first, and what is
    :func:`copy_description` (a profile of its own, as recording operators
    and shapes slows the host)."""
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == 'cuda'
                                           else [])
    with profile(activities=activities, record_shapes=True) as prof:
        for _ in range(steps):
            step()
        synchronize(device)
    totals = defaultdict(lambda: [0., 0])
    for evt in prof.events():
        if device.type == 'cuda':
            kernels = [k for k in evt.kernels if re.search(COPY_KERNEL, k.name)]
            us, copies = sum(k.duration for k in kernels), len(kernels)
        elif evt.name == 'aten::copy_':
            us, copies = evt.self_cpu_time_total, 1
        else:
            continue
        if not copies:
            continue
        chain, parent = [], evt.cpu_parent
        while parent is not None and len(chain) < COPY_ORIGIN_DEPTH:
            chain.append(parent.name)
            parent = parent.cpu_parent
        key = (' < '.join(chain) or evt.name, copy_description(evt))
        totals[key][0] += us / 1e3 / steps
        totals[key][1] += copies
    return sorted(((ms, n // steps, origin, what) for (origin, what), (ms, n) in totals.items()),
                  key=lambda row: -row[0])


def parse_args():
    parser = argparse.ArgumentParser(description='Profile a training step or a forward pass')
    parser.add_argument('config')
    parser.add_argument('--mode', choices=['train', 'inference'], default='train',
                        help='a training step (forward, backward, optimizer) or a forward pass')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--precision', choices=['fp32', 'bf16'], default='fp32')
    parser.add_argument('--steps', type=int, default=2, help='timed and profiled steps')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, also_read=['crop_size'])
    device = torch.device(args.device)
    model = MODELS.build(cfg.model).to(device)
    size = tuple(cfg.crop_size)
    inputs = torch.randn(args.batch_size, 3, *size, device=device)
    samples = random_samples(model.decode_head.tasks, args.batch_size, size, device)
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16)
                if args.precision == 'bf16' else nullcontext())
    if args.mode == 'train':
        model.train()
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)

        def forward():
            with autocast:
                return model(inputs, samples, mode='loss')

        def step():
            losses = forward()
            optim_wrapper.update_params(sum(v for k, v in losses.items() if 'loss' in k))
    else:
        model.eval()

        def forward():
            with torch.no_grad(), autocast:
                return model(inputs, mode='tensor')

        step = forward

    for _ in range(3):
        step()
    wall = []
    for _ in range(args.steps):
        synchronize(device)
        start = time.perf_counter()
        step()
        synchronize(device)
        wall.append((time.perf_counter() - start) * 1e3)
    activity = ProfilerActivity.CUDA if device.type == 'cuda' else ProfilerActivity.CPU
    with profile(activities=[activity]) as prof:
        for _ in range(args.steps):
            step()
        synchronize(device)

    def own_ms(evt) -> float:  # the event's own time per step
        us = evt.self_device_time_total if device.type == 'cuda' else evt.self_cpu_time_total
        return us / 1e3 / args.steps

    by_category, launches = defaultdict(float), defaultdict(int)
    for evt in prof.key_averages():
        if own_ms(evt) > 0:
            by_category[categorize(evt.key)] += own_ms(evt)
            launches[categorize(evt.key)] += evt.count // args.steps
    total = sum(by_category.values())
    kind = 'GPU kernel' if device.type == 'cuda' else 'CPU operator (profiler overhead included)'
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU'
    what = 'training step' if args.mode == 'train' else 'forward pass'
    step_ms = statistics.median(wall)
    print(f'{args.config}: {what}, batch {args.batch_size}, {args.precision}, {name}')
    print(f'wall time per {what}: {step_ms:.1f} ms (median of {args.steps})')
    print(f'{kind} time per {what}: {total:.1f} ms')
    if device.type == 'cuda':
        print(f'GPU idle (wall - kernel time): {step_ms - total:.1f} ms')
    print(f'| share | ms | {"launches" if device.type == "cuda" else "calls"} | category |')
    print('|---|---|---|---|')
    for cat, ms in sorted(by_category.items(), key=lambda kv: -kv[1]):
        print(f'| {100 * ms / total:.1f}% | {ms:.1f} | {launches[cat]} | {cat} |')
    print(f'\nTop {"kernels" if device.type == "cuda" else "operators"}:')
    for evt in sorted(prof.key_averages(), key=lambda e: -own_ms(e))[:15]:
        print(f'  {own_ms(evt):8.1f} ms  {evt.count // args.steps:5d}x  {evt.key[:110]}')
    copies = copies_by_origin(step, device, args.steps)
    print(f'\nCopies by the operators that made them: {sum(row[0] for row in copies):.1f} ms '
          f'per {what} (operators nearest first; shape, then source dtype and strides -> '
          f'destination\'s where recorded):')
    for ms, count, origin, copied in copies[:COPIES_LISTED]:
        print(f'  {ms:8.2f} ms  {count:5d}x  {origin}  {copied}')
    if not parts_run_as_modules(model, args.mode, device):
        print('\nForward time by model part: not measured, the parts run in CUDA graphs or '
              'compiled code (model.cuda_graph=False model.compile=False measures it)')
        return
    print('\nForward time by model part (ms):')
    for part, ms in part_times(model, forward, device).items():
        print(f'  {part:14s} {ms:8.1f}')


if __name__ == '__main__':
    main()
