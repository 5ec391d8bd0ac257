"""Write a small synthetic NYUD-v2 or PASCAL-Context dataset in the real format.

Usage::

    python tools/dataset_converters/generate_synthetic.py nyud data/NYUDv2_synthetic \
        [--train 10] [--val 4] [--size 120 160] [--seed 0]
    python tools/dataset_converters/generate_synthetic.py pascal_context \
        data/PASCALContext_synthetic [--train 10] [--val 4] [--max-side 160] [--seed 0]

See :mod:`msm_mm.datasets.synthetic` for what the scenes contain.
"""
from msm_mm.datasets.synthetic import main

if __name__ == '__main__':
    main()
