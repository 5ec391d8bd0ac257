"""Compare odsF under the exact maximum matching and BSDS's correspondPixels
assignment on synthetic sets (not collected by pytest).

Each set holds ``--num`` synthetic edge maps (see ``synthetic_edges.py``) of
``--size``; both matchings see the same NMS, thresholds and thinning, so the
difference is the matching's alone. ``matching='bsds'`` draws its outlier
edges with ``--seeds`` different seeds, to show its spread.

Usage::

    python tests/test_evaluation/compare_boundary_matching.py --sets 3 --num 8 --size 212 280
"""
import argparse
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from synthetic_edges import synthetic_edge_pair  # noqa: E402


def odsf(counts) -> float:
    """odsF (percent) from per-image counts."""
    matched = sum(c['matched'] for c in counts).astype(np.float64)
    pred = sum(c['pred'] for c in counts).astype(np.float64)
    gt = float(sum(c['gt'] for c in counts))
    precision = np.where(pred > 0, matched / np.maximum(pred, 1), 0)
    recall = matched / gt
    denom = np.where(precision + recall > 0, precision + recall, 1)
    return float(100 * np.max(2 * precision * recall / denom))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sets', type=int, default=3, help='number of synthetic sets')
    parser.add_argument('--num', type=int, default=8, help='maps per set')
    parser.add_argument('--size', type=int, nargs=2, default=(212, 280), help='H W')
    parser.add_argument('--seeds', type=int, default=2, help="seeds of 'bsds' per set")
    parser.add_argument('--max-dist', type=float, default=0.011)
    args = parser.parse_args()

    from msm_mm.evaluation.metrics import boundary_counts

    for s in range(args.sets):
        maps = [synthetic_edge_pair(tuple(args.size), seed=1000 * s + i) for i in range(args.num)]
        exact = odsf([boundary_counts(p, g, args.max_dist) for g, p in maps])
        bsds = [
            odsf([boundary_counts(p, g, args.max_dist, matching='bsds', bsds_seed=seed)
                  for g, p in maps]) for seed in range(args.seeds)
        ]
        print(f'set {s}: exact {exact:.3f}, bsds ' + ', '.join(f'{b:.3f}' for b in bsds) +
              f'; exact - bsds {exact - max(bsds):.3f} .. {exact - min(bsds):.3f}', flush=True)


if __name__ == '__main__':
    main()
