"""Write, for some samples after a config's pipeline, one image with the input
and every task's label, to check decoding, flips, crops and padding by eye.

Usage::

    python tools/misc/browse_dataset.py CONFIG [--split train] [--num 8] \
        [--output-dir work_dirs/browse_dataset] [--cfg-options KEY=VALUE ...]

Colours: semseg and human parts with the dataset palette, ignore (255) white;
depth with a colour map (near = dark), invalid black; normals as RGB
``(n + 1) / 2``, invalid (zero vector) black; edge and sal white on black,
ignore grey (``msm_mm/visualization/colorize.py``).
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
from mmengine.config import DictAction
from mmseg.registry import DATASETS

from msm_mm.utils import load_config
from msm_mm.visualization import color_label, titled_row


def parse_args():
    parser = argparse.ArgumentParser(description='Browse a multi-task dataset')
    parser.add_argument('config', help='config file')
    parser.add_argument('--split', default='train', choices=('train', 'val', 'test'),
                        help='which dataloader of the config (default train)')
    parser.add_argument('--num', type=int, default=8, help='samples to write (default 8)')
    parser.add_argument('--output-dir', default='work_dirs/browse_dataset',
                        help='folder for the images (default work_dirs/browse_dataset)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random transforms')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. '
                        'train_dataloader.dataset.data_root=data/x')
    return parser.parse_args()


def find_normalize(pipeline: list) -> tuple:
    """``(mean, std)`` of the pipeline's Normalize step; None if absent."""
    for step in pipeline:
        if step['type'] == 'Normalize':
            return np.array(step['mean']), np.array(step['std'])
    return None


def render_sample(inputs, data_sample, metainfo: dict, norm) -> np.ndarray:
    """One row of tiles: the input and each task's label, titled.

    Args:
        inputs (torch.Tensor): ``(3, H, W)`` packed image.
        data_sample (MultiTaskDataSample): Its labels and metainfo.
        metainfo (dict): Dataset metainfo (tasks, palettes).
        norm (tuple | None): ``(mean, std)`` to undo, None when the image
            was not normalised.

    Returns:
        np.ndarray: RGB uint8 panel.
    """
    img = inputs.numpy().transpose(1, 2, 0).astype(np.float64)
    if norm is not None:
        img = img * norm[1] + norm[0]
    meta = data_sample.metainfo
    tiles = [(f"{meta['sample_id']} flip={meta['flip']} "
              f"scale={meta['scale_factor'][0]:.2f}", img.clip(0, 255).astype(np.uint8))]
    # In the dataset's task order (a data sample's fields are unordered).
    for task in [t for t in metainfo['tasks'] if t in data_sample.gt_tasks]:
        tiles.append((task, color_label(task, data_sample.get_gt(task).numpy(), metainfo)))
    return titled_row(tiles)


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    np.random.seed(args.seed)
    dataset_cfg = cfg[f'{args.split}_dataloader']['dataset']
    dataset = DATASETS.build(dataset_cfg)
    norm = find_normalize(dataset_cfg['pipeline'])
    os.makedirs(args.output_dir, exist_ok=True)
    for index in range(min(args.num, len(dataset))):
        data = dataset[index]
        panel = render_sample(data['inputs'], data['data_samples'], dataset.metainfo, norm)
        path = osp.join(args.output_dir, f"{data['data_samples'].sample_id}.png")
        cv2.imwrite(path, cv2.cvtColor(panel, cv2.COLOR_RGB2BGR))
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
