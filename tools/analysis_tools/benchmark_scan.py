"""Time the four-direction scan at every shape a config's decoder scans, next
to its floors.

The config's model runs one forward at its crop size; a forward hook on every
:class:`~msm_mm.models.layers.CrossScanCore` records the shapes it scans
(channels, map) and how many cores of each shape one step runs. Each shape is
then timed alone: one core with the config's ``dt_rank`` and ``d_state`` on a
channels-last map (as SS2D hands it), with its projections, and the scan op
alone on the core's projected inputs; forward (no grad) and forward +
backward, median of CUDA-event timings after warm-up.

The op is the Triton kernels with their host code, including the step
sizes' last projection, ``dt = dt_low @ dt_weight^T``, which the op computes
in the forward and again in the backward; the core adds its other
projections. The floors are those of the op's recurrence, per shape, with dt
counted as an input (its projection is in neither floor):

- memory: the recurrence's inputs read once and its outputs written once
  (forward: x, dt, B and C in, y out; backward: the same plus dy in, their
  gradients out), at ``--bandwidth`` TB/s;
- arithmetic: per state update (image, direction, step, channel, state)
  6 float32 operations in the forward (decay ``delta * A``, input
  ``delta * u * B``, state ``a * h + b``, output ``C * h`` summed) and 20 in
  the backward (the forward's recomputed, the adjoint ``C * dy + a * g``,
  and the products and sums of the five gradients), at ``--fp32`` TFLOP/s;
- exponentials: one ``exp(delta * A)`` per state update and pass (forward:
  one pass; backward: the states recomputed and the adjoint, two), at
  ``--exp-rate`` T/s, the card's special-function units.

The defaults are an H200's: 4.8 TB/s; 132 multiprocessors x 128 float32
lanes x 2 (fused multiply-add) x 1.98 GHz = 66.9 TFLOP/s; 132 x 16
exponentials a clock x 1.98 GHz = 4.18 T/s.

``--shapes`` times some of the config's shapes only, e.g. the five of one
decoder stage each (the totals are then theirs). ``--profile CALLS`` also
runs the op's forward + backward ``CALLS`` times under torch.profiler and
sums its kernels' device time by kind (:data:`KERNEL_KINDS`), per call and,
weighted by the cores of each shape, per training step.

Example:
    python tools/analysis_tools/benchmark_scan.py configs/msm/msm_swin-l_nyud.py \
        --batch-size 4 --out work_dirs/scan.json
    python tools/analysis_tools/benchmark_scan.py configs/msm/msm_swin-l_nyud.py \
        --shapes 192x112x144 384x112x144 768x56x72 3072x28x36 12288x7x9 --profile 5
"""
import argparse
import json
import re
import statistics
from collections import Counter

import torch
from benchmark_record import run_header
from mmengine.config import DictAction
from mmseg.registry import MODELS
from profile_step import MATRIX_PRODUCTS

from msm_mm.models.layers import CrossScanCore
from msm_mm.models.ops.scan_directions import NUM_DIRECTIONS
from msm_mm.utils import load_config

#: float32 operations per state update (module docstring)
FWD_FLOPS, BWD_FLOPS = 6, 20
#: exponentials per state update
FWD_EXPS, BWD_EXPS = 1, 2
#: The op's kernels by kind: kernel name patterns, tried in order. The
#: forward kernel also runs the backward's states pass; the products are the
#: step sizes' projection (forward, and again in the backward) and its two
#: gradients; the sums are y and dx over the directions and dB, dC over the
#: channel blocks.
KERNEL_KINDS = [
    ('backward kernel', r'_cross_scan_bwd_kernel'),
    ('forward kernel', r'_cross_scan_fwd_kernel'),
    ('products', MATRIX_PRODUCTS),
    ('sums', r'reduce_kernel'),
    ('other', r''),
]


def scanned_shapes(cfg, batch: int, device) -> Counter:
    """{(channels, height, width, dt_rank, d_state): cores per step} of the
    config's model at its crop size."""
    # one plain forward: graph capture and compilation would run it more often
    model = MODELS.build(dict(cfg.model, cuda_graph=False, compile=False)).to(device).eval()
    shapes = Counter()

    def record(core, args, _output):
        _, dims, height, width = args[0].shape
        shapes[(dims, height, width, core.dt_rank, core.d_state)] += 1

    for m in model.modules():
        if isinstance(m, CrossScanCore):
            m.register_forward_hook(record)
    with torch.no_grad():
        model(torch.randn(batch, 3, *cfg.crop_size, device=device), mode='tensor')
    return shapes


