"""How a segmentor's backbone and decode head run on a GPU: compiled, and
replayed from CUDA graphs.

:class:`MultiTaskSegmentor` sends every call of its trunk (backbone, neck and
decode head) through a :class:`TrunkAccelerator` built from its ``cuda_graph``
and ``compile`` options; nothing else in the model knows about either. Both
work the same in one process and under DDP (``tools/dist_train.sh``): DDP
wraps the segmentor, whose trunk is compiled and captured inside it, and its
gradient hooks fire when the graphed backward hands the gradients over.
"""
import contextlib
import logging
from typing import ContextManager, Dict, Optional, Tuple, Union

import torch
from mmengine.logging import print_log
from torch import Tensor, nn

from ..ops import operators_digest
from .cuda_graph_trunk import CudaGraphTrunk


def option_arguments(option: Union[bool, dict]) -> Optional[dict]:
    """The keyword arguments of an option given as a bool or a dict of its
    arguments; None when it is off."""
    if isinstance(option, dict):
        return dict(option)
    return {} if option else None


def compile_arguments(compile_cfg: dict) -> dict:
    """``torch.compile``'s keyword arguments from the ``compile`` option:
    static shapes, and for inductor ``emulate_precision_casts``, unless the
    option says otherwise. Without it, inductor's fused kernels keep bf16
    intermediates in float32 where eager autocast rounds them: in the tiny
    model of the CUDA tests, some bf16 gradients of the scan parameters were
    then up to five times as far from float32 as eager bf16's; with it,
    compiled and eager bf16 gradients differed by at most 4% of each
    gradient's largest element. A ``mode`` becomes its inductor options,
    since ``torch.compile`` takes either, not both."""
    kwargs = {'dynamic': False, **compile_cfg}
    if kwargs.get('backend', 'inductor') != 'inductor':
        return kwargs
    mode = kwargs.pop('mode', None)
    options = torch._inductor.list_mode_options(mode, kwargs['dynamic']) if mode else {}
    kwargs['options'] = {**options, 'emulate_precision_casts': True,
                         **(kwargs.get('options') or {})}
    return kwargs


def operators_cache_key() -> ContextManager:
    """A context in which ``torch.compile``'s caches (inductor's compiled
    graphs, AOTAutograd's forward-backward pairs) key what they compile by
    :func:`~msm_mm.models.ops.operators_digest` as well, after any
    ``cache_key_tag`` the user set: a graph names the scan's operators only,
    so without it a cache would hand back a backward compiled with an
    earlier version of their autograd formula or fake implementation."""
    tag = torch.compiler.config.cache_key_tag
    return torch.compiler.config.patch(cache_key_tag=f'{tag}msm_mm-ops-{operators_digest()}')


class TrunkAccelerator:
    """Task logits of a segmentor's trunk, compiled and graphed as configured.

    Args:
        segmentor (nn.Module): A :class:`MultiTaskSegmentor` (``backbone``,
            ``neck``, ``decode_head`` and ``tasks``); not registered as a
            submodule.
        cuda_graph (bool | dict): Replay the trunk from CUDA graphs for CUDA
            inputs (:class:`CudaGraphTrunk`; a dict gives its arguments).
        compile (bool | dict): Run the backbone and the decode head through
            ``torch.compile`` in training steps on CUDA inputs. A dict gives
            ``torch.compile``'s arguments (:func:`compile_arguments` adds
            ``dynamic=False`` and inductor's ``emulate_precision_casts``).
            The Triton scan is an operator of the compiled graphs: each
            module compiles to one graph.
        compile_inference (bool): With ``compile``, run the compiled modules
            in inference too (evaluation, prediction): each new input shape
            costs a compilation (about a minute and a half for Swin-L), so
            it pays where shapes repeat, as with the test pipelines' padding
            to the crop size. Without ``compile`` nothing is compiled.
            Defaults to False.
    """

    def __init__(self,
                 segmentor: nn.Module,
                 cuda_graph: Union[bool, dict] = False,
                 compile: Union[bool, dict] = False,
                 compile_inference: bool = False):
        self._segmentor = [segmentor]  # a list: keeps it out of any module tree
        self.compile_inference = compile_inference
        self.compiled: Optional[Tuple[nn.Module, nn.Module]] = None
        compile_cfg = option_arguments(compile)
        if compile_cfg is not None:
            self.compiled = tuple(
                torch.compile(m, **compile_arguments(compile_cfg))
                for m in (segmentor.backbone, segmentor.decode_head))
        self._announced = set()  # (input shape, training) announced as being compiled
        graph_cfg = option_arguments(cuda_graph)
        self.graphs = None if graph_cfg is None else CudaGraphTrunk(
            segmentor, self.trunk, **graph_cfg)

    def __call__(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Task logits {task: (B, C, H', W')} of ``inputs`` (B, 3, H, W);
        from a graph's buffers (valid until its next replay) when graphed."""
        if self.replays_graphs(inputs):
            return self.graphs(inputs)
        return self.trunk(inputs)

    def replays_graphs(self, inputs: Tensor) -> bool:
        """Whether the logits of ``inputs`` come from a CUDA graph's buffers."""
        return self.graphs is not None and inputs.is_cuda

    def compiles(self, training: bool) -> bool:
        """Whether CUDA inputs run compiled in training steps (``training``)
        or in inference."""
        return self.compiled is not None and (training or self.compile_inference)

    def modules_for(self, inputs: Tensor) -> Tuple[nn.Module, nn.Module]:
        """The (backbone, decode head) that run ``inputs``: the compiled ones
        for CUDA inputs where :meth:`compiles` says so."""
        segmentor = self._segmentor[0]
        training = segmentor.training
        if not (inputs.is_cuda and self.compiles(training)):
            return segmentor.backbone, segmentor.decode_head
        key = (tuple(inputs.shape), training)
        if key not in self._announced:
            self._announced.add(key)
            what, option = (('training steps', 'compile') if training else
                            ('inference', 'compile_inference'))
            print_log(f'compile: compiling the backbone and the decode head for {what} on '
                      f'inputs of shape {key[0]}; this takes minutes (model.{option}=False '
                      f'skips it)', logger='current', level=logging.INFO)
        return self.compiled

    def trunk(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Task logits of the trunk run directly (compiled where
        :meth:`modules_for` says so, under :func:`operators_cache_key`), no
        graphs."""
        with operators_cache_key() if self.compiled else contextlib.nullcontext():
            head = self.modules_for(inputs)[1]
            return head(self._segmentor[0].extract_feat(inputs))
