"""Write, for some samples after a config's pipeline, one image with the input
and every task's label, to check decoding, flips, crops and padding by eye.

Usage::

    python tools/misc/browse_dataset.py CONFIG [--split train] [--num 8] \
        [--output-dir work_dirs/browse_dataset] [--cfg-options KEY=VALUE ...]

Colours: semseg and human parts with the dataset palette, ignore (255) white;
depth with a colour map (near = dark), invalid black; normals as RGB
``(n + 1) / 2``, invalid (zero vector) black; edge and sal white on black,
ignore grey.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
from matplotlib import colormaps
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

IGNORE_COLOR = (255, 255, 255)


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


def color_classes(label: np.ndarray, palette: list) -> np.ndarray:
    """``(H, W)`` class ids -> RGB with ``palette``; 255 white."""
    lut = np.zeros((256, 3), np.uint8)
    lut[:len(palette)] = palette
    lut[255] = IGNORE_COLOR
    return lut[label]


def color_depth(depth: np.ndarray) -> np.ndarray:
    """Metres -> RGB (magma, near dark); 0 (invalid) black."""
    valid = depth > 0
    top = depth[valid].max() if valid.any() else 1.0
    rgb = (colormaps['magma'](depth / top)[..., :3] * 255).astype(np.uint8)
    rgb[~valid] = 0
    return rgb


def color_normals(normals: np.ndarray) -> np.ndarray:
    """``(3, H, W)`` unit vectors -> RGB ``(n + 1) / 2``; zero vectors black."""
    rgb = ((normals.transpose(1, 2, 0) + 1) * 127.5).clip(0, 255).astype(np.uint8)
    rgb[(normals == 0).all(0)] = 0
    return rgb


def color_binary(label: np.ndarray) -> np.ndarray:
    """{0, 1} -> black / white; 255 grey."""
    lut = np.zeros((256, 3), np.uint8)
    lut[1] = 255
    lut[255] = 128
    return lut[label]


def render_sample(inputs, data_sample, metainfo: dict, norm) -> np.ndarray:
    """One row of tiles: the input and each task's label, titled.

    Args:
        inputs (torch.Tensor): ``(3, H, W)`` packed image.
        data_sample (MultiTaskDataSample): Its labels and metainfo.
        metainfo (dict): Dataset metainfo (palettes).
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
    for task in data_sample.gt_tasks:
        gt = data_sample.get_gt(task).numpy()
        if task == 'semseg':
            rgb = color_classes(gt[0], metainfo['palette'])
        elif task == 'human_parts':
            rgb = color_classes(gt[0], metainfo['part_palette'])
        elif task == 'depth':
            rgb = color_depth(gt[0])
        elif task == 'normals':
            rgb = color_normals(gt)
        else:
            rgb = color_binary(gt[0])
        tiles.append((task, rgb))
    h = max(t.shape[0] for _, t in tiles)
    row = []
    for title, tile in tiles:
        canvas = np.full((h + 24, tile.shape[1], 3), 255, np.uint8)
        canvas[24:24 + tile.shape[0]] = tile
        cv2.putText(canvas, title, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1,
                    cv2.LINE_AA)
        row += [canvas, np.full((h + 24, 4, 3), 255, np.uint8)]
    return np.concatenate(row[:-1], axis=1)


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
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
