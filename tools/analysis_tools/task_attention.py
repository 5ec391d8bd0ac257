"""Task attention maps of one or more models, as in the MSM paper's Figure 1
and its appendix's task-attention figure (Figure 9, which the text calls
Figure 11): w/ and w/o MS-Scan side by side.

For a chosen pixel p of a test image and each task, the map is the gradient
of that task's output at p with respect to the input image, as a magnitude
per input pixel::

    A_t(q) = sqrt(sum_c sum_rgb (d y_t,c(p) / d x_rgb(q))^2)

over the output channels c of the task: the predicted class's logit for
semseg and human_parts, every channel for the others (depth, normals, edge,
sal). The outputs are the logits at the input resolution (before the
sigmoid, softmax or normalisation that makes the prediction). ``A_t`` says
which input pixels the prediction at p is most sensitive to, the model's
*effective receptive field* at p; it is the first-order (local) sensitivity
at this image, not the scan's attention weights, and it runs through the
encoder as well as the decoder. The padding is cut off and the map resized
to the image, as the predictions are.

Each panel shows the map normalised by its own 99th percentile (so the
panels compare shapes, not magnitudes) and, for display only, smoothed by a
Gaussian of ``--sigma`` pixels, over the image with p marked. The JSON holds,
per image, pixel, task and model, the spread of the unsmoothed map around p:
``radius_50`` and ``radius_90`` (the smallest distance from p, in pixels,
within which 50% / 90% of the map's sum lies) and ``mean_distance`` (the
map-weighted mean distance from p), and their means over all pixels and
images under ``summary``.

Writes ``<sample_id>_y<y>_x<x>.png`` per image and pixel, and
``task_attention.json``, to ``--out-dir``.

Example (the paper's w/ and w/o MS-Scan comparison)::

    python tools/analysis_tools/task_attention.py \
        configs/msm/msm_swin-l_nyud.py MSM.pth \
        configs/mtmamba/mtmamba_swin-l_nyud.py MTMAMBA.pth \
        --names "w/ MS" "w/o MS" --grid 2 3 --num 4 --device cuda
"""
import argparse
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from analysis_inputs import (build_test_dataset, check_same_tasks, chosen_indices, crop_to_image,
                             load_model, model_pairs, original_image, same_image_inputs, write_json)
from mmengine.config import DictAction
from mmengine.utils import track_iter_progress
from scipy.ndimage import gaussian_filter

from msm_mm.structures import MapKind, MultiTaskDataSample, get_task

#: Shares of the map's sum whose radius the JSON reports.
MASS_SHARES = (50, 90)


def input_pixel(point: Tuple[int, int], sample: MultiTaskDataSample) -> Tuple[int, int]:
    """``(y, x)`` of the original image -> the same pixel of the model input
    (shifted by the padding, scaled when the pipeline resized the image)."""
    top, _, left, _ = sample.metainfo.get('padding', (0, 0, 0, 0))
    h, w = sample.metainfo['img_shape'][:2]
    ori_h, ori_w = sample.metainfo['ori_shape'][:2]
    y, x = point
    if not (0 <= y < ori_h and 0 <= x < ori_w):
        raise SystemExit(f'pixel (y={y}, x={x}) is outside image {sample.sample_id} of size '
                         f'{ori_h}x{ori_w}')
    return (top + min(h - 1, int((y + 0.5) * h / ori_h)),
            left + min(w - 1, int((x + 0.5) * w / ori_w)))


