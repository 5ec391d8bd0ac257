"""Measure the data pipeline of a config: images per second in one process
(= one dataloader worker), and the time of each transform.

Usage::

    python tools/misc/benchmark_pipeline.py CONFIG [--split train] [--num 50] \
        [--cfg-options KEY=VALUE ...]
"""
import argparse
import time
from collections import defaultdict

import cv2
import numpy as np
import torch
from mmengine.config import DictAction
from mmseg.registry import DATASETS

import msm_mm  # noqa: F401  (registers the datasets and transforms)
from msm_mm.utils import load_config


def parse_args():
    parser = argparse.ArgumentParser(description='Benchmark a dataset pipeline')
    parser.add_argument('config', help='config file')
    parser.add_argument('--split', default='train', choices=('train', 'val', 'test'),
                        help='which dataloader of the config (default train)')
    parser.add_argument('--num', type=int, default=50, help='samples to time (default 50)')
    parser.add_argument('--warmup', type=int, default=3, help='samples run first, untimed')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. '
                        'train_dataloader.dataset.data_root=data/x')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    # As in a DataLoader worker under mmengine's Runner (env_cfg.mp_cfg defaults).
    torch.set_num_threads(1)
    cv2.setNumThreads(0)
    np.random.seed(0)
    dataset = DATASETS.build(cfg[f'{args.split}_dataloader']['dataset'])
    transforms = dataset.pipeline.transforms
    per_step = defaultdict(float)
    for i in range(args.warmup):
        dataset[i % len(dataset)]
    start = time.perf_counter()
    for i in range(args.num):
        results = dataset.get_data_info(i % len(dataset))
        for transform in transforms:
            t0 = time.perf_counter()
            results = transform(results)
            per_step[transform.__class__.__name__] += time.perf_counter() - t0
    total = time.perf_counter() - start
    print(f'{args.num} samples of {args.split} in {total:.2f} s: '
          f'{args.num / total:.1f} images/s per worker')
    for name, seconds in per_step.items():
        print(f'  {name:32s} {1000 * seconds / args.num:7.2f} ms/image')


if __name__ == '__main__':
    main()