def selected_shapes(shapes: Counter, wanted) -> Counter:
    """The shapes of ``shapes`` (:func:`scanned_shapes`) named in ``wanted``,
    strings ``CHANNELSxHEIGHTxWIDTH``; all of them when ``wanted`` is empty."""
    if not wanted:
        return shapes
    known = {'x'.join(map(str, s[:3])): s for s in shapes}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise SystemExit(f'--shapes: the config scans no {", ".join(unknown)}; its shapes '
                         f'(CHANNELSxHEIGHTxWIDTH): {" ".join(sorted(known))}')
    return Counter({known[w]: shapes[known[w]] for w in wanted})


def cuda_times(step, iters: int, warmup: int) -> list:
    """Milliseconds of each timed call of ``step`` (CUDA events)."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iters):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        step()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return times


def kernel_kind(name: str) -> str:
    """The kind (:data:`KERNEL_KINDS`) of the kernel called ``name``."""
    return next(kind for kind, pattern in KERNEL_KINDS if re.search(pattern, name))


def time_by_kind(kernels, calls: int) -> dict:
    """{kind: microseconds per call} of ``kernels``, (name, microseconds)
    pairs summed over ``calls`` calls."""
    kinds = dict.fromkeys((kind for kind, _ in KERNEL_KINDS), 0.)
    for name, us in kernels:
        kinds[kernel_kind(name)] += us / calls
    return {kind: round(us, 1) for kind, us in kinds.items()}


def profile_by_kind(step, calls: int) -> dict:
    """{kind: device microseconds per call} of ``step``'s CUDA kernels,
    ``calls`` calls under torch.profiler."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(calls):
            step()
        torch.cuda.synchronize()
    return time_by_kind(((evt.key, evt.self_device_time_total) for evt in prof.key_averages()
                         if evt.device_type == torch.autograd.DeviceType.CUDA), calls)


def floors_ms(batch: int, dims: int, length: int, d_state: int, itemsize: int, args) -> dict:
    """Memory, arithmetic and exponential floors (ms) of the scan op."""
    k = NUM_DIRECTIONS
    updates = batch * k * length * dims * d_state
    # x, dt and bc in the input dtype; y float32
    fwd_bytes = batch * length * (dims + k * dims + k * 2 * d_state) * itemsize + \
        batch * length * dims * 4
    # inputs and dy in, gradients of x, dt and bc out
    bwd_bytes = 2 * fwd_bytes

    def ms(amount, rate):
        return amount / rate * 1e3

    return dict(
        fwd_memory=ms(fwd_bytes, args.bandwidth * 1e12),
        fwd_arith=ms(updates * FWD_FLOPS, args.fp32 * 1e12),
        fwd_exp=ms(updates * FWD_EXPS, args.exp_rate * 1e12),
        fwdbwd_memory=ms(fwd_bytes + bwd_bytes, args.bandwidth * 1e12),
        fwdbwd_arith=ms(updates * (FWD_FLOPS + BWD_FLOPS), args.fp32 * 1e12),
        fwdbwd_exp=ms(updates * (FWD_EXPS + BWD_EXPS), args.exp_rate * 1e12))


def time_shape(shape, batch: int, args, device) -> dict:
    """Forward and forward + backward of one core at ``shape`` (projections
    included), and of the scan op alone (Triton backend), next to the op's
    floors."""
    dims, height, width, dt_rank, d_state = shape
    core = CrossScanCore(dims, dt_rank, d_state, backend=args.backend).to(device)
    # in the model's dtype: under bf16 autocast SS2D's convolution hands bf16
    dtype = torch.bfloat16 if args.precision == 'bf16' else torch.float32
    x = torch.randn(batch, dims, height, width, device=device, dtype=dtype).to(
        memory_format=torch.channels_last).requires_grad_()
    dy = torch.randn(batch, dims, height, width, device=device)
    autocast = torch.autocast('cuda', dtype=torch.bfloat16, enabled=args.precision == 'bf16')
    steps = {}

    def core_fwd():
        with torch.no_grad(), autocast:
            core(x)

    def core_fwdbwd():
        with autocast:
            y = core(x)
        y.backward(dy)

    steps.update(core_fwd=core_fwd, core_fwdbwd=core_fwdbwd)
    if core.backend in ('auto', 'triton'):
        from msm_mm.models.ops.cross_selective_scan import cross_selective_scan
        k = NUM_DIRECTIONS
        with autocast:
            inputs = [t.detach().requires_grad_() for t in core.fused_scan_inputs(x)]
        params = (core.A_log.view(k, dims, d_state), core.D.view(k, dims), core.dt_proj_bias)
        dy_pixels = dy.permute(0, 2, 3, 1).reshape(batch, height * width, dims)

        def op_fwd():
            with torch.no_grad():
                cross_selective_scan(*inputs, *params, height, width)

        def op_fwdbwd():
            cross_selective_scan(*inputs, *params, height, width).backward(dy_pixels)

        steps.update(op_fwd=op_fwd, op_fwdbwd=op_fwdbwd)
    record = dict(channels=dims, height=height, width=width, dt_rank=dt_rank, d_state=d_state)
    for name, step in steps.items():
        record[f'{name}_ms'] = round(statistics.median(cuda_times(step, args.iters,
                                                                  args.warmup)), 3)
    if args.profile and 'op_fwdbwd' in steps:
        record['op_fwdbwd_kernel_us'] = profile_by_kind(steps['op_fwdbwd'], args.profile)
    floors = floors_ms(batch, dims, height * width, d_state, 2 if args.precision == 'bf16' else 4,
                       args)
    record.update({f'floor_{k}_ms': round(v, 4) for k, v in floors.items()})
    return record


