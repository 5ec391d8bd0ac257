"""Compile the Triton cross-scan kernels for an NVIDIA architecture, on any
machine (no GPU needed), and count what their machine code does.

The scan's host code runs one forward and one backward on CPU tensors of the
given shape; every kernel launch is compiled for ``--arch`` instead of run
(Triton's driver is replaced by one that only names the target). For each
kernel variant the tool reads the cubin with ``cuobjdump`` (shipped with
Triton) and reports: registers per thread, stack bytes (register spills),
SASS instructions, the instructions of its largest loop (the body that runs
once per chunk of steps) and how many of each opcode it holds, warp shuffles
and special-function instructions (MUFU: exponentials, logarithms,
reciprocals) in the whole kernel, and the loop's warp instructions per 32
state updates (one per lane; a chunk holds ``BLOCK_T * N * BLOCK_D``
updates). ``--opcodes`` prints the loop's opcodes too.

``--block-t``, ``--fwd-tiles`` and ``--bwd-tiles`` compile other tile
shapes than :class:`CrossSelectiveScan`'s (steps per chunk; channels per
program, warps and pipeline stages). Counts depend on the Triton version;
compare variants compiled by one.

Example:
    python tools/analysis_tools/scan_sass.py --channels 192 --height 112 --width 144
    python tools/analysis_tools/scan_sass.py --bwd-tiles 4 1 1 --opcodes
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import tempfile
from collections import Counter
from typing import Callable

import torch
import triton
from benchmark_record import run_header
from triton.backends.compiler import GPUTarget
from triton.runtime import driver
from triton.runtime.jit import JITFunction

from msm_mm.models.ops import cross_selective_scan as scan_ops
from msm_mm.models.ops.scan_directions import NUM_DIRECTIONS

#: a SASS line: /*address*/ instruction
_SASS_LINE = re.compile(r'\s+/\*([0-9a-f]{4,})\*/\s+(.*)')
_BRANCH = re.compile(r'\bBRA(?:\.\w+)*\s+0x([0-9a-f]+)')
#: an instruction's opcode, after its predicate and before its modifiers
_OPCODE = re.compile(r'(?:@!?U?P\w+\s+)?([A-Z0-9_]+)')


class CompileOnlyDriver:
    """Triton's active driver for compiling only: names ``target`` and a
    device 0; anything that would launch or load a kernel is missing."""
    backend = 'cuda'

    def __init__(self, target: GPUTarget):
        self.target = target

    def get_current_target(self) -> GPUTarget:
        return self.target

    def get_current_device(self) -> int:
        return 0

    def get_current_stream(self, device=None) -> int:
        return 0

    def get_active_torch_device(self) -> torch.device:
        return torch.device('cpu')


def compile_launches(run_scan) -> list:
    """(kernel name, constexpr arguments, compiled kernel) of every launch
    ``run_scan()`` makes, compiled for the active driver's target."""
    launches = []
    run = JITFunction.run

    def compile_only(self, *args, grid, warmup, **kwargs):
        compiled = run(self, *args, grid=grid, warmup=True, **kwargs)
        constexprs = {k: v for k, v in kwargs.items() if k.isupper()}
        launches.append((self.fn.__name__, constexprs, compiled))
        return compiled

    JITFunction.run = compile_only
    try:
        run_scan()
    finally:
        JITFunction.run = run
    return launches


def sass_counts(cubin: bytes, cuobjdump: str) -> dict:
    """Registers, stack, instructions, largest loop and its opcodes, shuffles
    and MUFU instructions of a cubin."""
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'kernel.cubin')
        with open(path, 'wb') as f:
            f.write(cubin)
        usage = subprocess.run([cuobjdump, '-res-usage', path], capture_output=True, text=True,
                               check=True).stdout
        sass = subprocess.run([cuobjdump, '-sass', path], capture_output=True, text=True,
                              check=True).stdout
    lines = [m.groups() for m in map(_SASS_LINE.match, sass.splitlines()) if m]
    index = {int(address, 16): i for i, (address, _) in enumerate(lines)}
    loop = range(0)
    for i, (_, instruction) in enumerate(lines):
        branch = _BRANCH.search(instruction)
        start = index.get(int(branch.group(1), 16), i) if branch else i
        if start < i and i - start + 1 > len(loop):  # a backward branch closes a loop
            loop = range(start, i + 1)
    opcodes = Counter(_OPCODE.match(lines[i][1]).group(1) for i in loop)
    return dict(
        registers=int(re.search(r'REG:(\d+)', usage).group(1)),
        stack=int(re.search(r'STACK:(\d+)', usage).group(1)),
        instructions=len(lines), loop_instructions=len(loop),
        loop_opcodes=dict(opcodes.most_common()),
        shuffles=sum('SHFL' in ins for _, ins in lines),
        mufu=sum('MUFU' in ins for _, ins in lines))


