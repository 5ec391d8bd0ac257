import os.path as osp
from typing import Dict, Optional

import mmcv

from msm_mm.structures import MultiTaskDataSample
from .colorize import color_prediction
from .task_order import sorted_tasks


def save_task_predictions(data_sample: MultiTaskDataSample,
                          out_dir: str,
                          prefix: str,
                          dataset_meta: Optional[dict] = None) -> Dict[str, str]:
    """Write each task's prediction as its own coloured PNG.

    Files are named ``<out_dir>/<prefix>_<task>.png`` and coloured as in
    :func:`~msm_mm.visualization.colorize.color_prediction` (depth scaled to
    its own largest value). The folder is created if needed.

    Args:
        data_sample (MultiTaskDataSample): A sample with ``pred_<task>``
            fields.
        out_dir (str): Folder of the files.
        prefix (str): Start of every file name, e.g. the image's name.
        dataset_meta (dict, optional): Dataset metainfo with the palettes.
            Defaults to None (VOC colours).

    Returns:
        dict[str, str]: Task -> written file, in the order of
        :func:`~msm_mm.visualization.task_order.sorted_tasks`.
    """
    tasks = sorted_tasks([key[len('pred_'):] for key in data_sample.keys()
                          if key.startswith('pred_')], dataset_meta)
    if not tasks:
        raise ValueError('the data sample has no pred_<task> field to save')
    paths = {}
    for task in tasks:
        rgb = color_prediction(task, data_sample.get_pred(task).detach().cpu().numpy(),
                               dataset_meta)
        paths[task] = osp.join(out_dir, f'{prefix}_{task}.png')
        mmcv.imwrite(mmcv.rgb2bgr(rgb), paths[task])
    return paths
