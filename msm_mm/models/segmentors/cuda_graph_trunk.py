"""A segmentor's backbone and decode head replayed from CUDA graphs.

Eager PyTorch launches every kernel from Python; the MSM decoder runs about
10,000 kernels per training step, and the GPU waits for the host between
many of them (docs/benchmark.md). A CUDA graph records the kernels of one
forward (and backward) once and replays them with a single launch. Graphs
have fixed shapes and addresses, so one is captured per input shape, dtype
and autocast state, and inputs are copied into the graph's own buffer.

Captures check for illegal CUDA calls in their own thread only
(``capture_error_mode='thread_local'``): the other threads of a run, such
as the NCCL watchdog of a distributed one, do not void them.
"""
import functools
import inspect
import logging
from contextlib import contextmanager, nullcontext
from typing import Callable, Dict, Tuple

import torch
from mmengine.logging import print_log
from torch import Tensor, nn


class _Trunk(nn.Module):
    """A segmentor's trunk as a module whose parameters are the segmentor's,
    returning the task logits as a tuple in task order (graphs record
    tensors only)."""

    def __init__(self, segmentor: nn.Module, trunk: Callable[[Tensor], Dict[str, Tensor]]):
        super().__init__()
        self.segmentor = segmentor
        self.trunk = trunk

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        logits = self.trunk(inputs)
        return tuple(logits[t] for t in self.segmentor.tasks)


class _GradLaidOutLikeInput(torch.autograd.Function):
    """Identity whose backward gives the gradient its input's strides, copying
    where the producing operation chose others (an einsum's transposed
    weight gradient, a size-1 dimension's stride): the layout that
    ``AccumulateGrad`` would otherwise copy to after the graph, and that DDP's
    gradient buckets expect."""

    @staticmethod
    def forward(ctx, weight: Tensor) -> Tensor:
        ctx.stride = weight.stride()
        return weight.view_as(weight)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        if grad.stride() == ctx.stride:
            return grad
        return grad.new_empty_strided(grad.shape, ctx.stride).copy_(grad)


def _autocast_state() -> tuple:
    if torch.is_autocast_enabled('cuda'):
        return (torch.get_autocast_dtype('cuda'), )
    return ()


@contextmanager
def _thread_local_capture_errors():
    """Make :func:`torch.cuda.make_graphed_callables` capture with
    ``capture_error_mode='thread_local'``; yields the keyword arguments to
    call it with. PyTorch versions whose function has no such argument
    (2.11) capture through ``torch.cuda.graph``, whose default is switched
    meanwhile."""
    if 'capture_error_mode' in inspect.signature(torch.cuda.make_graphed_callables).parameters:
        yield dict(capture_error_mode='thread_local')
        return
    graph = torch.cuda.graph
    torch.cuda.graph = functools.partial(graph, capture_error_mode='thread_local')
    try:
        yield {}
    finally:
        torch.cuda.graph = graph


