"""Predict every task of one image and write the pictures.

Usage::

    python demo/image_demo.py CONFIG CHECKPOINT IMAGE [--out-dir work_dirs/demo] \
        [--device cpu] [--cfg-options KEY=VALUE ...]

Writes ``<out-dir>/<image name>_<task>.png`` for every task of the model
(coloured as described in docs/visualization.md) and
``<out-dir>/<image name>_overview.png`` (the image and all predictions side
by side), and prints each file it wrote.
"""
import argparse
import os.path as osp

import mmcv
from mmengine.config import DictAction

from msm_mm.apis import inference_model, init_model
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
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


def main():
    args = parse_args()
    if not osp.isfile(args.image):
        raise SystemExit(f'image not found: {args.image}')
    model = init_model(args.config, args.checkpoint, args.device, args.cfg_options)
    result = inference_model(model, args.image)
    name = osp.splitext(osp.basename(args.image))[0]
    paths = list(save_task_predictions(result, args.out_dir, name, model.dataset_meta).values())
    visualizer = MultiTaskLocalVisualizer(name='image_demo')
    visualizer.dataset_meta = model.dataset_meta
    overview = osp.join(args.out_dir, f'{name}_overview.png')
    visualizer.add_datasample(name, mmcv.imread(args.image, channel_order='rgb'), result,
                              out_file=overview)
    for path in paths + [overview]:
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
