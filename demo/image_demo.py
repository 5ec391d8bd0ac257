"""Predict every task of one image and write the pictures.

Usage::

    python demo/image_demo.py CONFIG CHECKPOINT IMAGE [--out-dir work_dirs/demo] \
        [--device cpu] [--full-size] [--cfg-options KEY=VALUE ...]

An image larger than the model's test size (the test pipeline's pad size,
e.g. 448x576 for NYUD-v2) is first shrunk to fit it, keeping its aspect
ratio, and the pictures have the shrunk size; the demo says so.
``--full-size`` keeps the image's size (on a CPU a 1000x750 photo takes
minutes and gigabytes).

Writes ``<out-dir>/<image name>_<task>.png`` for every task of the model
(coloured as described in docs/visualization.md) and
``<out-dir>/<image name>_overview.png`` (the image and all predictions side
by side), and prints each file it wrote.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from msm_mm.apis import fit_to_working_size, inference_model, init_model, working_size
from msm_mm.datasets.file_io import read_image
from msm_mm.visualization import MultiTaskLocalVisualizer, save_task_predictions


def parse_args():
    parser = argparse.ArgumentParser(description='Predict every task of one image')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('image', help='image file')
    parser.add_argument('--out-dir', default='work_dirs/demo',
                        help='folder of the pictures (default work_dirs/demo)')
    parser.add_argument('--device', default='cpu', help='device, e.g. cpu or cuda:0 '
                        '(default cpu)')
    parser.add_argument('--full-size', action='store_true',
                        help='predict at the image\'s own size instead of shrinking an image '
                        'larger than the model\'s test size to fit it (slow on a CPU)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


def main():
    args = parse_args()
    if not osp.isfile(args.image):
        raise SystemExit(f'image not found: {args.image}')
    name = osp.splitext(osp.basename(args.image))[0]
    image = read_image(args.image, name, flag='color')
    model = init_model(args.config, args.checkpoint, args.device, args.cfg_options)
    (h, w), (test_h, test_w) = image.shape[:2], working_size(model.cfg)
    if not args.full_size:
        image = fit_to_working_size(image, model.cfg)
        if image.shape[:2] != (h, w):
            print(f'{args.image} is {h}x{w}, larger than the model\'s test size '
                  f'{test_h}x{test_w}: predicting at {image.shape[0]}x{image.shape[1]} '
                  '(--full-size keeps the image\'s size)')
    elif h * w > test_h * test_w:
        print(f'predicting at the full {h}x{w} ({h * w / (test_h * test_w):.1f} times the '
              f'model\'s test size {test_h}x{test_w}): slow and memory-hungry on a CPU')
    result = inference_model(model, image)
    paths = list(save_task_predictions(result, args.out_dir, name, model.dataset_meta).values())
    visualizer = MultiTaskLocalVisualizer(name='image_demo')
    visualizer.dataset_meta = model.dataset_meta
    overview = osp.join(args.out_dir, f'{name}_overview.png')
    visualizer.add_datasample(name, image, result, out_file=overview)
    for path in paths + [overview]:
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
