"""Write a small synthetic NYUD-v2 or PASCAL-Context dataset in the real format.

Usage::

    python tools/dataset_converters/generate_synthetic.py nyud data/NYUDv2_synthetic \
        [--train 10] [--val 4] [--size 120 160] [--seed 0]
    python tools/dataset_converters/generate_synthetic.py pascal_context \
        data/PASCALContext_synthetic [--train 10] [--val 4] [--max-side 160] [--seed 0]

See :mod:`msm_mm.testing` for what the scenes contain.
"""
import argparse

from msm_mm.testing import generate_nyud, generate_pascal_context


def main() -> None:
    """Command line: write one synthetic dataset."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('dataset', choices=('nyud', 'pascal_context'))
    parser.add_argument('out', help='new (or empty) folder to write to')
    parser.add_argument('--train', type=int, default=10, help='training images (default 10)')
    parser.add_argument('--val', type=int, default=4, help='validation images (default 4)')
    parser.add_argument('--size', type=int, nargs=2, default=(120, 160), metavar=('H', 'W'),
                        help='NYUD image size (default 120 160; the real one is 425 560)')
    parser.add_argument('--max-side', type=int, default=160,
                        help='PASCAL long image side (default 160; the real one is 500)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    if args.dataset == 'nyud':
        generate_nyud(args.out, args.train, args.val, tuple(args.size), args.seed)
    else:
        generate_pascal_context(args.out, args.train, args.val, args.max_side, args.seed)
    print(f'wrote a synthetic {args.dataset} dataset ({args.train} train / {args.val} val) '
          f'to {args.out}')


if __name__ == '__main__':
    main()