def attention_maps(model: nn.Module, inputs: torch.Tensor, sample: MultiTaskDataSample,
                   points: Sequence[Tuple[int, int]]) -> Dict[str, torch.Tensor]:
    """Input-gradient magnitude maps of every task at every pixel of ``points``.

    Args:
        model (nn.Module): Multi-task model in eval mode.
        inputs (Tensor): ``(1, 3, H, W)`` model input.
        sample (MultiTaskDataSample): Its data sample (padding, shapes).
        points (Sequence[tuple[int, int]]): ``(y, x)`` pixels of the
            original image.

    Returns:
        dict[str, Tensor]: task -> ``(len(points), H_ori, W_ori)`` maps.
    """
    inputs = inputs.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        logits = model(inputs, mode='tensor')
        # the logits at the input resolution, as the model's predict() resizes them
        logits = model.decode_head.predict_by_feat(
            logits, [dict(batch_input_shape=tuple(inputs.shape[-2:]))])
        maps = {task: [] for task in logits}
        for point in points:
            y, x = input_pixel(point, sample)
            for task, task_logits in logits.items():
                outputs = task_logits[0, :, y, x]  # (C,)
                # a class map is predicted by an argmax: only the predicted
                # class's logit is differentiated
                labels = get_task(task).kind is MapKind.LABELS
                channels = [int(outputs.argmax())] if labels else range(outputs.numel())
                squares = torch.zeros_like(inputs[0, 0])
                for c in channels:
                    grad, = torch.autograd.grad(outputs[c], inputs, retain_graph=True)
                    squares += grad[0].pow(2).sum(0)
                maps[task].append(squares.sqrt())
    return {t: crop_to_image(torch.stack(m)[:, None], sample)[:, 0].detach()
            for t, m in maps.items()}


def spread(attention: np.ndarray, point: Tuple[int, int]) -> Dict[str, Optional[float]]:
    """How far from ``point`` an attention map's sum lies.

    Args:
        attention (np.ndarray): ``(H, W)`` non-negative map.
        point (tuple[int, int]): ``(y, x)``.

    Returns:
        dict: ``radius_<share>`` (the smallest distance from ``point``
        within which ``share`` % of the sum lies) and ``mean_distance``
        (the map-weighted mean distance), in pixels; None for a zero map.
    """
    total = float(attention.sum())
    keys = [f'radius_{s}' for s in MASS_SHARES] + ['mean_distance']
    if total <= 0:
        return dict.fromkeys(keys)
    yy, xx = np.indices(attention.shape)
    distance = np.hypot(yy - point[0], xx - point[1]).ravel()
    order = np.argsort(distance, kind='stable')
    cumulative = np.cumsum(attention.ravel()[order]) / total
    # the first pixel, nearest first, at which the share is reached (rounding aside)
    reached = [min(np.searchsorted(cumulative, s / 100 - 1e-12), len(order) - 1)
               for s in MASS_SHARES]
    radii = [float(distance[order[i]]) for i in reached]
    mean = float((attention.ravel() * distance).sum() / total)
    return dict(zip(keys, radii + [mean]))


