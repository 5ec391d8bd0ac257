import functools
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from ..ops.scan_directions import NUM_DIRECTIONS
from ..ops.selective_scan import SCAN_BACKENDS, check_backend, selective_scan

#: Backends of the four-direction scan: those of :func:`selective_scan` after
#: an unfused cross-scan, or the fused Triton kernels.
CROSS_SCAN_BACKENDS = SCAN_BACKENDS + ('triton', )


def check_scan_backend(backend: str) -> str:
    """Validate a four-direction scan backend name (at build time)."""
    return check_backend(backend, CROSS_SCAN_BACKENDS)


# a constant to torch.compile, which traces the scan's choice of backend
@torch.compiler.assume_constant_result
def triton_scan_available() -> bool:
    """Whether the Triton four-direction scan can run here: CUDA, a GPU that
    Triton compiles for (compute capability 7.0 or newer) and Triton 3.3 or
    newer (its kernels take tuples)."""
    return _triton_scan_runs_here()


@functools.lru_cache(maxsize=None)
def _triton_scan_runs_here() -> bool:
    if not torch.cuda.is_available() or torch.cuda.get_device_capability() < (7, 0):
        return False
    try:
        from ..ops import cross_selective_scan  # noqa: F401
    except ImportError:
        return False
    return True


def cross_scan(x: Tensor) -> Tensor:
    """Unfold a map into the four SS2D scan orders.

    Args:
        x (Tensor): (B, D, H, W).

    Returns:
        Tensor: (B, 4, D, H*W): row-major, column-major, and both reversed.
    """
    rows = x.flatten(2)  # (B, D, L), L = H*W
    cols = x.transpose(2, 3).flatten(2)  # (B, D, L) in column-major order
    forward = torch.stack([rows, cols], dim=1)  # (B, 2, D, L)
    return torch.cat([forward, forward.flip(-1)], dim=1)


def cross_merge(y: Tensor, height: int, width: int) -> Tensor:
    """Map the four directional outputs back to the image layout and sum them.

    Args:
        y (Tensor): (B, 4, D, L) in the orders of :func:`cross_scan`.
        height (int): H.
        width (int): W.

    Returns:
        Tensor: (B, D, H, W).
    """
    batch, _, dim, length = y.shape
    y = y[:, :2] + y[:, 2:].flip(-1)  # undo the reversal: (B, 2, D, L)
    rows = y[:, 0].view(batch, dim, height, width)
    cols = y[:, 1].view(batch, dim, width, height).transpose(2, 3)
    return rows + cols