def scan_kernels(batch: int, channels: int, height: int, width: int, d_state: int,
                 dt_rank: int, dtype: torch.dtype) -> Callable[[], None]:
    """A function that runs the op's forward and backward host code once on
    random CPU tensors of this shape."""
    length = height * width

    def run():
        torch.manual_seed(0)
        x = torch.randn(batch, length, channels, dtype=dtype)
        dt_low = torch.randn(batch, length, NUM_DIRECTIONS, dt_rank, dtype=dtype)
        dt_weight = torch.randn(NUM_DIRECTIONS, channels, dt_rank)
        bc = torch.randn(batch, length, NUM_DIRECTIONS, 2 * d_state, dtype=dtype)
        params = (torch.randn(NUM_DIRECTIONS * channels, d_state),
                  torch.randn(NUM_DIRECTIONS * channels), torch.randn(NUM_DIRECTIONS * channels))
        scan = scan_ops.CrossSelectiveScan
        seg_chunks, _ = scan.segments(batch, channels, length)
        _, seg_state, seg_dsum = scan.forward(x, dt_low, dt_weight, bc, *params, height, width,
                                              seg_chunks)
        scan.backward(torch.randn_like(x), x, dt_low, dt_weight, bc, *params, seg_state,
                      seg_dsum, height, width, seg_chunks)

    return run


def parse_args():
    parser = argparse.ArgumentParser(description='SASS counts of the Triton cross-scan kernels')
    parser.add_argument('--arch', type=int, default=90, help='compute capability, e.g. 90')
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--channels', type=int, default=192)
    parser.add_argument('--height', type=int, default=112)
    parser.add_argument('--width', type=int, default=144)
    parser.add_argument('--d-state', type=int, default=16)
    parser.add_argument('--dt-rank', type=int, default=12)
    parser.add_argument('--dtype', choices=['bf16', 'fp32'], default='bf16')
    parser.add_argument('--block-t', type=int, help='steps per chunk')
    parser.add_argument('--fwd-tiles', type=int, nargs=3, metavar=('CHANNELS', 'WARPS', 'STAGES'),
                        help="the forward kernel's tiles")
    parser.add_argument('--bwd-tiles', type=int, nargs=3, metavar=('CHANNELS', 'WARPS', 'STAGES'),
                        help="the backward's tiles (its states pass and its own kernel)")
    parser.add_argument('--opcodes', action='store_true',
                        help="print each kernel loop's opcodes, most frequent first")
    parser.add_argument('--out', help='write the counts as JSON here')
    return parser.parse_args()


def main():
    args = parse_args()
    cuobjdump = osp.join(osp.dirname(triton.__file__), 'backends', 'nvidia', 'bin', 'cuobjdump')
    if not os.access(cuobjdump, os.X_OK):
        raise SystemExit(f'no cuobjdump at {cuobjdump} (Triton ships it with its NVIDIA backend)')
    driver.set_active(CompileOnlyDriver(GPUTarget('cuda', args.arch, 32)))
    scan = scan_ops.CrossSelectiveScan
    scan.block_t = args.block_t or scan.block_t
    scan.fwd_tiles = tuple(args.fwd_tiles or scan.fwd_tiles)
    scan.bwd_tiles = tuple(args.bwd_tiles or scan.bwd_tiles)
    dtype = dict(bf16=torch.bfloat16, fp32=torch.float32)[args.dtype]
    launches = compile_launches(
        scan_kernels(args.batch, args.channels, args.height, args.width, args.d_state,
                     args.dt_rank, dtype))
    kernels, seen = [], set()
    for name, constexprs, compiled in launches:
        key = (name, tuple(sorted(constexprs.items())))
        if key in seen:
            continue
        seen.add(key)
        counts = sass_counts(compiled.asm['cubin'], cuobjdump)
        per_chunk = constexprs['BLOCK_T'] * constexprs['N'] * constexprs['BLOCK_D']
        # warps * 32 lanes execute each loop instruction once per chunk
        counts['loop_per_32_updates'] = round(
            counts['loop_instructions'] * compiled.metadata.num_warps * 32 / per_chunk, 2)
        kernels.append(dict(kernel=name, constexprs=constexprs,
                            num_warps=compiled.metadata.num_warps, **counts))
        flags = ' '.join(f'{k}={v}' for k, v in constexprs.items())
        print(f'{name} {flags}: {counts["registers"]} registers, {counts["stack"]} stack bytes, '
              f'{counts["instructions"]} instructions, loop {counts["loop_instructions"]} '
              f'({counts["loop_per_32_updates"]} per 32 updates), {counts["shuffles"]} shuffles, '
              f'{counts["mufu"]} MUFU')
        if args.opcodes:
            print('  loop: ' + ', '.join(f'{op} {n}' for op, n in counts['loop_opcodes'].items()))
    if args.out:
        # the tiles compiled, the class's where no option replaced them
        record = {**run_header(torch.device('cpu')), **vars(args), 'block_t': scan.block_t,
                  'fwd_tiles': scan.fwd_tiles, 'bwd_tiles': scan.bwd_tiles, 'kernels': kernels}
        with open(args.out, 'w') as f:
            json.dump(record, f, indent=2)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
