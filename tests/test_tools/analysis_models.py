"""Tiny MSM-style models saved as config + checkpoint pairs, for the tests of
the paper-analysis tools in ``tools/analysis_tools``."""
from pathlib import Path
from typing import Callable, Optional, Sequence, Tuple

import torch
from mmengine.runner import save_checkpoint
from tiny_models import write_tiny_config

from msm_mm.apis import init_model

#: The tasks of the synthetic NYUD-v2 dataset, with their output channels.
NYUD_TASKS = dict(semseg=40, depth=1, normals=3, edge=1)


def tiny_model_files(folder: Path,
                     name: str,
                     scales: Sequence[Sequence[int]],
                     seed: int = 0,
                     set_weights: Optional[Callable] = None) -> Tuple[str, str]:
    """Write a tiny model's config (the tiny test config with ``scales``,
    tested on the val split) and a checkpoint of its randomly initialised weights.

    Args:
        folder (Path): Where both files go.
        name (str): File name stem.
        scales (Sequence[Sequence[int]]): Scan scales of the three stages.
        seed (int): Seed of the initial weights. Defaults to 0.
        set_weights (Callable, optional): Called with the model before it is
            saved, to set weights by hand. Defaults to None.

    Returns:
        tuple[str, str]: The config and checkpoint files.
    """
    base = write_tiny_config(folder / 'tiny_base.py', NYUD_TASKS)
    config = folder / f'{name}.py'
    config.write_text(f"_base_ = ['{base}']\n"
                      f'model = dict(decode_head=dict(scales={[tuple(s) for s in scales]}))\n'
                      "test_dataloader = dict(dataset=dict(ann_file='gt_sets/val.txt'))\n")
    torch.manual_seed(seed)
    model = init_model(str(config))
    if set_weights is not None:
        with torch.no_grad():
            set_weights(model)
    checkpoint = folder / f'{name}.pth'
    save_checkpoint(dict(state_dict=model.state_dict()), str(checkpoint))
    return str(config), str(checkpoint)
