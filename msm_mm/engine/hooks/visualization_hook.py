import os.path as osp
import warnings
from typing import Optional, Sequence

import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.visualization import Visualizer
from mmseg.registry import HOOKS

from msm_mm.structures import MultiTaskDataSample, sample_name
from msm_mm.visualization import MultiTaskLocalVisualizer


@HOOKS.register_module()
class MultiTaskVisualizationHook(Hook):
    """Draws predictions and ground truth of validation and test images.

    Each drawn image is read again from ``img_path`` and composed by the
    runner's :class:`MultiTaskLocalVisualizer` (the input, then each task's
    prediction beside its ground truth). Nothing is drawn unless ``draw`` is
    True (``tools/test.py --show-dir DIR`` turns it on).

    - Validation: the images of every ``interval``-th batch go to the
      visualizer's backends (``LocalVisBackend``: ``<log_dir>/vis_data/
      vis_image/val_<sample_id>_<iter>.png``), as mmseg's
      ``SegVisualizationHook`` does.
    - Test: every image is drawn. With ``test_out_dir`` each one is written
      to ``<test_out_dir>/<sample_id>.png``; a relative ``test_out_dir``
      lies inside the runner's log dir (``<work_dir>/<timestamp>/``), an
      absolute one is used as is. In a distributed test every process
      writes its own images. Without ``test_out_dir`` the pictures go to
      the backends.
    - ``show=True`` shows each picture in a window instead of storing it in
      the backends (which are removed, as in mmseg).

    Args:
        draw (bool): Whether to draw at all. Defaults to False.
        interval (int): Draw the images of every ``interval``-th validation
            batch. Defaults to 50.
        show (bool): Show the pictures in a window. Defaults to False.
        wait_time (float): Seconds a shown picture stays; 0 waits for a key.
            Defaults to 0.
        test_out_dir (str, optional): Folder of the test pictures. Defaults
            to None.
        backend_args (dict, optional): Arguments to instantiate the file
            backend that reads the images, see :func:`mmengine.fileio.get`.
            Defaults to None.
    """

    def __init__(self,
                 draw: bool = False,
                 interval: int = 50,
                 show: bool = False,
                 wait_time: float = 0.,
                 test_out_dir: Optional[str] = None,
                 backend_args: Optional[dict] = None) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self._visualizer: Optional[Visualizer] = None  # the runner's, from before_run
        self.draw = draw
        self.interval = interval
        self.show = show
        self.wait_time = wait_time
        self.test_out_dir = test_out_dir
        self.backend_args = backend_args.copy() if backend_args else None
        self._test_index = 0

    def before_run(self, runner: Runner) -> None:
        """Take the runner's own visualizer (a process may hold several
        runners, each with its visualizer).

        Raises:
            TypeError: When drawing with a visualizer other than
                :class:`MultiTaskLocalVisualizer`.
        """
        self._visualizer = runner.visualizer
        if self.draw and not isinstance(self._visualizer, MultiTaskLocalVisualizer):
            raise TypeError('MultiTaskVisualizationHook needs the config\'s visualizer to be '
                            "dict(type='MultiTaskLocalVisualizer', ...), got "
                            f'{type(self._visualizer).__name__}')
        if self.show:
            self._visualizer._vis_backends = {}
            warnings.warn('MultiTaskVisualizationHook: show=True shows the pictures and '
                          'stores none in the visual backends')

    def _read_image(self, data_sample: MultiTaskDataSample) -> np.ndarray:
        """The sample's image, RGB, as stored in ``img_path``."""
        img_bytes = fileio.get(data_sample.img_path, backend_args=self.backend_args)
        return mmcv.imfrombytes(img_bytes, channel_order='rgb')

    def after_val_iter(self, runner: Runner, batch_idx: int, data_batch: dict,
                       outputs: Sequence[MultiTaskDataSample]) -> None:
        """Draw the images of every ``interval``-th batch to the backends.

        Args:
            runner (Runner): The runner of the validation.
            batch_idx (int): Index of the batch in the validation loop.
            data_batch (dict): Data from the dataloader.
            outputs (Sequence[MultiTaskDataSample]): Predictions.
        """
        if not self.draw or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        for output in outputs:
            self._visualizer.add_datasample(
                f'val_{sample_name(output.metainfo)}', self._read_image(output), output,
                show=self.show, wait_time=self.wait_time, step=runner.iter)

    def after_test_iter(self, runner: Runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[MultiTaskDataSample]) -> None:
        """Draw every test image, to ``test_out_dir`` when it is set.

        Args:
            runner (Runner): The runner of the test.
            batch_idx (int): Index of the batch in the test loop.
            data_batch (dict): Data from the dataloader.
            outputs (Sequence[MultiTaskDataSample]): Predictions.
        """
        if not self.draw:
            return
        out_dir = None
        if self.test_out_dir is not None:
            out_dir = osp.join(runner.log_dir, self.test_out_dir)  # absolute stays absolute
        for output in outputs:
            self._test_index += 1
            name = sample_name(output.metainfo)
            out_file = osp.join(out_dir, f'{name}.png') if out_dir is not None else None
            self._visualizer.add_datasample(
                f'test_{name}', self._read_image(output), output, show=self.show,
                wait_time=self.wait_time, out_file=out_file, step=self._test_index)