def plot_attention(image: np.ndarray, point: Tuple[int, int],
                   maps: Dict[str, Dict[str, np.ndarray]], sigma: float, path: str) -> None:
    """One row per model, one panel per task: the map over the image, in
    colour where it is high.

    Args:
        image (np.ndarray): ``(H, W, 3)`` RGB uint8.
        point (tuple[int, int]): The pixel ``(y, x)``, marked on every panel.
        maps (dict): model name -> task -> ``(H, W)`` map.
        sigma (float): Gaussian smoothing for display, in pixels (0: none).
        path (str): PNG file.
    """
    names = list(maps)
    tasks = list(maps[names[0]])
    h, w = image.shape[:2]
    panel = 2.6
    fig, axes = plt.subplots(len(names), len(tasks), squeeze=False,
                             figsize=(panel * len(tasks), panel * h / w * len(names) + 0.4))
    for row, name in enumerate(names):
        for col, task in enumerate(tasks):
            ax = axes[row, col]
            heat = gaussian_filter(maps[name][task], sigma) if sigma > 0 else maps[name][task]
            heat = np.clip(heat / max(np.percentile(heat, 99), 1e-12), 0, 1)
            overlay = plt.get_cmap('jet')(heat)  # (H, W, 4) RGBA
            overlay[..., 3] = 0.75 * heat  # the image shows through where the map is low
            ax.imshow(image)
            ax.imshow(overlay)
            ax.plot(point[1], point[0], marker='+', color='white', markersize=10, mew=2)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(task)
            if col == 0:
                ax.set_ylabel(name)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def chosen_points(points: Optional[Sequence[int]], grid: Optional[Sequence[int]],
                  shape: Tuple[int, int]) -> List[Tuple[int, int]]:
    """The pixels to analyse in an image of ``shape``: ``points`` (y x pairs),
    else the centres of a ``grid`` of rows x columns cells, else the image
    centre."""
    h, w = shape
    if points:
        return [(points[i], points[i + 1]) for i in range(0, len(points), 2)]
    if grid:
        rows, cols = grid
        return [(int((r + 0.5) * h / rows), int((c + 0.5) * w / cols)) for r in range(rows)
                for c in range(cols)]
    return [(h // 2, w // 2)]


def summarise(records: List[Dict]) -> Dict:
    """Mean of every spread value per task and model over all pixels."""
    sums = {}
    for image in records:
        for point in image['points']:
            for task, by_model in point['spread'].items():
                for name, values in by_model.items():
                    for key, value in values.items():
                        if value is not None:
                            sums.setdefault(task, {}).setdefault(name, {}).setdefault(
                                key, []).append(value)
    return {task: {name: {k: float(np.mean(v)) for k, v in values.items()}
                   for name, values in by_model.items()} for task, by_model in sums.items()}


def parse_args():
    parser = argparse.ArgumentParser(
        description='Per-task input-gradient attention maps at chosen pixels, for one or more '
        'models side by side (the MSM paper, Figures 1 and 9)')
    parser.add_argument('models', nargs='+', metavar='CONFIG CHECKPOINT',
                        help='config and checkpoint of each model, in turn')
    parser.add_argument('--names', nargs='+', help='row label of each model')
    where = parser.add_mutually_exclusive_group()
    where.add_argument('--points', type=int, nargs='+', metavar='Y X',
                       help='pixels (y x pairs) of the original image; default its centre')
    where.add_argument('--grid', type=int, nargs=2, metavar=('ROWS', 'COLS'),
                       help='the centres of ROWS x COLS equal cells instead')
    parser.add_argument('--num', type=int, default=1, help='the first NUM test images')
    parser.add_argument('--indices', type=int, nargs='+', help='test image indices instead')
    parser.add_argument('--sigma', type=float, default=2.,
                        help='Gaussian smoothing of the pictures in pixels (0: none)')
    parser.add_argument('--out-dir', default='work_dirs/task_attention')
    parser.add_argument('--device', default='cpu', help="e.g. 'cuda'")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of every config, e.g. '
                        'test_dataloader.dataset.data_root=data/x')
    args = parser.parse_args()
    if args.points and len(args.points) % 2:
        parser.error(f'--points takes y x pairs, got {len(args.points)} numbers')
    if args.grid and min(args.grid) < 1:
        parser.error(f'--grid needs at least 1 row and column, got {args.grid}')
    return args


def main():
    args = parse_args()
    pairs = model_pairs(args.models, args.names)
    models = [load_model(config, checkpoint, args.device, args.cfg_options).requires_grad_(False)
              for _, config, checkpoint in pairs]
    check_same_tasks(models, [name for name, _, _ in pairs])
    datasets = [build_test_dataset(m) for m in models]
    os.makedirs(args.out_dir, exist_ok=True)
    indices = chosen_indices(len(datasets[0]), args.indices, args.num)
    records = []
    for index in track_iter_progress(indices):
        inputs = same_image_inputs(models, datasets, index)
        sample = inputs[0][1]
        image = original_image(sample)
        points = chosen_points(args.points, args.grid, image.shape[:2])
        maps = {name: attention_maps(model, x, s, points)
                for (name, _, _), model, (x, s) in zip(pairs, models, inputs)}
        record = dict(sample_id=sample.sample_id, points=[])
        for i, point in enumerate(points):
            point_maps = {name: {t: m[i].cpu().numpy() for t, m in by_task.items()}
                          for name, by_task in maps.items()}
            picture = osp.join(args.out_dir, f'{sample.sample_id}_y{point[0]}_x{point[1]}.png')
            plot_attention(image, point, point_maps, args.sigma, picture)
            record['points'].append(
                dict(y=point[0], x=point[1], picture=osp.basename(picture),
                     spread={t: {name: spread(m[t], point) for name, m in point_maps.items()}
                             for t in models[0].tasks}))
        records.append(record)
    result = dict(models=[dict(name=n, config=c, checkpoint=k) for n, c, k in pairs],
                  summary=summarise(records), images=records)
    json_path = osp.join(args.out_dir, 'task_attention.json')
    write_json(result, json_path)
    print(f'\nwrote {json_path} and {sum(len(r["points"]) for r in records)} pictures')


if __name__ == '__main__':
    main()