class CrossScanCore(BaseModule):
    """The scan core of SS2D: a selective scan along four directions.

    Each direction has its own input-dependent projections (``x_proj`` to
    dt, B and C; ``dt_proj``), state matrix ``A`` and skip ``D``, as in
    VMamba/MTMamba. B and C are shared by the channels of a direction.

    Args:
        dims (int): Channels of the scanned map.
        dt_rank (int): Rank R of the step-size projection.
        d_state (int): State size N. Defaults to 16.
        dt_min (float): Smallest initial step size. Defaults to 1e-3.
        dt_max (float): Largest initial step size. Defaults to 0.1.
        dt_init_floor (float): Floor of initial step sizes. Defaults to 1e-4.
        backend (str): 'triton' (the fused kernels of
            :mod:`msm_mm.models.ops.cross_selective_scan`, CUDA only: faster
            and about 30% less memory in training than mamba-ssm, see
            docs/scan_kernels.md), or a :func:`msm_mm.models.ops.selective_scan`
            backend after an unfused cross-scan: 'torch' or 'mamba_ssm'.
            'auto' takes 'triton' for CUDA tensors where Triton imports, else
            mamba-ssm for CUDA tensors where it imports, else 'torch'.
            Defaults to 'auto'.
    """

    def __init__(self,
                 dims: int,
                 dt_rank: int,
                 d_state: int = 16,
                 dt_min: float = 1e-3,
                 dt_max: float = 0.1,
                 dt_init_floor: float = 1e-4,
                 backend: str = 'auto'):
        super().__init__()
        self.dims = dims
        self.dt_rank = dt_rank
        self.d_state = d_state
        self.backend = check_scan_backend(backend)
        k = NUM_DIRECTIONS
        self.x_proj_weight = nn.Parameter(torch.empty(k, dt_rank + 2 * d_state, dims))
        self.dt_proj_weight = nn.Parameter(torch.empty(k, dims, dt_rank))
        self.dt_proj_bias = nn.Parameter(torch.empty(k, dims))
        self.A_log = nn.Parameter(torch.empty(k * dims, d_state))
        self.D = nn.Parameter(torch.empty(k * dims))
        self._dt_range = (dt_min, dt_max, dt_init_floor)
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Mamba's initialisation (the parameters' own, not an init_cfg)."""
        dt_min, dt_max, dt_floor = self._dt_range
        # x_proj: nn.Linear's default uniform(+-1/sqrt(fan_in))
        bound = self.dims**-0.5
        self.x_proj_weight.uniform_(-bound, bound)
        self.dt_proj_weight.uniform_(-self.dt_rank**-0.5, self.dt_rank**-0.5)
        # dt log-uniform in [dt_min, dt_max]; the bias is its inverse softplus
        dt = torch.exp(
            torch.rand_like(self.dt_proj_bias) * (math.log(dt_max) - math.log(dt_min)) +
            math.log(dt_min)).clamp(min=dt_floor)
        self.dt_proj_bias.copy_(dt + torch.log(-torch.expm1(-dt)))
        self.A_log.copy_(
            torch.log(torch.arange(1, self.d_state + 1, dtype=torch.float32)).expand_as(self.A_log))
        self.D.fill_(1.0)

    def forward(self, x: Tensor) -> Tensor:
        """Scan ``x`` (B, D, H, W) in four directions; returns (B, D, H, W)."""
        backend = self.backend
        if backend == 'auto' and x.is_cuda and triton_scan_available():
            backend = 'triton'
        if backend != 'triton':
            return self._forward_unfused(x, backend)
        if not (x.is_cuda and triton_scan_available()):
            raise RuntimeError("scan backend 'triton' needs CUDA tensors on a GPU of compute "
                               'capability 7.0 or newer and Triton 3.3 or newer, got '
                               f'{x.device} tensors; use "auto" or "torch"')
        return self._forward_fused(x)

    def _forward_unfused(self, x: Tensor, backend: str) -> Tensor:
        """Cross-scan copies, :func:`selective_scan`, cross-merge."""
        batch, dims, height, width = x.shape
        k, rank, n = NUM_DIRECTIONS, self.dt_rank, self.d_state
        xs = cross_scan(x)  # (B, K, D, L)
        x_dbl = torch.einsum('bkdl,kcd->bkcl', xs, self.x_proj_weight)  # (B, K, R+2N, L)
        dts, Bs, Cs = torch.split(x_dbl, [rank, n, n], dim=2)
        dts = torch.einsum('bkrl,kdr->bkdl', dts, self.dt_proj_weight)  # (B, K, D, L)
        length = height * width
        # The scan runs in float32 (also under autocast): the kernel needs u, delta,
        # B and C in one dtype, and the recurrence loses precision in bf16.
        y = selective_scan(
            xs.reshape(batch, k * dims, length).float(),
            dts.reshape(batch, k * dims, length).float(),
            -torch.exp(self.A_log.float()),
            Bs.float(),
            Cs.float(),
            self.D.float(),
            delta_bias=self.dt_proj_bias.view(-1).float(),
            delta_softplus=True,
            backend=backend)  # (B, K*D, L)
        return cross_merge(y.view(batch, k, dims, length), height, width)

    def fused_scan_inputs(self, x: Tensor) -> tuple:
        """The fused scan's per-pixel inputs of ``x`` (B, D, H, W): the map
        (B, L, D), the step sizes' low-rank projection (B, L, K, R) and its
        weights (K, D, R), and B, C (B, L, K, 2N)."""
        batch, dims, height, width = x.shape
        k, rank = NUM_DIRECTIONS, self.dt_rank
        # (B, L, D): a view when x is channels-last in memory (SS2D's conv
        # output); otherwise (the window branches' tokens) the scan needs the
        # channels contiguous, a copy that the projection then shares
        pixels = x.permute(0, 2, 3, 1).reshape(batch, height * width, dims)
        if pixels.stride(-1) != 1:
            pixels = pixels.contiguous()
        x_dbl = F.linear(pixels, self.x_proj_weight.flatten(0, 1))  # (B, L, K*(R+2N))
        x_dbl = x_dbl.view(batch, height * width, k, -1)  # (B, L, K, R+2N)
        # one split (its gradient is one concatenation, two slices' would be two
        # zero-filled copies and a sum)
        dts, bc = torch.split(x_dbl, [rank, 2 * self.d_state], dim=-1)
        return pixels, dts, self.dt_proj_weight, bc

    def _forward_fused(self, x: Tensor) -> Tensor:
        """The same function with the projections computed per pixel and one
        Triton scan reading all four directions in place (float32 state; the
        inputs stay in the autocast dtype)."""
        from ..ops.cross_selective_scan import cross_selective_scan  # needs Triton
        batch, dims, height, width = x.shape
        # the parameters as they are (the op reads them flat, direction-major)
        y = cross_selective_scan(*self.fused_scan_inputs(x), self.A_log, self.D,
                                 self.dt_proj_bias, height, width)  # (B, L, D)
        return y.view(batch, height, width, dims).permute(0, 3, 1, 2)

    def extra_repr(self) -> str:
        return f'dims={self.dims}, dt_rank={self.dt_rank}, d_state={self.d_state}, ' \
            f'backend={self.backend!r}'
