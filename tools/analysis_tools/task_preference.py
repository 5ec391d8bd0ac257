"""Task preferences of CT-MSM, the MSM paper's Figure 4.

In the cross-task block (CT-MSM) of every MFR stage, each task t merges the
multi-scale task-shared feature with its own refinement through a selection
value ``G_t = sigmoid(gate_t(LN_t(F_t)))`` per position and channel (the
paper's Appendix A.1). The task-shared feature comes from the MS-Scan, whose
channels are split into one equal group per scan scale, so channel group i
of ``G_t`` selects the scale-``s_i`` part of the shared feature. Over the
test set this tool reports:

- (a) ``selection_value``: the mean of ``G_t`` over all its channels (all
  scan scales), per task and MFR stage;
- (b) ``selection_value_per_scale``: the mean of each scale's channel group,
  per task and stage (the paper plots the last stage).

Each image's value is the mean over the positions of the stage's feature
map, weighted by the part of each position that covers the image (padding
counts 0); the images' values are then averaged. ``G_t`` is read by forward
hooks on the gate projections ``gate_t`` (the sigmoid is applied in the
block's ``forward``, so no module outputs ``G_t`` itself; the tool applies
it to the hooked output). The model's outputs are unchanged.

Writes ``task_preference.json`` and ``task_preference.png`` (bar charts of
(a) and of (b) at the last stage) to ``--out-dir``.

Example:
    python tools/analysis_tools/task_preference.py configs/msm/msm_swin-l_nyud.py \
        CHECKPOINT --out-dir work_dirs/task_preference --device cuda
"""
import argparse
import os.path as osp
from functools import partial
from typing import Dict, List, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from analysis_inputs import (build_test_dataset, check_files, chosen_indices, image_area_mask,
                             load_model, model_input, write_json)
from mmengine.config import DictAction
from mmengine.utils import track_iter_progress

from msm_mm.models.layers import CrossTaskBlock


def selection_by_scale(gate_logits: torch.Tensor, image_mask: torch.Tensor,
                       num_scales: int) -> torch.Tensor:
    """Mean selection value of each scan scale's channel group over the image.

    Args:
        gate_logits (Tensor): ``(B, H, W, D)`` output of a task's gate
            projection (before the sigmoid).
        image_mask (Tensor): ``(B, 1, H_in, W_in)`` 1 on the image, 0 on the
            padding, at the input resolution.
        num_scales (int): Scales of the shared MS-Scan; its ``D`` channels
            form this many equal consecutive groups, one per scale.

    Returns:
        Tensor: ``(B, num_scales)``.
    """
    gate = torch.sigmoid(gate_logits.float())
    b, h, w, d = gate.shape
    # part of each feature-map position that covers the image
    coverage = F.interpolate(image_mask.to(gate), (h, w), mode='area')[:, 0, :, :, None]
    per_channel = (gate * coverage).sum((1, 2)) / coverage.sum((1, 2))  # (B, D)
    return per_channel.view(b, num_scales, d // num_scales).mean(-1)


class SelectionValueRecorder:
    """Reads the gate projections of every CT-MSM block through forward hooks.

    Args:
        model (nn.Module): A multi-task model with :class:`CrossTaskBlock`
            modules (one per MFR stage, deepest first).

    Attributes:
        blocks (list[tuple[str, CrossTaskBlock]]): Module name and block, in
            stage order.
        gate_logits (dict): ``(stage, task)`` -> the last forward's output of
            that gate projection, ``(B, H, W, D)``.
    """

    def __init__(self, model: nn.Module):
        self.blocks = [(name, m) for name, m in model.named_modules()
                       if isinstance(m, CrossTaskBlock)]
        if not self.blocks:
            raise SystemExit(f'{type(model).__name__} has no CT-MSM (CrossTaskBlock) module')
        self.gate_logits = {}
        self._handles = [
            block.task_gates[task].register_forward_hook(partial(self._store, (stage, task)))
            for stage, (_, block) in enumerate(self.blocks) for task in block.tasks
        ]

    def _store(self, key, module, args, output):
        self.gate_logits[key] = output.detach()

    def remove(self) -> None:
        """Remove the hooks."""
        for handle in self._handles:
            handle.remove()


def task_preference(model: nn.Module, dataset, indices: Sequence[int]) -> Dict:
    """Mean CT-MSM selection values over the chosen test images.

    Returns:
        dict: ``num_images`` and ``stages``, a list (deepest stage first) of
        ``module``, ``scales``, ``selection_value`` {task: mean} and
        ``selection_value_per_scale`` {task: {scale: mean}}.
    """
    recorder = SelectionValueRecorder(model)
    sums = {}
    try:
        with torch.no_grad():
            for index in track_iter_progress(indices):
                inputs, sample = model_input(model, dataset, index)
                model(inputs, mode='tensor')
                mask = image_area_mask(sample, inputs.shape[-2:])
                for stage, (_, block) in enumerate(recorder.blocks):
                    for task in block.tasks:
                        value = selection_by_scale(recorder.gate_logits[stage, task], mask,
                                                   len(block.shared_ss2d.scan.scales))[0]
                        sums[stage, task] = sums.get((stage, task), 0) + value.cpu().double()
    finally:
        recorder.remove()
    stages = []
    for stage, (name, block) in enumerate(recorder.blocks):
        scales = list(block.shared_ss2d.scan.scales)
        means = {t: (sums[stage, t] / len(indices)).tolist() for t in block.tasks}
        stages.append(
            dict(module=name, scales=scales,
                 # the scales' channel groups are equal: the mean over all channels
                 selection_value={t: float(np.mean(m)) for t, m in means.items()},
                 selection_value_per_scale={t: dict(zip(map(str, scales), m))
                                            for t, m in means.items()}))
    return dict(num_images=len(indices), stages=stages)


def grouped_bars(ax, groups: List[str], series: Dict[str, List[float]], xlabel: str,
                 title: str) -> None:
    """Bars of every series side by side within each group; the value axis
    spans the values with a margin (the differences are small next to 0.5)."""
    width = 0.8 / len(series)
    x = np.arange(len(groups))
    for i, (label, values) in enumerate(series.items()):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=label)
    values = [v for vs in series.values() for v in vs]
    margin = max(0.02, 0.3 * (max(values) - min(values)))
    ax.set_ylim(max(0., min(values) - margin), min(1., max(values) + margin))
    ax.set_xticks(x, groups)
    ax.set_xlabel(xlabel)
    ax.set_ylabel('mean selection value')
    ax.set_title(title)