def parse_args():
    parser = argparse.ArgumentParser(description='Time the scan at a config\'s decoder shapes')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--precision', choices=['bf16', 'fp32'], default='bf16',
                        help='bf16: under bf16 autocast, as the configs train')
    parser.add_argument('--backend', default='auto',
                        help="scan backend of the cores: 'auto', 'triton', 'mamba_ssm'")
    parser.add_argument('--shapes', nargs='+', default=[], metavar='CxHxW',
                        help='time only these of the config\'s shapes, e.g. 192x112x144')
    parser.add_argument('--profile', type=int, default=0, metavar='CALLS',
                        help="profile the op's forward + backward over this many calls "
                        'and sum its kernel time by kind')
    parser.add_argument('--iters', type=int, default=20, help='timed calls')
    parser.add_argument('--warmup', type=int, default=5, help='untimed calls first')
    parser.add_argument('--bandwidth', type=float, default=4.8, help='memory TB/s')
    parser.add_argument('--fp32', type=float, default=66.9, help='float32 TFLOP/s')
    parser.add_argument('--exp-rate', type=float, default=4.18, help='exponentials, T/s')
    parser.add_argument('--out', help='write the JSON record here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    return parser.parse_args()


def main():
    args = parse_args()
    if not torch.cuda.is_available():
        raise SystemExit('benchmark_scan.py times CUDA kernels: no GPU is visible')
    cfg = load_config(args.config, args.cfg_options, also_read=['crop_size'])
    device = torch.device('cuda')
    shapes = selected_shapes(scanned_shapes(cfg, args.batch_size, device), args.shapes)
    print(f'{args.config}: {sum(shapes.values())} scan cores per step, '
          f'{len(shapes)} shapes', flush=True)
    print('channels | map | cores | core fwd, fwd+bwd ms | op fwd, fwd+bwd ms | '
          'op floors fwd mem/arith/exp | op floors fwd+bwd mem/arith/exp')
    results = []
    for shape, count in sorted(shapes.items(), key=lambda item: -item[0][1] * item[0][2]):
        rec = dict(time_shape(shape, args.batch_size, args, device), cores_per_step=count)
        results.append(rec)
        print(f"{rec['channels']} | {rec['height']}x{rec['width']} | {count} | "
              f"{rec['core_fwd_ms']:.3f}, {rec['core_fwdbwd_ms']:.3f} | "
              f"{rec.get('op_fwd_ms', float('nan')):.3f}, "
              f"{rec.get('op_fwdbwd_ms', float('nan')):.3f} | "
              f"{rec['floor_fwd_memory_ms']:.3f}/{rec['floor_fwd_arith_ms']:.3f}/"
              f"{rec['floor_fwd_exp_ms']:.3f} | {rec['floor_fwdbwd_memory_ms']:.3f}/"
              f"{rec['floor_fwdbwd_arith_ms']:.3f}/{rec['floor_fwdbwd_exp_ms']:.3f}", flush=True)
        if 'op_fwdbwd_kernel_us' in rec:
            print('  op fwd+bwd kernels (us): ' + ', '.join(
                f'{kind} {us:.0f}' for kind, us in rec['op_fwdbwd_kernel_us'].items()), flush=True)
    totals = {
        f'{name}_ms': round(sum(r.get(f'{name}_ms', 0.) for r in results), 2)
        for name in ('core_fwd', 'core_fwdbwd', 'op_fwd', 'op_fwdbwd')
    }
    totals['core_fwdbwd_ms_per_step'] = round(
        sum(r['core_fwdbwd_ms'] * r['cores_per_step'] for r in results), 1)
    print('sum over shapes (ms): ' + ', '.join(f'{k[:-3]} {v}' for k, v in totals.items()))
    if args.profile and any('op_fwdbwd_kernel_us' in r for r in results):
        totals['op_kernel_ms_per_step'] = {
            kind: round(sum(r['op_fwdbwd_kernel_us'][kind] * r['cores_per_step']
                            for r in results) / 1e3, 1) for kind, _ in KERNEL_KINDS}
        print('op kernels per step (ms): ' + ', '.join(
            f'{kind} {ms}' for kind, ms in totals['op_kernel_ms_per_step'].items()))
    report = dict(config=args.config, **run_header(device), batch_size=args.batch_size,
                  precision=args.precision, backend=args.backend, results=results,
                  totals=totals)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