class CudaGraphTrunk:
    """Task logits of a segmentor's trunk, from CUDA graphs captured on first
    use for each (input shape, dtype, autocast dtype, training/no-grad) key.

    Training (grad enabled): :func:`torch.cuda.make_graphed_callables` captures
    the forward and the backward; parameters receive their gradients as
    usual. Otherwise a forward graph under ``no_grad``. The returned logits
    live in the graph's buffers and are overwritten by the next replay of the
    same graph: use them (compute the losses, the predictions) before the
    next call, or clone them.

    Each graph keeps its own memory; inputs of more than ``max_graphs`` keys
    (images of many sizes, unpadded) run eagerly, with a warning.

    Args:
        segmentor (nn.Module): A :class:`MultiTaskSegmentor`; it is not
            registered as a submodule (no cycle in the module tree).
        trunk (callable): Task logits {task: (B, C, H', W')} of inputs
            (B, 3, H, W), run directly; what the graphs record.
        warmup (int): Eager iterations before a capture (Triton compilation,
            cuDNN autotuning). Defaults to 3.
        max_graphs (int): Most graphs kept. Defaults to 8.

    Raises:
        RuntimeError: When a capture fails (a module that synchronises with
            the host cannot be captured); it names the option to turn off.
    """

    def __init__(self,
                 segmentor: nn.Module,
                 trunk: Callable[[Tensor], Dict[str, Tensor]],
                 warmup: int = 3,
                 max_graphs: int = 8):
        self._trunk = [_Trunk(segmentor, trunk)]  # a list: keeps it out of the module tree
        self.warmup = warmup
        self.max_graphs = max_graphs
        self._graphs: Dict[tuple, Callable] = {}
        self._warned_full = False

    def __call__(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Task logits {task: (B, C, H', W')} of ``inputs`` (B, 3, H, W), CUDA."""
        segmentor = self._trunk[0].segmentor
        training = torch.is_grad_enabled() and segmentor.training
        key = (tuple(inputs.shape), inputs.dtype, training) + _autocast_state()
        if key not in self._graphs:
            if len(self._graphs) >= self.max_graphs:
                self._warn_full(key)
                return self._trunk[0].trunk(inputs)
            capture = self._capture_training if training else self._capture_inference
            try:
                self._graphs[key] = capture(inputs)
            except RuntimeError as error:
                raise RuntimeError(
                    f'capturing the backbone and decode head in a CUDA graph failed for inputs '
                    f'{tuple(inputs.shape)} ({error}); modules that synchronise with the host '
                    f'cannot be captured: set model.cuda_graph=False') from error
        logits = self._graphs[key](inputs)
        return dict(zip(segmentor.tasks, logits))

    def _warn_full(self, key: tuple):
        if not self._warned_full:
            print_log(f'cuda_graph: {self.max_graphs} graphs captured already (max_graphs); '
                      f'inputs of other shapes, such as {key[0]}, run without graphs',
                      logger='current', level=logging.WARNING)
            self._warned_full = True

    def _capture_training(self, inputs: Tensor) -> Callable:
        # The trunk is captured as a function of the inputs and of aliases of
        # its trainable parameters: tensors sharing their storage (no copy at
        # a replay) but new autograd leaves. The parameters' own leaves may
        # belong to the default stream (DDP keeps them from its construction
        # on), and a captured backward that hands them gradients makes that
        # stream wait on the capture, which CUDA refuses.
        trunk = self._trunk[0]
        names, params = zip(*[(n, p) for n, p in trunk.named_parameters() if p.requires_grad])
        aliases = [p.detach().requires_grad_() for p in params]

        def trunk_with(inputs: Tensor, *weights: Tensor) -> Tuple[Tensor, ...]:
            weights = [_GradLaidOutLikeInput.apply(w) for w in weights]
            return torch.func.functional_call(trunk, dict(zip(names, weights)), (inputs, ))

        # autocast's weight-cast cache is refused in captures
        state = _autocast_state()
        autocast = torch.autocast('cuda', dtype=state[0], cache_enabled=False) if state \
            else nullcontext()
        with autocast, _thread_local_capture_errors() as extra_arguments:
            graphed = torch.cuda.make_graphed_callables(
                trunk_with, (inputs.detach().clone(), *aliases), num_warmup_iters=self.warmup,
                allow_unused_input=True, **extra_arguments)
        # the gradients of the aliases reach the parameters
        return lambda x: graphed(x, *params)

    def _capture_inference(self, inputs: Tensor) -> Callable:
        trunk, static_in = self._trunk[0], inputs.detach().clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.no_grad(), torch.cuda.stream(side):
            for _ in range(self.warmup):
                trunk(static_in)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.no_grad(), torch.cuda.graph(graph, capture_error_mode='thread_local'):
            static_out = trunk(static_in)

        def replay(x: Tensor) -> Tuple[Tensor, ...]:
            static_in.copy_(x)
            graph.replay()
            return static_out

        return replay
