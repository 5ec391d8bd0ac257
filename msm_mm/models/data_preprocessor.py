import math
from typing import Optional, Tuple

import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor
from mmseg.registry import MODELS

from msm_mm.structures import get_task


@MODELS.register_module()
class MultiTaskDataPreProcessor(BaseDataPreprocessor):
    """Batch multi-task inputs; pad every task map with its own ignore value.

    The pipelines already normalise and pad the images (see
    ``configs/_base_/datasets``), so this pre-processor only:

    - moves the data to the model's device and casts images to float;
    - pads each image bottom-right with ``pad_val`` to the largest size of
      the batch (at least ``size``, rounded up to ``size_divisor``) and
      stacks them;
    - in training, pads each ``gt_<task>`` of the data samples to the same
      size with its task's ignore value (255 for class maps, 0 for depth and
      normals). mmseg's ``SegDataPreProcessor`` only knows ``gt_sem_seg``,
      ``gt_edge_map`` and ``gt_depth_map`` and pads depth with 255, which
      would turn padding into supervision;
    - records the padding in each sample's metainfo: ``padding`` (top,
      bottom, left, right; the added rows and columns go to bottom and
      right), ``pad_shape`` and ``batch_input_shape``.

    Out of training the ground truth keeps its size (the test pipelines load
    it unpadded, at the original image size); predictions are cropped back
    with ``padding``.

    Args:
        size (tuple[int, int], optional): Smallest ``(h, w)`` of the batch.
            Defaults to None.
        size_divisor (int, optional): Pad the batch to a multiple of this.
            Defaults to None.
        pad_val (float): Value of the image padding (0 is the mean colour
            after normalisation). Defaults to 0.
        non_blocking (bool): Non-blocking copies to the device. Defaults to
            False.
    """

    def __init__(self,
                 size: Optional[Tuple[int, int]] = None,
                 size_divisor: Optional[int] = None,
                 pad_val: float = 0,
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking=non_blocking)
        self.size = tuple(size) if size is not None else None
        self.size_divisor = size_divisor
        self.pad_val = pad_val

    def _batch_shape(self, inputs: list) -> Tuple[int, int]:
        """``(h, w)`` of the batch: the largest image, ``size``, divisor."""
        h = max(x.shape[-2] for x in inputs)
        w = max(x.shape[-1] for x in inputs)
        if self.size is not None:
            h, w = max(h, self.size[0]), max(w, self.size[1])
        if self.size_divisor:
            h = math.ceil(h / self.size_divisor) * self.size_divisor
            w = math.ceil(w / self.size_divisor) * self.size_divisor
        return h, w

    def forward(self, data: dict, training: bool = False) -> dict:
        """Pad and stack the batch.

        Args:
            data (dict): ``inputs`` (list of ``(3, H, W)`` tensors) and
                optionally ``data_samples`` from the dataloader.
            training (bool): Whether to pad the ground truth too. Defaults
                to False.

        Returns:
            dict: ``inputs`` ``(B, 3, H, W)`` float tensor and
            ``data_samples``.
        """
        data = self.cast_data(data)
        inputs = [x.float() for x in data['inputs']]
        data_samples = data.get('data_samples')
        h, w = self._batch_shape(inputs)
        batch = inputs[0].new_full((len(inputs), inputs[0].shape[0], h, w), self.pad_val)
        for i, x in enumerate(inputs):
            batch[i, :, :x.shape[-2], :x.shape[-1]] = x
        for x, sample in zip(inputs, data_samples or []):
            dh, dw = h - x.shape[-2], w - x.shape[-1]
            top, bottom, left, right = sample.metainfo.get('padding', (0, 0, 0, 0))
            sample.set_metainfo(dict(padding=(top, bottom + dh, left, right + dw),
                                     pad_shape=(h, w), batch_input_shape=(h, w)))
            if training:
                for task in sample.gt_tasks:
                    gt = sample.get_gt(task)  # (C, H', W')
                    pad = (0, w - gt.shape[-1], 0, h - gt.shape[-2])
                    if any(pad):
                        sample.set_gt(task, F.pad(gt, pad, value=get_task(task).ignore_value))
        return dict(inputs=batch, data_samples=data_samples)
