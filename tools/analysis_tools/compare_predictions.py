"""Side-by-side predictions of two or more models on the same test images,
as in the MSM paper's Figure 6.

For every chosen test image one PNG: a grid with the input image on top,
then one row per task with each model's prediction and the ground truth,
drawn with the visualiser's colours (``msm_mm/visualization/colorize.py``);
depth maps of one image share one scale (0 m to the largest depth of the
predictions and the ground truth, written in the titles). Every model reads
the image through its own config's test pipeline. ``predictions.json`` lists
the models and the pictures.

Example::

    python tools/analysis_tools/compare_predictions.py \
        configs/mtmamba/mtmamba_swin-l_nyud.py MTMAMBA.pth \
        configs/msm/msm_swin-l_nyud.py MSM.pth --names MTMamba MSM --num 8 --device cuda
"""
import argparse
import os
import os.path as osp
from typing import List, Sequence

import cv2
import numpy as np
import torch
from analysis_inputs import (build_test_dataset, check_same_tasks, chosen_indices, load_model,
                             model_pairs, original_image, same_image_inputs, write_json)
from mmengine.config import DictAction
from mmengine.utils import track_iter_progress

from msm_mm.structures import MultiTaskDataSample
from msm_mm.visualization import color_label, color_prediction, shared_scale, titled_row
from msm_mm.visualization.panels import GAP


def prediction_grid(image: np.ndarray, names: Sequence[str],
                    predictions: Sequence[MultiTaskDataSample], ground_truth: MultiTaskDataSample,
                    tasks: Sequence[str], dataset_meta: dict) -> np.ndarray:
    """The picture of one image: the input, then per task a row of each
    model's prediction and the ground truth (when the sample has it).

    Args:
        image (np.ndarray): ``(H, W, 3)`` RGB uint8 at the original size.
        names (Sequence[str]): Model names, one per prediction.
        predictions (Sequence[MultiTaskDataSample]): Each model's
            ``pred_<task>`` at the original size.
        ground_truth (MultiTaskDataSample): ``gt_<task>`` maps.
        tasks (Sequence[str]): Tasks, one row each, in this order.
        dataset_meta (dict): Metainfo with the palettes.

    Returns:
        np.ndarray: RGB uint8 picture, ``len(names) + 1`` maps wide.
    """
    blank = np.full_like(image, 255)
    rows = [titled_row([(str(ground_truth.sample_id), image)] + [('', blank)] * len(names))]
    for task in tasks:
        preds = [p.get_pred(task).cpu().numpy() for p in predictions]
        gt = ground_truth.get_gt(task)
        gt = gt.cpu().numpy() if gt is not None else None
        max_value, suffix = shared_scale(task, preds + [gt])
        tiles = [(f'{task} {name}{suffix}', color_prediction(task, pred, dataset_meta, max_value))
                 for name, pred in zip(names, preds)]
        tiles.append((f'{task} gt{suffix}', blank if gt is None else color_label(
            task, gt, dataset_meta, max_value=max_value)))
        rows.append(titled_row(tiles))
    gap = np.full((GAP, rows[0].shape[1], 3), 255, np.uint8)
    return np.concatenate([part for row in rows for part in (row, gap)][:-1])


def parse_args():
    parser = argparse.ArgumentParser(
        description="Every task's prediction of two or more models next to the ground truth "
        '(the MSM paper, Figure 6)')
    parser.add_argument('models', nargs='+', metavar='CONFIG CHECKPOINT',
                        help='config and checkpoint of each model, in turn')
    parser.add_argument('--names', nargs='+', help='column label of each model')
    parser.add_argument('--num', type=int, default=4, help='the first NUM test images')
    parser.add_argument('--indices', type=int, nargs='+', help='test image indices instead')
    parser.add_argument('--out-dir', default='work_dirs/compare_predictions')
    parser.add_argument('--device', default='cpu', help="e.g. 'cuda'")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of every config, e.g. '
                        'test_dataloader.dataset.data_root=data/x')
    return parser.parse_args()


def main():
    args = parse_args()
    pairs = model_pairs(args.models, args.names)
    names = [name for name, _, _ in pairs]
    models = [load_model(config, checkpoint, args.device, args.cfg_options)
              for _, config, checkpoint in pairs]
    check_same_tasks(models, names)
    datasets = [build_test_dataset(m) for m in models]
    indices = chosen_indices(len(datasets[0]), args.indices, args.num)
    os.makedirs(args.out_dir, exist_ok=True)
    pictures: List[str] = []
    for index in track_iter_progress(indices):
        inputs = same_image_inputs(models, datasets, index)
        with torch.no_grad():
            predictions = [m(x, [s], mode='predict')[0] for m, (x, s) in zip(models, inputs)]
        ground_truth = inputs[0][1]
        picture = prediction_grid(original_image(ground_truth), names, predictions,
                                  ground_truth, models[0].tasks, datasets[0].metainfo)
        pictures.append(f'{ground_truth.sample_id}.png')
        cv2.imwrite(osp.join(args.out_dir, pictures[-1]),
                    cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    write_json(dict(models=[dict(name=n, config=c, checkpoint=k) for n, c, k in pairs],
                    pictures=pictures), osp.join(args.out_dir, 'predictions.json'))
    print(f'\nwrote {len(pictures)} pictures and predictions.json to {args.out_dir}')


if __name__ == '__main__':
    main()
