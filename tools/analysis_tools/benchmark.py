"""Time training steps and inference of a config's model on random data.

Training steps are forward + backward + optimizer step (the config's optimizer),
inference is the forward pass (``mode='tensor'``), each at the config's crop
size, in fp32 and under bf16 autocast. Warm-up iterations are excluded, CUDA is
synchronised around every timed iteration, and the median is reported with the
peak memory. The first iteration (compilation, graph capture, autotuning) is
timed on its own, ``first_iter_s``. A JSON record goes to ``--out``, with
the config's optimizer (its arguments: whether AdamW is fused, for one).

Started by ``torch.distributed.run`` (``--nproc_per_node=GPUS``), every
process trains its own copy of the model under DDP, as ``tools/dist_train.sh``
does (mmengine's ``MMDistributedDataParallel``, NCCL), one GPU each; the
record then holds the world size and each process's median, and its
``ms_per_iter`` is the slowest process's.

Examples:
    python tools/analysis_tools/benchmark.py configs/msm/msm_swin-l_nyud.py \
        --batch-size 4 --out work_dirs/bench.json
    python -m torch.distributed.run --nproc_per_node=2 \
        tools/analysis_tools/benchmark.py configs/msm/msm_swin-l_nyud.py --modes train
"""
import argparse
import json
import os
import statistics
import time
from contextlib import nullcontext

import torch
import torch.distributed as dist
import torch.nn.functional as F
from benchmark_record import run_header
from mmengine.config import DictAction
from mmengine.dist import get_rank, get_world_size
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import build_optim_wrapper
from mmseg.registry import MODELS

from msm_mm.structures import MapKind, MultiTaskDataSample, get_task
from msm_mm.utils import end_distributed_run, load_config


def random_samples(tasks: dict, batch: int, size, device) -> list:
    """Data samples with random ground truth for every task of the head."""
    h, w = size
    samples = []
    for _ in range(batch):
        s = MultiTaskDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w)))
        for task, channels in tasks.items():
            spec = get_task(task)
            if spec.kind is MapKind.LABELS:
                gt = torch.randint(0, channels, (1, h, w), device=device)
            elif spec.kind is MapKind.PROBABILITY:
                gt = torch.randint(0, 2, (1, h, w), device=device)
            elif spec.kind is MapKind.SCALAR:
                gt = torch.rand(1, h, w, device=device) * 10 + 0.1
            else:  # VECTOR
                gt = F.normalize(torch.randn(spec.gt_channels, h, w, device=device), dim=0)
            s.set_gt(task, gt)
        samples.append(s)
    return samples


def synchronize(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_loop(step, iters: int, warmup: int, device) -> list:
    """Milliseconds of each timed iteration of ``step``."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iters):
        synchronize(device)
        start = time.perf_counter()
        step()
        synchronize(device)
        times.append((time.perf_counter() - start) * 1e3)
    return times


def run(cfg, mode: str, precision: str, batch: int, iters: int, warmup: int, device) -> dict:
    """Benchmark one (mode, precision) pair; returns its record."""
    model = MODELS.build(cfg.model).to(device)
    size = tuple(cfg.crop_size)
    inputs = torch.randn(batch, 3, *size, device=device)
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16)
                if precision == 'bf16' else nullcontext())
    if mode == 'train':
        model.train()
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        samples = random_samples(model.decode_head.tasks, batch, size, device)
        # as mmengine's Runner wraps a model in distributed runs
        trained = MMDistributedDataParallel(
            model, device_ids=[device.index], broadcast_buffers=False,
            find_unused_parameters=False) if dist.is_initialized() else model

        def step():
            with autocast:
                losses = trained(inputs, samples, mode='loss')
            loss = sum(v for k, v in losses.items() if 'loss' in k)
            optim_wrapper.update_params(loss)
    else:
        model.eval()

        def step():
            with torch.no_grad(), autocast:
                model(inputs, mode='tensor')

    if device.type == 'cuda':
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    step()
    synchronize(device)
    first_s = time.perf_counter() - start
    times = time_loop(step, iters, warmup, device)
    ms = statistics.median(times)
    record = dict(mode=mode, precision=precision, batch_size=batch, iters=iters, warmup=warmup,
                  first_iter_s=round(first_s, 1))
    if dist.is_initialized():
        # the slowest process bounds a synchronous step
        per_process = [None] * dist.get_world_size()
        dist.all_gather_object(per_process, round(ms, 1))
        record['ms_per_iter_per_process'] = per_process
        ms = max(per_process)
    record.update(ms_per_iter=round(ms, 1), images_per_s=round(batch / ms * 1e3, 2))
    if device.type == 'cuda':
        record['peak_gib'] = round(torch.cuda.max_memory_allocated(device) / 2**30, 1)
    return record


def parse_args():
    parser = argparse.ArgumentParser(description='Benchmark training and inference speed')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--batch-size', type=int, nargs='+', default=None,
                        help="batch sizes; defaults to the train dataloader's")
    parser.add_argument('--modes', nargs='+', default=['train', 'inference'],
                        choices=['train', 'inference'])
    parser.add_argument('--precisions', nargs='+', default=['fp32', 'bf16'],
                        choices=['fp32', 'bf16'])
    parser.add_argument('--iters', type=int, default=20, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=5, help='untimed iterations first')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--out', help='write the JSON record here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, also_read=['crop_size'])
    if cfg.get('crop_size') is None:
        raise SystemExit(f'{args.config} defines no crop_size to benchmark at')
    device = torch.device(args.device)
    if int(os.environ.get('WORLD_SIZE', 1)) > 1:  # started by torch.distributed.run
        if device.type != 'cuda':
            raise SystemExit('distributed benchmarks run on GPUs (NCCL)')
        device = torch.device('cuda', int(os.environ['LOCAL_RANK']))
        torch.cuda.set_device(device)
        dist.init_process_group('nccl')
    batches = args.batch_size or [cfg.train_dataloader.batch_size]
    rank = get_rank()  # 0 without a process group
    results = []
    for mode in args.modes:
        for precision in args.precisions:
            for batch in batches:
                rec = run(cfg, mode, precision, batch, args.iters, args.warmup, device)
                results.append(rec)
                if rank == 0:
                    print(json.dumps(rec), flush=True)
    report = dict(
        config=args.config, **run_header(device), crop_size=list(cfg.crop_size),
        world_size=get_world_size(),
        optimizer=cfg.optim_wrapper.optimizer.to_dict(), results=results)
    end_distributed_run()
    if rank != 0:
        return
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
