"""Time boundary odsF on NYUD-sized synthetic data (not collected by pytest).

654 synthetic edge maps of 425x560 (see ``synthetic_edges.py``) go through
:class:`MultiTaskMetric` with ``tasks=['edge']`` exactly as in a test run
(``process`` per image, then ``evaluate``); only that part is timed.

Usage::

    python tests/test_evaluation/benchmark_boundary_odsf.py --nproc 2
"""
import argparse
import multiprocessing
import os.path as osp
import sys
import time

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from synthetic_edges import synthetic_edge_pair  # noqa: E402


def _make(seed: int):
    gt, prob = synthetic_edge_pair(seed=seed)
    # The metric quantises to uint8 levels anyway: keep the maps small.
    return gt, np.floor(prob * np.float32(255)).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num', type=int, default=654, help='number of maps')
    parser.add_argument('--nproc', type=int, default=2, help='odsF worker processes')
    args = parser.parse_args()

    from msm_mm.evaluation import MultiTaskMetric
    from msm_mm.structures import MultiTaskDataSample

    start = time.perf_counter()
    with multiprocessing.get_context('fork').Pool(args.nproc) as pool:
        maps = pool.map(_make, range(args.num), chunksize=8)
    print(f'generated {args.num} maps of {maps[0][0].shape} in '
          f'{time.perf_counter() - start:.0f} s; ground-truth boundary pixels '
          f'{100 * np.mean([gt.mean() for gt, _ in maps]):.1f}%, predicted > 0: '
          f'{100 * np.mean([(prob > 0).mean() for _, prob in maps]):.1f}%')

    metric = MultiTaskMetric(tasks=['edge'], edge_max_dist=0.011, nproc=args.nproc)
    start = time.perf_counter()
    for i, (gt, levels) in enumerate(maps):
        sample = MultiTaskDataSample(metainfo=dict(sample_id=f'{i:04d}'))
        sample.set_gt('edge', torch.from_numpy(gt[None].astype(np.int64)))
        sample.set_pred('edge', torch.from_numpy(levels[None].astype(np.float32) / 255))
        metric.process(None, [sample.to_dict()])
    results = metric.evaluate(len(maps))
    elapsed = time.perf_counter() - start
    print(f'odsF {results["edge/odsF"]:.2f} on {len(maps)} maps with nproc={args.nproc}: '
          f'{elapsed:.1f} s ({elapsed / len(maps) * args.nproc:.2f} s per map per process)')


if __name__ == '__main__':
    main()
