from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, add_prefix
from torch import Tensor

from ...structures import MultiTaskDataSample, get_task
from .trunk_accelerator import TrunkAccelerator

SampleList = List[MultiTaskDataSample]


@MODELS.register_module()
class MultiTaskSegmentor(BaseModel):
    """Encoder-decoder for multi-task dense prediction.

    A shared backbone (any mmseg or mmpretrain backbone returning four
    feature maps), an optional neck, and a multi-task decode head such as
    :class:`MSMDecodeHead`.

    ``forward(inputs, data_samples, mode)`` dispatches to ``loss`` (a dict of
    losses prefixed ``decode.``), ``predict`` (data samples with ``pred_<task>``
    at the original image size) or ``tensor`` (raw per-task logits).

    Each mode runs the trunk (backbone, neck and the head's ``forward``) as
    one unit, :meth:`task_logits`, so that it can be compiled and replayed
    from CUDA graphs whole, then hands its logits to the head's
    ``loss_by_feat`` or ``predict_by_feat``: where mmseg's
    ``BaseDecodeHead.loss()`` / ``predict()`` split too.

    Args:
        backbone (dict): Backbone config.
        decode_head (dict): Multi-task decode head config.
        neck (dict, optional): Neck config. Defaults to None.
        data_preprocessor (dict, optional): Data preprocessor config.
        train_cfg (dict, optional): Kept as ``self.train_cfg`` (mmseg's config
            layout); :class:`MSMDecodeHead` takes none.
        test_cfg (dict, optional): Kept as ``self.test_cfg``, likewise.
        cuda_graph (bool | dict): Replay the backbone and the decode head
            from CUDA graphs for CUDA inputs (:class:`CudaGraphTrunk`: one
            capture per input shape and precision; no host round trips within
            a step). A dict gives its arguments (``warmup``, ``max_graphs``).
            The losses and the optimizer step stay eager. Defaults to False.
        compile (bool | dict): Run the backbone and the decode head through
            ``torch.compile`` in training steps on CUDA inputs (fused
            elementwise work and layout changes; the Triton scan is an
            operator in the graphs); a dict gives ``torch.compile``'s
            arguments (:func:`~.trunk_accelerator.compile_arguments`).
            Defaults to False.
        compile_inference (bool): With ``compile``, run the compiled
            backbone and decode head in inference too (one compilation per
            input shape). Defaults to False.

        Both options act through :class:`TrunkAccelerator`, in single-process
        and distributed runs alike.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 cuda_graph: Union[bool, dict] = False,
                 compile: Union[bool, dict] = False,
                 compile_inference: bool = False,
                 init_cfg: OptMultiConfig = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.decode_head = MODELS.build(decode_head)
        self.tasks = tuple(self.decode_head.tasks)
        self._check_feature_widths()
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        # not a module: the state dict keeps its keys
        self.accelerator = TrunkAccelerator(self, cuda_graph=cuda_graph, compile=compile,
                                            compile_inference=compile_inference)

    #: Side of the blank image that :meth:`_check_feature_widths` runs.
    width_probe_size = 32

    def _check_feature_widths(self) -> None:
        """Run a blank image through the backbone (and neck) and compare the
        feature widths with the head's ``in_channels``, so that a wrong
        ``in_channels`` fails when the model is built."""
        in_channels = getattr(self.decode_head, 'in_channels', None)
        if in_channels is None:
            return
        trunk = [self.backbone] + ([self.neck] if self.neck is not None else [])
        modes = [m.training for m in trunk]
        for m in trunk:
            m.eval()  # no batch-norm statistics updated, no stochastic depth drawn
        size = self.width_probe_size
        with torch.no_grad():
            feats = self.backbone(torch.zeros(1, 3, size, size))
            feats = self.neck(feats) if self.neck is not None else feats
        for m, mode in zip(trunk, modes):
            m.train(mode)
        widths = [f.shape[1] for f in feats]
        if widths != list(in_channels):
            source = 'backbone and neck' if self.neck is not None else 'backbone'
            raise ValueError(
                f'model.decode_head.in_channels={list(in_channels)}, but the {source} '
                f'({type(self.backbone).__name__}) give {len(widths)} feature maps of widths '
                f'{widths}')

    def extract_feat(self, inputs: Tensor) -> Sequence[Tensor]:
        """Backbone (and neck) features of a batch (B, 3, H, W); the backbone
        compiled in training steps on CUDA inputs when ``compile`` is on."""
        feats = self.accelerator.modules_for(inputs)[0](inputs)
        return self.neck(feats) if self.neck is not None else feats

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], SampleList]:
        """Dispatch to ``loss``, ``predict`` or ``_forward`` by ``mode``."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs)
        raise ValueError(f"invalid mode {mode!r}; expected 'loss', 'predict' or 'tensor'")

    def task_logits(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Per-task logits {task: (B, C, H', W')} of the backbone and the
        head, through :attr:`accelerator` (from a CUDA graph's buffers, valid
        until its next replay, when ``cuda_graph`` is on and ``inputs`` are
        on a GPU)."""
        return self.accelerator(inputs)

    def loss(self, inputs: Tensor, data_samples: SampleList) -> Dict[str, Tensor]:
        """Losses of every task, prefixed ``decode.``."""
        losses = self.decode_head.loss_by_feat(self.task_logits(inputs), data_samples)
        return add_prefix(losses, 'decode')

    def predict(self, inputs: Tensor, data_samples: Optional[SampleList] = None) -> SampleList:
        """Predict every task and store it in the data samples."""
        if data_samples is None:
            data_samples = [
                MultiTaskDataSample(metainfo=dict(ori_shape=inputs.shape[-2:],
                                                  img_shape=inputs.shape[-2:]))
                for _ in range(inputs.shape[0])
            ]
        metas = [dict(s.metainfo, batch_input_shape=tuple(inputs.shape[-2:]))
                 for s in data_samples]
        task_logits = self.decode_head.predict_by_feat(self.task_logits(inputs), metas)
        return self.postprocess_result(task_logits, data_samples)

    def _forward(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Raw per-task logits {task: (B, C, H', W')}, the caller's own."""
        logits = self.accelerator(inputs)
        if self.accelerator.replays_graphs(inputs):
            return {t: x.clone() for t, x in logits.items()}
        return logits

    def postprocess_result(self, task_logits: Dict[str, Tensor],
                           data_samples: SampleList) -> SampleList:
        """Remove the padding, undo a horizontal flip and resize every task's
        logits to ``ori_shape``, then store ``pred_<task>``.

        ``metainfo['padding']`` is ``(top, bottom, left, right)`` of the
        pipeline's padding; ``img_shape`` the image size before padding.
        """
        for i, sample in enumerate(data_samples):
            meta = sample.metainfo
            top, _, left, _ = meta.get('padding', (0, 0, 0, 0))
            h, w = meta.get('img_shape', task_logits[self.tasks[0]].shape[-2:])[:2]
            ori_shape = tuple(meta.get('ori_shape', (h, w))[:2])
            for task, logits in task_logits.items():
                x = logits[i:i + 1, :, top:top + h, left:left + w]  # (1, C, h, w)
                if meta.get('flip', False):
                    if meta.get('flip_direction', 'horizontal') != 'horizontal':
                        raise ValueError('only horizontal flips can be undone, got '
                                         f"{meta['flip_direction']!r}")
                    x = x.flip(-1)  # a copy
                    for c in get_task(task).flip_negated_channels:
                        x[:, c] *= -1  # a vector's x component points the other way
                if x.shape[-2:] != ori_shape:
                    x = F.interpolate(x, ori_shape, mode='bilinear', align_corners=False)
                sample.set_pred(task, get_task(task).kind.to_prediction(x[0]))
        return data_samples
