"""How much the construction of PASCAL-Context's boundary ground truth moves
odsF, on synthetic label maps (not collected by pytest).

Each set holds ``--num`` random partitions (Voronoi cells) standing in for
LabelMaps. The training edge map is the thinned 4-neighbour Laplacian of the
partition; the prediction blurs it (some boundaries missed), as a network
trained on it would. odsF (tolerance 0.0075) is computed against three ground
truths: SEISM's ``thin(seg2bmap(LabelMap))``, the training edge map itself,
and ``thin(seg2bmap(.))`` of the training edge map.

Usage::

    python tests/test_evaluation/compare_pascal_ground_truth.py --sets 3 --num 8
"""
import argparse
import os.path as osp
import sys

import numpy as np
from scipy import ndimage

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from compare_boundary_matching import odsf  # noqa: E402
from synthetic_edges import _voronoi  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sets', type=int, default=3, help='number of synthetic sets')
    parser.add_argument('--num', type=int, default=8, help='label maps per set')
    parser.add_argument('--size', type=int, nargs=2, default=(300, 400), help='H W')
    args = parser.parse_args()

    from msm_mm.datasets.transforms.load_pascal_context_annotations import edge_from_context
    from msm_mm.evaluation.metrics import boundary_counts
    from msm_mm.utils.boundary_maps import seism_boundary

    for s in range(args.sets):
        counts = dict(seism=[], training=[], rebuilt=[])
        for i in range(args.num):
            rng = np.random.default_rng(100 * s + i)
            label_map = _voronoi(tuple(args.size), int(rng.integers(40, 90)), rng)
            training = edge_from_context(label_map.astype(np.uint16))
            strength = rng.uniform(0.3, 1, label_map.max() + 1)
            strength[rng.random(label_map.max() + 1) < 0.3] = 0  # missed boundaries
            prob = ndimage.gaussian_filter(training * strength[label_map], 1.2) * 3
            prob = np.clip(prob, 0, 1).astype(np.float32)
            counts['seism'].append(boundary_counts(
                prob, seism_boundary(label_map).astype(np.uint8), 0.0075, gt_is_boundary=True))
            counts['training'].append(boundary_counts(prob, training, 0.0075,
                                                      gt_is_boundary=True))
            counts['rebuilt'].append(boundary_counts(prob, training, 0.0075))
        seism = odsf(counts['seism'])
        print(f'set {s}: SEISM ground truth {seism:.3f}; training edge map '
              f'{odsf(counts["training"]) - seism:+.3f}; thin(seg2bmap(training edge map)) '
              f'{odsf(counts["rebuilt"]) - seism:+.3f}', flush=True)


if __name__ == '__main__':
    main()
