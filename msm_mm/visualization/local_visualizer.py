from typing import List, Optional, Sequence

import mmcv
import numpy as np
from mmengine.visualization import Visualizer
from mmseg.registry import VISUALIZERS

from msm_mm.structures import MultiTaskDataSample
from .colorize import color_label, color_prediction, shared_scale
from .panels import titled_row
from .task_order import sorted_tasks


@VISUALIZERS.register_module()
class MultiTaskLocalVisualizer(Visualizer):
    """Draws an image with every task's prediction and ground truth.

    :meth:`draw_datasample` composes one row of titled pictures: the input
    image, then for each task its prediction and, when the data sample has
    one, its ground truth, side by side (``semseg pred``, ``semseg gt``,
    ``depth pred``, ...). Colours follow the task's kind
    (:mod:`msm_mm.visualization.colorize`):

    - LABELS (semseg, human_parts): the dataset palette (``palette`` /
      ``part_palette`` of :attr:`dataset_meta`; VOC colours without one);
    - SCALAR (depth): magma from 0 (black) to the largest value of the
      prediction and the ground truth of that image, so both share one scale
      (written in the titles, ``(0-4.2 m)``); invalid ground truth black;
    - VECTOR (normals): ``(n + 1) / 2`` as RGB, invalid ground truth black;
    - PROBABILITY (edge, sal): predicted probabilities as grey levels,
      labels white on black;
    - ground-truth pixels without supervision (255 in LABELS and
      PROBABILITY maps): ``ignore_color``.

    Tasks appear in the order of ``dataset_meta['tasks']`` (else of
    :data:`~msm_mm.structures.TASKS`). Unlike mmengine's visualizer, the
    dataset metainfo is kept on every process, so each process of a
    distributed test can write its own images.

    Examples:
        >>> visualizer = MultiTaskLocalVisualizer()
        >>> visualizer.dataset_meta = dataset.metainfo
        >>> visualizer.add_datasample('0001', image, data_sample,
        ...                           out_file='vis/0001.png')

    Args:
        name (str): Name of the instance. Defaults to 'visualizer'.
        image (np.ndarray, optional): Image to draw on (RGB). Defaults to
            None.
        vis_backends (list[dict], optional): Visual backend configs, e.g.
            ``[dict(type='LocalVisBackend')]``. Defaults to None.
        save_dir (str, optional): Folder of the backends' files. Defaults
            to None.
        ignore_color (Sequence[int]): RGB colour of ground-truth pixels
            without supervision in class, edge and sal maps. Defaults to
            (0, 0, 0).
        **kwargs: Other arguments of :class:`mmengine.visualization.Visualizer`.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None,
                 ignore_color: Sequence[int] = (0, 0, 0),
                 **kwargs) -> None:
        super().__init__(
            name=name, image=image, vis_backends=vis_backends, save_dir=save_dir, **kwargs)
        if len(ignore_color) != 3:
            raise ValueError(f'ignore_color must be an RGB triple, got {ignore_color}')
        self.ignore_color = tuple(ignore_color)

    # mmengine sets and reads the metainfo on the main process only; every
    # process needs the palettes to draw its own images.
    @property
    def dataset_meta(self) -> Optional[dict]:
        """dict, optional: Metainfo of the dataset (palettes, tasks)."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: Optional[dict]) -> None:
        self._dataset_meta = dataset_meta

    def draw_datasample(self,
                        image: np.ndarray,
                        data_sample: Optional[MultiTaskDataSample] = None,
                        draw_gt: bool = True,
                        draw_pred: bool = True) -> np.ndarray:
        """Compose the picture of one image and its data sample.

        Args:
            image (np.ndarray): ``(H, W, 3)`` RGB uint8 image, at the size
                of the predictions (``ori_shape``).
            data_sample (MultiTaskDataSample, optional): ``pred_<task>``
                and/or ``gt_<task>`` maps. Defaults to None (the image only).
            draw_gt (bool): Draw the ground truth. Defaults to True.
            draw_pred (bool): Draw the predictions. Defaults to True.

        Returns:
            np.ndarray: RGB uint8 picture: ``max(H) + 24`` high, one picture
            of each map ``W`` wide, 4 pixels apart.
        """
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f'image must be (H, W, 3) RGB, got shape {image.shape}')
        meta = data_sample.metainfo if data_sample is not None else {}
        title = str(meta.get('sample_id', 'image'))
        tiles = [(title, image.astype(np.uint8))]
        if data_sample is None:
            return titled_row(tiles)
        tasks = [key.split('_', 1)[1] for key in data_sample.keys()
                 if key.startswith(('gt_', 'pred_'))]
        for task in sorted_tasks(tasks, self.dataset_meta):
            pred = data_sample.get_pred(task) if draw_pred else None
            gt = data_sample.get_gt(task) if draw_gt else None
            pred = pred.detach().cpu().numpy() if pred is not None else None
            gt = gt.detach().cpu().numpy() if gt is not None else None
            max_value, suffix = shared_scale(task, (pred, gt))
            if pred is not None:
                tiles.append((f'{task} pred{suffix}',
                              color_prediction(task, pred, self.dataset_meta, max_value)))
            if gt is not None:
                tiles.append((f'{task} gt{suffix}',
                              color_label(task, gt, self.dataset_meta, self.ignore_color,
                                          max_value)))
        return titled_row(tiles)

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[MultiTaskDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0) -> None:
        """Draw one image and its data sample, then show it, write it to
        ``out_file`` or, without ``out_file``, hand it to the visual
        backends.

        Args:
            name (str): Name of the picture (window title, backend key).
            image (np.ndarray): ``(H, W, 3)`` RGB uint8 image.
            data_sample (MultiTaskDataSample, optional): Predictions and/or
                ground truth. Defaults to None.
            draw_gt (bool): Draw the ground truth. Defaults to True.
            draw_pred (bool): Draw the predictions. Defaults to True.
            show (bool): Show the picture in a window. Defaults to False.
            wait_time (float): Seconds the window stays; 0 waits for a key.
                Defaults to 0.
            out_file (str, optional): PNG file to write (its folder is
                created). Defaults to None.
            step (int): Global step given to the backends. Defaults to 0.
        """
        drawn = self.draw_datasample(image, data_sample, draw_gt, draw_pred)
        self.set_image(drawn)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file)
        else:
            self.add_image(name, drawn, step)
