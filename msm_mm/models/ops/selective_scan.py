"""Selective scan (the S6 recurrence of Mamba) with its backends chosen in one place.

For every channel ``d`` and state ``n`` the scan computes, over ``t = 1..L``::

    h[t] = exp(delta[t] * A[d, n]) * h[t-1] + delta[t] * B[n, t] * u[t]
    y[t] = sum_n C[n, t] * h[t] + D[d] * u[t]

with ``delta = softplus(delta + delta_bias)`` when ``delta_softplus``. Two
backends compute the same function:

- ``'torch'``: a vectorised PyTorch implementation (a Hillis-Steele parallel
  scan over the sequence, ``log2(L)`` tensor steps) that runs anywhere; its
  backward recomputes the forward, so it keeps no per-step activations.
- ``'mamba_ssm'``: the fused CUDA kernel ``selective_scan_fn`` of mamba-ssm.

``'auto'`` takes the kernel for CUDA tensors when mamba-ssm's CUDA extension is
importable, else the PyTorch one. mamba-ssm is never imported on a machine
without CUDA: its import fails there.
"""
import functools
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

SCAN_BACKENDS = ('auto', 'torch', 'mamba_ssm')


@functools.lru_cache(maxsize=None)
def _mamba_ssm_scan():
    """mamba-ssm's ``selective_scan_fn``, or None where it cannot be used."""
    if not torch.cuda.is_available():
        return None
    try:
        from mamba_ssm.ops.selective_scan_interface import selective_scan_fn
    except ImportError:
        return None
    return selective_scan_fn


def mamba_ssm_available() -> bool:
    """Whether mamba-ssm's CUDA selective scan can be used here."""
    return _mamba_ssm_scan() is not None


def check_backend(backend: str, backends: Tuple[str, ...] = SCAN_BACKENDS) -> str:
    """Validate a scan backend name (at build time), returning it.

    Args:
        backend (str): The name.
        backends (tuple[str]): The valid names. Defaults to
            :data:`SCAN_BACKENDS`.
    """
    if backend not in backends:
        raise ValueError(f'unknown scan backend {backend!r}; expected one of {backends}')
    return backend