def plot_task_preference(result: Dict, path: str) -> None:
    """Figure 4: (a) per stage and task, (b) per scale and task at the last
    stage."""
    stages = result['stages']
    tasks = list(stages[0]['selection_value'])
    last = stages[-1]
    scales = list(last['selection_value_per_scale'][tasks[0]])
    fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(11, 3.6))
    grouped_bars(ax_a, [f'MFR {s + 1}' for s in range(len(stages))],
                 {t: [s['selection_value'][t] for s in stages] for t in tasks}, 'stage',
                 '(a) task-shared feature preference per MFR stage')
    grouped_bars(ax_b, [f'scale {s}' for s in scales],
                 {t: [last['selection_value_per_scale'][t][s] for s in scales] for t in tasks},
                 'scan scale', f'(b) scan-scale preference, MFR {len(stages)}')
    fig.legend(*ax_a.get_legend_handles_labels(), loc='center right')
    fig.tight_layout(rect=(0, 0, 0.89, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Mean CT-MSM selection values per task, MFR stage and scan scale '
        '(the MSM paper, Figure 4)')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-dir', default='work_dirs/task_preference',
                        help='folder of task_preference.json and .png')
    parser.add_argument('--num', type=int, help='use the first NUM test images (default all)')
    parser.add_argument('--indices', type=int, nargs='+', help='test image indices to use')
    parser.add_argument('--device', default='cpu', help="e.g. 'cuda'")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. '
                        'test_dataloader.dataset.data_root=data/x')
    return parser.parse_args()


def main():
    args = parse_args()
    check_files(args.config, args.checkpoint)
    model = load_model(args.config, args.checkpoint, args.device, args.cfg_options)
    dataset = build_test_dataset(model)
    indices = chosen_indices(len(dataset), args.indices, args.num)
    result = dict(config=args.config, checkpoint=args.checkpoint,
                  **task_preference(model, dataset, indices))
    json_path = osp.join(args.out_dir, 'task_preference.json')
    write_json(result, json_path)
    png_path = osp.join(args.out_dir, 'task_preference.png')
    plot_task_preference(result, png_path)
    print(f'\nwrote {json_path} and {png_path}')


if __name__ == '__main__':
    main()