def selective_scan_reference(u: Tensor,
                             delta: Tensor,
                             A: Tensor,
                             B: Tensor,
                             C: Tensor,
                             D: Optional[Tensor] = None,
                             delta_bias: Optional[Tensor] = None,
                             delta_softplus: bool = False) -> Tensor:
    """The selective scan in differentiable PyTorch ops, computed in float32.

    Args:
        u (Tensor): Input, shape (batch, dim, L).
        delta (Tensor): Step sizes, shape (batch, dim, L).
        A (Tensor): State matrix (diagonal), shape (dim, N).
        B (Tensor): Input projection, shape (batch, groups, N, L); the
            ``dim`` channels are split into ``groups`` equal groups sharing B.
        C (Tensor): Output projection, same shape as ``B``.
        D (Tensor, optional): Skip weight, shape (dim,). Defaults to None.
        delta_bias (Tensor, optional): Added to delta, shape (dim,).
            Defaults to None.
        delta_softplus (bool): Apply softplus to delta. Defaults to False.

    Returns:
        Tensor: Output of shape (batch, dim, L), dtype of ``u``.
    """
    batch, dim, length = u.shape
    groups = B.shape[1]
    out_dtype = u.dtype
    u, delta, A = u.float(), delta.float(), A.float()
    if delta_bias is not None:
        delta = delta + delta_bias.float()[None, :, None]
    if delta_softplus:
        delta = F.softplus(delta)
    # each group of dim/groups channels shares its B and C: (batch, groups, 1, N, L)
    B = B.float().unsqueeze(2)
    C = C.float().unsqueeze(2)
    grouped = (batch, groups, dim // groups, 1, length)
    decay = torch.exp(delta.unsqueeze(2) * A[None, :, :, None])  # (batch, dim, N, L)
    decay = decay.view(*grouped[:3], -1, length)  # (batch, groups, dim/groups, N, L)
    state = (delta * u).view(grouped) * B  # (batch, groups, dim/groups, N, L)
    # Inclusive scan of h[t] = decay[t] * h[t-1] + state[t]: after the step with
    # offset k, state[t] holds the recurrence over the last 2k inputs.
    k = 1
    while k < length:
        state = torch.cat([state[..., :k], state[..., k:] + decay[..., k:] * state[..., :-k]], -1)
        decay = torch.cat([decay[..., :k], decay[..., k:] * decay[..., :-k]], -1)
        k *= 2
    y = (state * C).sum(3).view(batch, dim, length)
    if D is not None:
        y = y + D.float()[None, :, None] * u
    return y.to(out_dtype)


class SelectiveScanTorch(torch.autograd.Function):
    """The PyTorch backend as one autograd op: the forward keeps only its
    inputs and the backward recomputes it, so memory stays at the size of the
    inputs. Being one op also lets FLOP counters attach a handle to it
    (``prim::PythonOp.SelectiveScanTorch``)."""

    @staticmethod
    def forward(ctx, u, delta, A, B, C, D, delta_bias, delta_softplus):
        ctx.delta_softplus = delta_softplus
        ctx.save_for_backward(u, delta, A, B, C, D, delta_bias)
        return selective_scan_reference(u, delta, A, B, C, D, delta_bias, delta_softplus)

    @staticmethod
    def backward(ctx, grad_out):
        inputs = [t.detach().requires_grad_(t.requires_grad) if t is not None else None
                  for t in ctx.saved_tensors]
        with torch.enable_grad():
            out = selective_scan_reference(*inputs, ctx.delta_softplus)
        wanted = [t for t in inputs if t is not None and t.requires_grad]
        # allow_unused: with L == 1 the decay (hence A) does not reach the output
        grads = iter(torch.autograd.grad(out, wanted, grad_out, allow_unused=True))
        result = []
        for t in inputs:
            grad = next(grads) if t is not None and t.requires_grad else None
            if grad is None and t is not None and t.requires_grad:
                grad = torch.zeros_like(t)
            result.append(grad)
        return tuple(result) + (None, )


def selective_scan(u: Tensor,
                   delta: Tensor,
                   A: Tensor,
                   B: Tensor,
                   C: Tensor,
                   D: Optional[Tensor] = None,
                   delta_bias: Optional[Tensor] = None,
                   delta_softplus: bool = False,
                   backend: str = 'auto') -> Tensor:
    """Run the selective scan on the chosen backend.

    Args are those of :func:`selective_scan_reference`, plus:
        backend (str): ``'auto'``, ``'torch'`` or ``'mamba_ssm'``.
            Defaults to ``'auto'``.

    Returns:
        Tensor: Output of shape (batch, dim, L).
    """
    if check_backend(backend) == 'auto':
        backend = 'mamba_ssm' if u.is_cuda and mamba_ssm_available() else 'torch'
    if backend == 'mamba_ssm':
        scan_fn = _mamba_ssm_scan()
        if scan_fn is None:
            raise RuntimeError("scan backend 'mamba_ssm' was requested but mamba-ssm's CUDA "
                               'extension cannot be imported here (install with '
                               '`bash tools/install.sh --cuda` on a CUDA machine)')
        if not u.is_cuda:
            raise RuntimeError("scan backend 'mamba_ssm' needs CUDA tensors, got "
                               f'{u.device}; use backend="torch" or "auto" on CPU')
        return scan_fn(u.contiguous(), delta.contiguous(), A.contiguous(), B.contiguous(),
                       C.contiguous(), D, delta_bias=delta_bias,
                       delta_softplus=delta_softplus)
    return SelectiveScanTorch.apply(u, delta, A, B, C, D, delta_bias, delta_softplus)


def selective_scan_flops(batch: int, dim: int, length: int, d_state: int) -> int:
    """FLOPs of one selective scan, counted as in the paper's Table 6
    (one multiply-add = one FLOP): ``9 * B * L * D * N + B * D * L``."""
    return 9 * batch * length * dim * d_state + batch * dim * length
