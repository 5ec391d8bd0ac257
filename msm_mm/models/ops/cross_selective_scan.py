"""The four-direction selective scan of SS2D as two Triton kernels.

The unfused path of :class:`~msm_mm.models.layers.CrossScanCore` unfolds the
map into four scan orders (row-major, column-major, both reversed), runs the
selective scan and folds the four outputs back: three full copies of the map
and a kernel that reaches about a tenth of the card's memory bandwidth. Here
one kernel reads the map in place, in whatever order its direction needs,
and writes every output back to its pixel; no scan-ordered copy exists.

Layout (channels last throughout, ``L = H * W`` pixels in row-major order,
``K = 4`` directions)::

    x          (B, L, D)       the map: u of every direction
    dt_low     (B, L, K, R)    the step sizes' low-rank projection
    dt_weight  (K, D, R)       its weights
    dt         (B, L, K, D)    step sizes before bias and softplus, dt_low @ dt_weight^T
                               per direction (computed by the op)
    bc         (B, L, K, 2N)   B then C of every direction
    A_log      (K, D, N) or (K*D, N), skip and bias (K, D) or (K*D, ): read flat; A = -exp(A_log)
    y          (B, L, D)       the sum of the four directions' outputs

Scan step ``t`` of direction ``k`` reads pixel ``pos_k(t)``: ``t`` (rows),
``(t % H) * W + t // H`` (columns), and both with ``t`` replaced by
``L - 1 - t`` (reversed). A program owns ``BLOCK_D`` channels of one image
and direction and walks its part of the sequence in chunks of ``BLOCK_T``
steps; a chunk is a (BLOCK_T, N, BLOCK_D) tile with the channels across the
lanes (coalesced loads) and the steps in each thread's registers, scanned
with ``tl.associative_scan`` on the pairs ``(decay, input)``; the state is
carried from chunk to chunk. Each iteration issues the loads of the next
chunk before the arithmetic of the current one, so that their latency is
hidden (Triton's own pipelining does not apply to these loops). The kernels
take their tensors, strides and sizes in groups, the fields of the named
tuples :class:`ScanInputs`, :class:`ScanParams`, :class:`MapShape`,
:class:`Segments` and :class:`ScanGrads` (per-pixel tensors as
:class:`PixelMajor`), passed as plain tuples and unpacked in the kernels.

A scan with too few programs to fill the card (few channels, long
sequences: the decoder's last stage) is split into ``S`` segments of whole
chunks, one program each: a first pass scans every segment from a zero
state and keeps its end state and the sum of its step sizes (its decay is
``exp(A * sum)``); the second pass starts each segment from the state the
summaries of the segments before it fold to. The backward does the same for
the adjoint recurrence, from the end. It recomputes the chunk-start states
(one forward pass, not stored by the forward, which also computes dC from
the states it passes through) and runs the adjoint in reverse chunk by
chunk, taking each step's ``decay[t + 1]`` from the chunk's own decays
shifted by a row. Gradients of A_log, skip and bias are atomic float32 sums
over programs, so their last bits depend on the order the programs run in
(as with mamba-ssm's kernel); those of B and C are summed over the
program's channels, which span the lanes of its warp, by shuffles that
halve the rows at every lane pair (each lane keeps a share of the sums
instead of a copy of all), written per channel block and summed over the
blocks after the kernel. The backward operator returns x's gradient per
direction and bc's per channel block; its autograd formula sums them, in the
code ``torch.compile`` traces, which fuses the sums with the casts and the
operations that consume the gradients. The op computes dt itself and keeps
only dt_low and dt_weight for the backward, which computes dt again: dt is
four times the map, the largest activation a scan would otherwise keep until
its backward.

Each decay ``exp(delta * A)`` is one base-2 exponential instruction, ``A``
scaled by log2(e) once per program; rows of steps past the end of the
sequence are computed but never used, which saves masking every state.
"""
import functools
import os
from typing import NamedTuple, Tuple

import torch
import triton
import triton.language as tl
from torch import Tensor

from .scan_directions import NUM_DIRECTIONS

#: Triton versions before this one take no tuples as kernel arguments
MIN_TRITON = (3, 3)
if tuple(int(v) for v in triton.__version__.split('.')[:2]) < MIN_TRITON:
    raise ImportError(f'the Triton cross scan needs Triton {MIN_TRITON[0]}.{MIN_TRITON[1]} or '
                      f'newer, found {triton.__version__}')

_K = tl.constexpr(NUM_DIRECTIONS)  # the same, readable inside kernels
#: The kernels address with 32-bit offsets: no buffer they index may hold more
#: elements than this (:func:`cross_selective_scan` splits the batch to stay below).
MAX_ELEMENTS = 2**31 - 1
#: The kernels divide pixel indices by the map's height in float32, exactly
#: for indices below 2**21: the largest map they take.
MAX_PIXELS = 2**21
LOG2E = 1.4426950408889634  # exp(x) = 2**(x * LOG2E)
_LOG2E = tl.constexpr(LOG2E)

if os.environ.get('TRITON_INTERPRET') == '1':  # the interpreter runs no PTX

    @triton.jit
    def _exp2(x):
        return tl.math.exp2(x)
else:

    @triton.jit
    def _exp2(x):
        """2**x in one special-function instruction (results below float32's
        normal range flush to zero); tl.exp adds a multiplication and a
        subnormal range fix to it."""
        return tl.inline_asm_elementwise('ex2.approx.ftz.f32 $0, $1;', '=f,f', [x],
                                         dtype=tl.float32, is_pure=True, pack=1)


@triton.jit
def _swap_channels(x, bit: tl.constexpr):
    """x (R, N, BLOCK_D) with channels ``d`` and ``d ^ bit`` swapped (``bit`` a
    power of two below BLOCK_D). The channels of the kernels' tiles span the
    lanes of a warp: Triton 3.6 and 3.8 make this one shuffle per element."""
    R: tl.constexpr = x.shape[0]
    N: tl.constexpr = x.shape[1]
    D: tl.constexpr = x.shape[2]
    pairs = tl.reshape(x, (R, N, D // (2 * bit), 2, bit))
    return tl.reshape(tl.flip(pairs, 3), (R, N, D))


@triton.jit
def _linear_recurrence(decay_l, value_l, decay_r, value_r):
    """Compose h -> decay_l * h + value_l, then h -> decay_r * h + value_r."""
    return decay_l * decay_r, decay_r * value_l + value_r


class PixelMajor(NamedTuple):
    """A (B, L, ...) tensor as the kernels address it: channel ``c`` of pixel
    ``p`` in direction ``k`` of image ``b`` is at ``ptr + b * stride_b + p *
    stride_l + k * stride_k + c`` (``stride_k`` is 0 without a direction axis;
    the channels, last, are contiguous)."""
    ptr: Tensor
    stride_b: int
    stride_l: int
    stride_k: int

    @classmethod
    def of(cls, t: Tensor) -> 'PixelMajor':
        """``t``, (B, L, C) or (B, L, K, ...), with a unit last stride."""
        return cls(t, t.stride(0), t.stride(1), t.stride(2) if t.dim() > 3 else 0)


class ScanInputs(NamedTuple):
    """The per-pixel inputs: the map x (B, L, D), raw step sizes dt (B, L, K,
    D), and B then C of every direction, bc (B, L, K, 2N)."""
    x: PixelMajor
    dt: PixelMajor
    bc: PixelMajor


class ScanParams(NamedTuple):
    """Per-direction parameters (or their gradients), float32: A_log (K, D, N),
    skip (K, D) and the step-size bias (K, D)."""
    A_log: Tensor
    skip: Tensor
    bias: Tensor


class MapShape(NamedTuple):
    """The map's height and width, its number of channels D, and 1 / height
    rounded to float32 (see :func:`_pixel`)."""
    height: int
    width: int
    dim: int
    inv_height: float

    @classmethod
    def of(cls, height: int, width: int, dim: int) -> 'MapShape':
        return cls(height, width, dim, _float32_inverse(height))


@functools.lru_cache(maxsize=None)
def _float32_inverse(n: int) -> float:
    """1 / n correctly rounded to float32."""
    return (torch.tensor(1., dtype=torch.float32) / n).item()


class Segments(NamedTuple):
    """How a launch splits each sequence: ``count`` segments of ``chunks``
    chunks, and the buffers of the segments' summaries: end states (B, K,
    count, N, D) and sums of step sizes (B, K, count, D)."""
    chunks: int
    count: int
    state: Tensor
    dsum: Tensor


class ScanGrads(NamedTuple):
    """What the backward writes: dx and ddt per direction (B, L, K, D), dB and
    dC of every channel block (B, L, K, blocks, 2N), and the parameters'
    gradients (zero-initialised; the kernel adds into them)."""
    dx: PixelMajor
    ddt: PixelMajor
    dbc: PixelMajor
    params: ScanParams


@triton.jit
def _pixel(t, k, shape):
    """Pixel (row-major index) read at scan step ``t`` of direction ``k``.
    The column orders' division by the height is a float32 multiply by its
    rounded inverse: ``s + 0.5`` lies at least ``0.5 / height`` from a
    multiple of the height, and the two roundings move the quotient by less
    than that while ``s < 2**21`` (:data:`MAX_PIXELS`)."""
    height, width, dim, inv_height = shape
    s = tl.where(k >= 2, height * width - 1 - t, t)
    col = ((s.to(tl.float32) + 0.5) * inv_height).to(tl.int32)
    return tl.where(k % 2 == 1, (s - col * height) * width + col, s)


@triton.jit
def _at(t, b, pos, k):
    """Addresses (BLOCK_T,) of channel 0 at pixels ``pos`` in direction ``k``
    of image ``b`` of ``t`` (a :class:`PixelMajor`)."""
    ptr, stride_b, stride_l, stride_k = t
    return ptr + b * stride_b + pos * stride_l + k * stride_k


@triton.jit
def _softplus(v):
    """softplus(v), and its derivative sigmoid(v); linear above 20 like
    torch's and mamba-ssm's softplus."""
    e = tl.exp(tl.minimum(v, 20.))
    return tl.where(v > 20., v, tl.log(1. + e)), tl.where(v > 20., 1., e / (1. + e))


@triton.jit
def _chunk_step_sizes(dt, b, k, t, offs_d, mask_d, shape, bias):
    """Pixels, masks and the step sizes before softplus (BLOCK_T, BLOCK_D) of
    scan steps ``t``; zeros beyond the sequence."""
    height, width, dim, inv_height = shape
    mask_t = t < height * width
    pos = _pixel(t, k, shape)
    mask = mask_t[:, None] & mask_d[None, :]
    v = tl.load(_at(dt, b, pos, k)[:, None] + offs_d[None, :], mask=mask,
                other=0.).to(tl.float32)
    return pos, mask_t, mask, v + bias[None, :]


@triton.jit
def _chunk_inputs(inputs, b, k, t, offs_d, mask_d, shape, bias, N: tl.constexpr):
    """Load one chunk: u and the step size before softplus (BLOCK_T, BLOCK_D),
    B and C (BLOCK_T, N) of scan steps ``t``; zeros beyond the sequence."""
    x, dt, bc = inputs
    pos, mask_t, mask, v = _chunk_step_sizes(dt, b, k, t, offs_d, mask_d, shape, bias)
    u = tl.load(_at(x, b, pos, 0)[:, None] + offs_d[None, :], mask=mask,
                other=0.).to(tl.float32)
    rows = _at(bc, b, pos, k)[:, None] + tl.arange(0, N)[None, :]  # B; C lies N further
    Bt = tl.load(rows, mask=mask_t[:, None], other=0.).to(tl.float32)
    Ct = tl.load(rows + N, mask=mask_t[:, None], other=0.).to(tl.float32)
    return pos, mask_t, mask, u, v, Bt, Ct


@triton.jit
def _pairs(x):
    """Rows ``2i`` and rows ``2i + 1`` of a (2R, A, B) tile, two (R, A, B)
    tiles."""
    R: tl.constexpr = x.shape[0] // 2
    return tl.split(tl.permute(tl.reshape(x, (R, 2, x.shape[1], x.shape[2])), (0, 2, 3, 1)))


@triton.jit
def _interleave(even, odd):
    """The (2R, A, B) tile of rows ``even[i]`` at ``2i`` and ``odd[i]`` at
    ``2i + 1``."""
    R: tl.constexpr = even.shape[0]
    return tl.reshape(tl.permute(tl.join(even, odd), (0, 3, 1, 2)),
                      (2 * R, even.shape[1], even.shape[2]))


@triton.jit
def _shift_up(x, after):
    """Row ``t + 1`` of a tile of 2, 4 or 8 rows at row ``t``, and ``after``
    (one row) at the last. The rows lie in each thread's registers, so this
    renames registers; the shift of the rows ``2i`` is built the same way
    from their own rows ``2i`` and ``2i + 1``."""
    tl.static_assert(x.shape[0] == 2 or x.shape[0] == 4 or x.shape[0] == 8,
                     '_shift_up takes tiles of 2, 4 or 8 rows')
    even, odd = _pairs(x)  # rows 0, 2, 4, 6 and 1, 3, 5, 7 (of 8)
    if x.shape[0] == 2:
        even_up = after[None]
    else:
        even2, odd2 = _pairs(even)  # rows 0, 4 and 2, 6
        if x.shape[0] == 4:
            even2_up = after[None]
        else:
            even4, odd4 = _pairs(even2)  # rows 0 and 4
            even2_up = _interleave(odd4, after[None])  # rows 4, after
        even_up = _interleave(odd2, even2_up)  # rows 2, 4, 6, after
    return _interleave(odd, even_up)


@triton.jit
def _steps(c, BLOCK_T: tl.constexpr, BLOCK_D: tl.constexpr):
    """The steps of chunk ``c``, (BLOCK_T, 1, BLOCK_D), the same in every
    channel."""
    return c * BLOCK_T + tl.arange(0, BLOCK_T)[:, None, None] + \
        tl.zeros([1, 1, BLOCK_D], dtype=tl.int32)


@triton.jit
def _has_bit(BLOCK_D: tl.constexpr, bit: tl.constexpr):
    """Which channels ``d`` of a block have ``bit``, (1, 1, BLOCK_D)."""
    return (tl.arange(0, BLOCK_D) & bit != 0)[None, None, :]


@triton.jit
def _halves(x, bit: tl.constexpr):
    """The rows of x (R, ..., BLOCK_D) a channel keeps and those it gives to
    channel ``d ^ bit``: rows ``2i + 1`` and ``2i`` where ``d`` has ``bit``,
    rows ``2i`` and ``2i + 1`` elsewhere; (R / 2, ..., BLOCK_D) each."""
    upper = _has_bit(x.shape[2], bit)
    even, odd = _pairs(x)
    return tl.where(upper, odd, even), tl.where(upper, even, odd)


@triton.jit
def _sum_channel_pairs(x, bit: tl.constexpr):
    """x (R, N, BLOCK_D) summed over the channels ``d`` and ``d ^ bit``, half
    its rows to a channel (those :func:`_halves` keeps): (R / 2, N,
    BLOCK_D)."""
    kept, given = _halves(x, bit)
    return kept + _swap_channels(given, bit)


@triton.jit
def _sum_channel_level(x, rows, own, bit: tl.constexpr):
    """One level of :func:`_channel_block_sum`: x summed over the channels
    ``d`` and ``d ^ bit``, its rows halved while it has two or more, else
    the sum copied to both (``own`` then drops the one with ``bit``)."""
    if x.shape[0] >= 2:
        rows, _ = _halves(rows, bit)
        return _sum_channel_pairs(x, bit), rows, own
    else:
        return x + _swap_channels(x, bit), rows, own & ~_has_bit(x.shape[2], bit)


@triton.jit
def _channel_block_sum(x, rows):
    """x (R, N, BLOCK_D) summed over its channel block, spread over the
    block's channels instead of copied to each: the sums (R', N, BLOCK_D),
    the steps they are of (R', 1, BLOCK_D), from ``rows`` (R, 1, BLOCK_D),
    the steps of x's rows, and which channels hold sums of their own (the
    others hold copies), (1, 1, BLOCK_D). The rows are halved at every lane
    pair while there are two or more (R' = R / BLOCK_D, at least 1): for 8
    steps and 8 channels, 28 shuffles and additions and 56
    selections, where sums copied to every channel take 96 shuffles and
    additions."""
    BLOCK_D: tl.constexpr = x.shape[2]
    tl.static_assert(BLOCK_D <= 16, 'channel blocks of at most 16 channels')
    own = (tl.arange(0, BLOCK_D) >= 0)[None, None, :]
    if BLOCK_D >= 16:
        x, rows, own = _sum_channel_level(x, rows, own, 8)
    if BLOCK_D >= 8:
        x, rows, own = _sum_channel_level(x, rows, own, 4)
    if BLOCK_D >= 4:
        x, rows, own = _sum_channel_level(x, rows, own, 2)
    if BLOCK_D >= 2:
        x, rows, own = _sum_channel_level(x, rows, own, 1)
    return x, rows, own


@triton.jit
def _store_channel_block_sum(out, x, b, k, c, shape, half: tl.constexpr,
                             BLOCK_T: tl.constexpr):
    """Store x (BLOCK_T, N, BLOCK_D) of chunk ``c`` summed over the
    program's channel block (:func:`_channel_block_sum`) as dB (``half`` 0)
    or dC (1) of its block in ``out``, (B, L, K, blocks, 2N) as a
    :class:`PixelMajor`."""
    height, width, dim, inv_height = shape
    N: tl.constexpr = x.shape[1]
    sums, t, own = _channel_block_sum(x, _steps(c, BLOCK_T, x.shape[2]))
    offs_n = half * N + tl.arange(0, N)[None, :, None]
    ptr = _at(out, b, _pixel(t, k, shape), k) + tl.program_id(1) * 2 * N + offs_n
    tl.store(ptr, sums, mask=(t < height * width) & own)


@triton.jit
def _decays(delta, A2):
    """The decays ``exp(delta * A)`` (BLOCK_T, N, BLOCK_D) of step sizes
    (BLOCK_T, BLOCK_D); ``A2`` is A * LOG2E."""
    return _exp2(delta[:, None, :] * A2[None, :, :])


@triton.jit
def _chunk_states(decay, delta, u, Bt, h0):
    """The states (BLOCK_T, N, BLOCK_D) of a chunk's steps from the state
    before it, h0 (N, BLOCK_D), and the inputs ``delta * u * B`` they add,
    given the steps' decays (:func:`_decays`). Rows of steps past the end are
    not used (their u, B and C are zero)."""
    inp = (delta * u)[:, None, :] * Bt[:, :, None]
    # h0 enters with the first step's input, so the scan's running products of
    # the decays go unused (and are not computed)
    first = (tl.arange(0, delta.shape[0]) == 0)[:, None, None]
    _, h_all = tl.associative_scan((decay, tl.where(first, inp + decay * h0[None, :, :], inp)), 0,
                                   _linear_recurrence)
    return inp, h_all


@triton.jit
def _right(left, right):
    return right


@triton.jit
def _left(left, right):
    return left


@triton.jit
def _last(x):
    """The last row of a (BLOCK_T, N, BLOCK_D) tile, whose rows lie in each
    thread (an ordered reduction that keeps its right operand: a register
    read there; see :func:`_first_row` for tiles laid out otherwise)."""
    return tl.reduce(x, 0, _right)


@triton.jit
def _first(x):
    """The first row of a (BLOCK_T, N, BLOCK_D) tile (as :func:`_last`)."""
    return tl.reduce(x, 0, _left)


@triton.jit
def _first_row(x):
    """The first row of a (BLOCK_T, BLOCK_D) tile, as a sum with the other rows
    zeroed: exact wherever the compiler lays the rows out (Triton spreads
    the steps of such a tile over lanes, where the ordered reduction of
    :func:`_first` gave wrong rows on the GPU)."""
    return tl.sum(tl.where((tl.arange(0, x.shape[0]) == 0)[:, None], x, 0.), 0)


@triton.jit
def _program(segments, shape, BLOCK_D: tl.constexpr, BLOCK_T: tl.constexpr):
    """Who a program (image * direction, channel block, segment) is: image
    ``b``, direction ``k``, segment ``seg`` and its chunks ``[first, end)``,
    channels ``offs_d`` (BLOCK_D) and their mask."""
    seg_chunks, _, _, _ = segments
    height, width, dim, inv_height = shape
    seg = tl.program_id(2)
    first = seg * seg_chunks
    end = tl.minimum(first + seg_chunks, tl.cdiv(height * width, BLOCK_T))
    offs_d = tl.program_id(1) * BLOCK_D + tl.arange(0, BLOCK_D)
    return tl.program_id(0) // _K, tl.program_id(0) % _K, seg, first, end, offs_d, offs_d < dim


@triton.jit
def _param_offsets(k, offs_d, dim, N: tl.constexpr):
    """Offsets of direction ``k``'s channels ``offs_d`` in A_log (N, BLOCK_D)
    and in skip and bias (BLOCK_D)."""
    return (k * dim + offs_d[None, :]) * N + tl.arange(0, N)[:, None], k * dim + offs_d


@triton.jit
def _channel_params(params, k, offs_d, mask_d, dim, N: tl.constexpr):
    """A and A * LOG2E (N, BLOCK_D), bias and skip (BLOCK_D) of channels
    ``offs_d`` in direction ``k``."""
    A_log_ptr, skip_ptr, bias_ptr = params
    offs_a, offs = _param_offsets(k, offs_d, dim, N)
    A = -tl.exp(tl.load(A_log_ptr + offs_a, mask=mask_d[None, :], other=0.))
    bias = tl.load(bias_ptr + offs, mask=mask_d, other=0.)
    skip = tl.load(skip_ptr + offs, mask=mask_d, other=0.)
    return A, A * _LOG2E, bias, skip


@triton.jit
def _summaries(segments, b, k, offs_d, dim, N: tl.constexpr):
    """Addresses of segment 0's summary of image ``b`` and direction ``k``:
    state (N, BLOCK_D) and sum of step sizes (BLOCK_D); segment ``s``'s lie
    ``s * N * dim`` and ``s * dim`` further."""
    _, num_segments, state_ptr, dsum_ptr = segments
    bk = b * _K + k
    return (state_ptr + (bk * num_segments * N + tl.arange(0, N)[:, None]) * dim +
            offs_d[None, :]), dsum_ptr + bk * num_segments * dim + offs_d


@triton.jit
def _fold(carry, seg_state, seg_dsum, s, A2, mask_d, dim, N: tl.constexpr):
    """Carry a state across segment ``s``: its decay ``exp(A * sum of step
    sizes)`` times the carry, plus the state it reaches from zero."""
    dsum = tl.load(seg_dsum + s * dim, mask=mask_d, other=0.)
    return _exp2(A2 * dsum[None, :]) * carry + tl.load(seg_state + s * N * dim,
                                                       mask=mask_d[None, :], other=0.)


@triton.jit
def _chunk_state(states_ptr, b, k, c, shape, offs_d, N: tl.constexpr, BLOCK_T: tl.constexpr):
    """Addresses of the state before chunk ``c`` in (B, K, num_chunks, N, D)."""
    height, width, dim, inv_height = shape
    num_chunks = tl.cdiv(height * width, BLOCK_T)
    return states_ptr + (((b * _K + k) * num_chunks + c) * N + tl.arange(0, N)[:, None]) * dim + \
        offs_d[None, :]


@triton.jit
def _chunk_dy(dy, b, pos, offs_d, mask):
    """dy (BLOCK_T, BLOCK_D) at pixels ``pos`` (a chunk's), float32; zeros
    where ``mask`` is not set."""
    return tl.load(_at(dy, b, pos, 0)[:, None] + offs_d[None, :], mask=mask,
                   other=0.).to(tl.float32)


@triton.jit
def _bwd_chunk_inputs(inputs, dy, states_ptr, b, k, c, offs_d, mask_d, shape, bias,
                      N: tl.constexpr, BLOCK_D: tl.constexpr, BLOCK_T: tl.constexpr,
                      SUMMARY: tl.constexpr):
    """What the backward reads for chunk ``c``: :func:`_chunk_inputs`, dy
    (BLOCK_T, BLOCK_D) and the stored state before the chunk (N, BLOCK_D;
    zeros in the summary pass, which does not use it)."""
    t = c * BLOCK_T + tl.arange(0, BLOCK_T)
    pos, mask_t, mask, u, v, Bt, Ct = _chunk_inputs(inputs, b, k, t, offs_d, mask_d, shape,
                                                    bias, N)
    dy_t = _chunk_dy(dy, b, pos, offs_d, mask)
    if SUMMARY:
        h0 = tl.zeros([N, BLOCK_D], dtype=tl.float32)
    else:
        h0 = tl.load(_chunk_state(states_ptr, b, k, c, shape, offs_d, N, BLOCK_T),
                     mask=mask_d[None, :], other=0.)
    return pos, mask_t, mask, u, v, Bt, Ct, dy_t, h0


@triton.jit
def _first_step(inputs, b, k, c, offs_d, mask_d, shape, bias, A2, BLOCK_T: tl.constexpr):
    """The step size (BLOCK_D) and decays (N, BLOCK_D) of the first step of
    chunk ``c`` (those of softplus(bias) past the end of the sequence)."""
    _, dt, _ = inputs
    _, _, _, v = _chunk_step_sizes(dt, b, k, c * BLOCK_T + tl.arange(0, BLOCK_T), offs_d,
                                   mask_d, shape, bias)
    delta, _ = _softplus(v)
    return _first_row(delta), _first(_decays(delta, A2))


# Two rules of Triton 3.6 for the kernels below: no argument may be called
# ``params`` (the launcher binds the arguments in a function with a local of
# that name), and ``_`` must not be bound before a loop that binds it again
# with another type (it would be a loop-carried variable): the tuples are
# unpacked into names, used or not.
@triton.jit
def _cross_scan_fwd_kernel(inputs, scan_params, segments, shape, y, states_ptr, dy, dbc_out,
                           N: tl.constexpr, BLOCK_D: tl.constexpr, BLOCK_T: tl.constexpr,
                           SUMMARY: tl.constexpr, WRITE_Y: tl.constexpr,
                           WRITE_STATES: tl.constexpr):
    """Program (image * direction, channel block, segment): the chunks of one
    segment of the sequence, in order (arguments: the fields of the named
    tuples above; y, dy and dbc_out are :class:`PixelMajor`'s).

    ``SUMMARY``: scan the segment from a zero state; write its end state and
    its sum of step sizes (the segment's decay is ``exp(A * sum)``).
    Otherwise start from the state the earlier segments' summaries fold to,
    and write y per direction, (B, L, K, D), or (the backward's first pass,
    ``WRITE_STATES``) the state before every chunk, (B, K, num_chunks, N, D),
    and dC of the channel block, the states times dy summed over its
    channels, into dbc_out (B, L, K, blocks, 2N).

    Tiles are (BLOCK_T, N, BLOCK_D): channels across the lanes (coalesced
    loads), time in each thread's registers (the scan runs in-thread)."""
    height, width, dim, inv_height = shape
    b, k, seg, first, end, offs_d, mask_d = _program(segments, shape, BLOCK_D, BLOCK_T)
    A, A2, bias, skip = _channel_params(scan_params, k, offs_d, mask_d, dim, N)
    seg_state, seg_dsum = _summaries(segments, b, k, offs_d, dim, N)
    offs_t = tl.arange(0, BLOCK_T)
    h = tl.zeros([N, BLOCK_D], dtype=tl.float32)
    if not SUMMARY:
        for s in range(seg):  # the state before this segment
            h = _fold(h, seg_state, seg_dsum, s, A2, mask_d, dim, N)
    dsum = tl.zeros([BLOCK_D], dtype=tl.float32)
    nxt = _chunk_inputs(inputs, b, k, first * BLOCK_T + offs_t, offs_d, mask_d, shape, bias, N)
    if WRITE_STATES:
        dy_nxt = _chunk_dy(dy, b, nxt[0], offs_d, nxt[2])
    for c in range(first, end):
        pos, mask_t, mask, u, v, Bt, Ct = nxt
        # issue the next chunk's loads before this chunk's arithmetic (the
        # last chunk reloads itself)
        nxt = _chunk_inputs(inputs, b, k, tl.minimum(c + 1, end - 1) * BLOCK_T + offs_t, offs_d,
                            mask_d, shape, bias, N)
        if WRITE_STATES:
            dy_t = dy_nxt
            dy_nxt = _chunk_dy(dy, b, nxt[0], offs_d, nxt[2])
            tl.store(_chunk_state(states_ptr, b, k, c, shape, offs_d, N, BLOCK_T), h,
                     mask=mask_d[None, :])
        delta, _ = _softplus(v)
        _, h_all = _chunk_states(_decays(delta, A2), delta, u, Bt, h)  # (BLOCK_T, N, BLOCK_D)
        if WRITE_STATES:
            _store_channel_block_sum(dbc_out, h_all * dy_t[:, None, :], b, k, c, shape, 1,
                                     BLOCK_T)
        if WRITE_Y:
            out = tl.sum(h_all * Ct[:, :, None], 1) + skip[None, :] * u
            tl.store(_at(y, b, pos, k)[:, None] + offs_d[None, :], out, mask=mask)
        if SUMMARY:
            dsum += tl.sum(tl.where(mask_t[:, None], delta, 0.), 0)
        h = _last(h_all)
    if SUMMARY:
        tl.store(seg_state + seg * N * dim, h, mask=mask_d[None, :])
        tl.store(seg_dsum + seg * dim, dsum, mask=mask_d)


@triton.jit
def _cross_scan_bwd_kernel(inputs, scan_params, segments, shape, states_ptr, dy, grads,
                           N: tl.constexpr, BLOCK_D: tl.constexpr, BLOCK_T: tl.constexpr,
                           SUMMARY: tl.constexpr):
    """Program (image * direction, channel block, segment): the adjoint
    recurrence ``g[t] = C[t] dy[t] + decay[t+1] g[t+1]`` over the chunks of
    one segment, from its end (arguments: the fields of the named tuples
    above; dy is a :class:`PixelMajor`'s, states_ptr the forward's chunk
    states).

    ``SUMMARY``: run it from a zero g after the segment; write g at the
    segment's first step and the sum of the step sizes ``delta[t+1]`` over
    the segment's steps. Otherwise start from the g the later segments'
    summaries fold to, write dx (float32) and ddt (dt's dtype) per direction
    and dB of its channel block, and add into the parameters' gradients
    (float32)."""
    seg_chunks, num_segments, seg_state_ptr, seg_dsum_ptr = segments
    height, width, dim, inv_height = shape
    dx_out, ddt_out, dbc_out, dparams = grads
    b, k, seg, first, end, offs_d, mask_d = _program(segments, shape, BLOCK_D, BLOCK_T)
    A, A2, bias, skip = _channel_params(scan_params, k, offs_d, mask_d, dim, N)
    seg_state, seg_dsum = _summaries(segments, b, k, offs_d, dim, N)
    g_next = tl.zeros([N, BLOCK_D], dtype=tl.float32)  # g at the first step of the next chunk
    if not SUMMARY:
        for i in range(num_segments - 1 - seg):  # g after this segment
            g_next = _fold(g_next, seg_state, seg_dsum, num_segments - 1 - i, A2, mask_d, dim,
                           N)
    # g_next as a row of a chunk's tile: the loop then carries it in the tiles'
    # layout (Triton would carry it in its loads', converting it twice a chunk)
    g_next = _first(tl.zeros([BLOCK_T, N, BLOCK_D], dtype=tl.float32) + g_next[None, :, :])
    dA = tl.zeros([N, BLOCK_D], dtype=tl.float32)
    dskip = tl.zeros([BLOCK_D], dtype=tl.float32)
    dbias = tl.zeros([BLOCK_D], dtype=tl.float32)
    # the step size and decays of the step after the segment: the last row of
    # the first chunk's decay[t + 1] (below)
    delta_after, decay_after = _first_step(inputs, b, k, end, offs_d, mask_d, shape, bias, A2,
                                           BLOCK_T)
    # the sum of delta[t + 1] over the segment's steps t: the segment's own
    # step sizes (summed in the loop) less its first step's, plus the step's
    # after it where that lies in the sequence
    dsum = tl.where(end * BLOCK_T < height * width, delta_after, 0.)
    nxt = _bwd_chunk_inputs(inputs, dy, states_ptr, b, k, end - 1, offs_d, mask_d, shape, bias,
                            N, BLOCK_D, BLOCK_T, SUMMARY)
    for i in range(end - first):
        pos, mask_t, mask, u, v, Bt, Ct, dy_t, h0 = nxt
        # issue the previous chunk's loads before this chunk's arithmetic (the
        # first chunk reloads itself)
        nxt = _bwd_chunk_inputs(inputs, dy, states_ptr, b, k, tl.maximum(end - 2 - i, first),
                                offs_d, mask_d, shape, bias, N, BLOCK_D, BLOCK_T, SUMMARY)
        delta, dsoftplus = _softplus(v)
        decay = _decays(delta, A2)
        if not SUMMARY:
            # recompute the states of the chunk from the stored state before it;
            # of them only the part the decay carries, decay[t] * h[t-1] =
            # h[t] - input[t], is needed (dC came with the stored states)
            inp, h_all = _chunk_states(decay, delta, u, Bt, h0)
            carried = h_all - inp
        # decay[t + 1]: this chunk's decays one row up, the first step after
        # the chunk's at the last row; then g in reverse (C and dy are zero
        # past the end, and so is g there)
        decay1 = _shift_up(decay, decay_after)
        adj = Ct[:, :, None] * dy_t[:, None, :]
        # the reverse scan as a forward scan of the flipped chunk: the steps are
        # in each thread's registers, so a flip renames registers, where
        # Triton lowers reverse=True with lane-reversing warp shuffles (640 per
        # chunk in the gradient kernel, sm_90)
        # (g after the chunk enters with the last step's adjoint input)
        last = (tl.arange(0, BLOCK_T) == BLOCK_T - 1)[:, None, None]
        adj = tl.where(last, adj + decay1 * g_next[None, :, :], adj)
        _, g = tl.associative_scan((tl.flip(decay1, 0), tl.flip(adj, 0)), 0, _linear_recurrence)
        g = tl.flip(g, 0)  # (BLOCK_T, N, BLOCK_D)
        if SUMMARY:
            dsum += tl.sum(tl.where(mask_t[:, None], delta, 0.), 0)
        else:
            g_carried = g * carried  # what reaches the step size through the decay
            gB = tl.sum(g * Bt[:, :, None], 1)
            ddelta = gB * u + tl.sum(g_carried * A[None, :, :], 1)
            dx = gB * delta + dy_t * skip[None, :]
            ddt = tl.where(mask, ddelta * dsoftplus, 0.)
            tl.store(_at(dx_out, b, pos, k)[:, None] + offs_d[None, :], dx, mask=mask)
            tl.store(_at(ddt_out, b, pos, k)[:, None] + offs_d[None, :], ddt, mask=mask)
            # this channel block's dB (BLOCK_T, N)
            _store_channel_block_sum(dbc_out, g * (delta * u)[:, None, :], b, k, end - 1 - i,
                                     shape, 0, BLOCK_T)
            dA += tl.sum(g_carried * delta[:, None, :], 0)
            dskip += tl.sum(dy_t * u, 0)
            dbias += tl.sum(ddt, 0)
        g_next = _first(g)
        decay_after = _first(decay)
    if SUMMARY:
        dsum -= _first_step(inputs, b, k, first, offs_d, mask_d, shape, bias, A2, BLOCK_T)[0]
        tl.store(seg_state + seg * N * dim, g_next, mask=mask_d[None, :])
        tl.store(seg_dsum + seg * dim, dsum, mask=mask_d)
    else:
        offs_a, offs = _param_offsets(k, offs_d, dim, N)
        # dA_log = dA * dA/dA_log = dA * A
        dA_log_ptr, dskip_ptr, dbias_ptr = dparams
        tl.atomic_add(dA_log_ptr + offs_a, dA * A, mask=mask_d[None, :])
        tl.atomic_add(dskip_ptr + offs, dskip, mask=mask_d)
        tl.atomic_add(dbias_ptr + offs, dbias, mask=mask_d)


def _cdiv(a: int, b: int) -> int:
    """``ceil(a / b)`` for the host code (``triton.cdiv`` costs microseconds a call)."""
    return -(-a // b)


def _check_inputs(x: Tensor, dt_low: Tensor, dt_weight: Tensor, bc: Tensor, A_log: Tensor,
                  skip: Tensor, bias: Tensor, height: int, width: int):
    batch, length, dim = x.shape
    if length != height * width:
        raise ValueError(f'cross scan: x has {length} pixels, expected {height}x{width}')
    rank = dt_weight.shape[-1]
    if tuple(dt_weight.shape) != (NUM_DIRECTIONS, dim, rank):
        raise ValueError(f'cross scan: dt_weight must be (4, {dim}, rank), '
                         f'got {tuple(dt_weight.shape)}')
    if tuple(dt_low.shape) != (batch, length, NUM_DIRECTIONS, rank):
        raise ValueError(f'cross scan: dt_low must be {(batch, length, NUM_DIRECTIONS, rank)}, '
                         f'got {tuple(dt_low.shape)}')
    d_state = A_log.shape[-1]
    if tuple(bc.shape) != (batch, length, NUM_DIRECTIONS, 2 * d_state):
        raise ValueError(f'cross scan: bc must be {(batch, length, NUM_DIRECTIONS, 2 * d_state)},'
                         f' got {tuple(bc.shape)}')
    per_direction = dict(A_log=(A_log, dim * d_state), skip=(skip, dim), bias=(bias, dim))
    for name, (t, numel) in per_direction.items():
        numel *= NUM_DIRECTIONS
        if t.numel() != numel:
            raise ValueError(f'cross scan: {name} must hold {numel} elements (4 directions of '
                             f'{dim} channels), got {tuple(t.shape)}')
    if d_state & (d_state - 1):
        raise ValueError(f'the Triton cross scan needs a power-of-two state size, got {d_state}')


def _step_sizes(dt_low: Tensor, dt_weight: Tensor) -> Tensor:
    """Raw step sizes (B, L, K, D) of their projection (B, L, K, R) and its
    weights (K, D, R), in the projection's dtype with or without autocast:
    the backward computes them again, where autocast is off."""
    with torch.autocast(dt_low.device.type, enabled=False):
        return torch.einsum('blkr,kdr->blkd', dt_low, dt_weight.to(dt_low.dtype))


def _step_size_weight_grad(ddt: Tensor, dt_low: Tensor) -> Tensor:
    """dt_weight's gradient (K, D, R), in ddt's dtype, from ddt (B, L, K, D)
    and dt_low (B, L, K, R): per direction a product over the B * L pixels.
    For rows of R elements whose bytes are not a multiple of 16 (dt_rank 12
    in bf16: the 192-channel decoder stage) cuBLAS runs those products with
    a slow kernel (965 against 89 us on an H100, docs/benchmark.md); they
    take one product of all directions instead, (K * D, K * R): four times
    the arithmetic on aligned rows, of which the diagonal blocks are kept."""
    batch, length, k, dim = ddt.shape
    rank = dt_low.shape[-1]
    if rank * dt_low.element_size() % 16 == 0:
        return torch.einsum('blkd,blkr->kdr', ddt, dt_low)
    full = ddt.reshape(batch * length, k * dim).t() @ dt_low.reshape(batch * length, k * rank)
    # (K*D, K*R) -> the blocks of one direction's rows and columns, (D, R, K) -> (K, D, R)
    return torch.diagonal(full.view(k, dim, k, rank), dim1=0, dim2=2).permute(2, 0, 1)


def _plain_tuples(value):
    """``value`` with every named tuple in it made a plain tuple of its fields:
    the kernels unpack their arguments by position, and plain tuples are the
    form the CUDA tests ran with (Triton 3.6)."""
    if isinstance(value, tuple):
        return tuple(_plain_tuples(v) for v in value)
    return value


def _unit_last_stride(t: Tensor) -> Tensor:
    """``t`` itself when its last dimension is contiguous, else a copy: the
    kernels take any other strides. The operators' callers below make these
    copies before calling them, where the compiler traces the copies and can
    fuse them into the kernels that produce the tensors, and where the
    forward's copy of x is what autograd saves for the backward; inside the
    operators the same call then finds nothing to copy."""
    return t if t.stride(-1) == 1 else t.contiguous()


class CrossSelectiveScan:
    """Host code of the fused four-direction scan: its tile sizes, the split
    of a sequence into segments, and the kernel launches of the forward and
    the backward (shapes in the module docstring). Inputs may be float32 or
    bfloat16/float16; the recurrence runs in float32 and y is float32."""

    # steps per chunk, and (channels per program, warps, pipeline stages) of
    # the forward's passes and the backward's (its states pass, which writes
    # dC per channel block as the gradient pass writes dB, included): the
    # fastest of sweeps on an H200 and an H100 (docs/scan_kernels.md)
    block_t = 8
    fwd_tiles = (8, 1, 1)
    bwd_tiles = (8, 1, 1)
    # a forward of fewer programs than this is split into segments of the
    # sequence, as many as bring it to about min_programs
    split_below = 1024
    min_programs = 8192

    @staticmethod
    def segments(batch: int, dim: int, length: int) -> Tuple[int, int]:
        """Chunks per segment and number of segments S of a scan: one segment
        when the forward has ``split_below`` programs or more, else as many
        equal segments as bring them to ``min_programs``, at most one per
        chunk."""
        num_chunks = _cdiv(length, CrossSelectiveScan.block_t)
        programs = batch * NUM_DIRECTIONS * _cdiv(dim, CrossSelectiveScan.fwd_tiles[0])
        wanted = 1 if programs >= CrossSelectiveScan.split_below else min(
            num_chunks, _cdiv(CrossSelectiveScan.min_programs, programs))
        seg_chunks = _cdiv(num_chunks, wanted)
        return seg_chunks, _num_segments(length, seg_chunks)

    @staticmethod
    def max_images(x: Tensor, dt_low: Tensor, bc: Tensor, d_state: int, backward: bool) -> int:
        """How many images one launch can take: every buffer the kernels index
        (the inputs as strided; dt and y, (B, L, K, D); with ``backward`` also
        dx and ddt, the same size, the chunk states, (B, K, num_chunks, N, D), and dB
        and dC per channel block, (B, L, K, blocks, 2N)) must stay within
        ``MAX_ELEMENTS`` (32-bit offsets)."""
        _, length, dim = x.shape
        per_image = length * NUM_DIRECTIONS * dim
        if backward:
            num_chunks = _cdiv(length, CrossSelectiveScan.block_t)
            blocks = _cdiv(dim, CrossSelectiveScan.bwd_tiles[0])
            per_image = max(per_image, NUM_DIRECTIONS * num_chunks * d_state * dim,
                            length * NUM_DIRECTIONS * blocks * 2 * d_state)
        images = MAX_ELEMENTS // per_image
        for t in (x, dt_low, bc):
            # the last offset within one image, then one batch stride per image
            batch_stride, *strides = t.stride()
            last = sum((n - 1) * s for n, s in zip(t.shape[1:], strides))
            if last >= MAX_ELEMENTS:
                return 0
            if batch_stride:
                images = min(images, (MAX_ELEMENTS - 1 - last) // batch_stride + 1)
        return images

    @staticmethod
    def _segments(x: Tensor, d_state: int, seg_chunks: int) -> Segments:
        """Segments of ``seg_chunks`` chunks over x's sequence with empty
        float32 summaries: states (B, K, S, N, D), step sums (B, K, S, D)."""
        batch, length, dim = x.shape
        count = _num_segments(length, seg_chunks)
        state = x.new_empty((batch, NUM_DIRECTIONS, count, d_state, dim), dtype=torch.float32)
        return Segments(seg_chunks, count, state, state.new_empty(state.shape[:3] + (dim, )))

    @staticmethod
    def _unsummed_grads(x: Tensor, bc: Tensor) -> Tuple[Tensor, Tensor]:
        """Empty float32 buffers of the gradients the backward returns
        unsummed: x's per direction, (B, L, K, D), and bc's per channel block
        of the backward's tiles, (B, L, K, blocks, 2N)."""
        batch, length, dim = x.shape
        blocks = _cdiv(dim, CrossSelectiveScan.bwd_tiles[0])
        return (x.new_empty((batch, length, NUM_DIRECTIONS, dim), dtype=torch.float32),
                x.new_empty(bc.shape[:3] + (blocks, bc.shape[3]), dtype=torch.float32))

    @staticmethod
    def _launch(kernel, tiles, inputs: ScanInputs, params: ScanParams, segments: Segments,
                shape: MapShape, *args, **meta):
        """Launch ``kernel`` on grid (batch * directions, channel blocks, segments)."""
        block_d, num_warps, num_stages = tiles
        grid = (inputs.x.ptr.shape[0] * NUM_DIRECTIONS, _cdiv(shape.dim, block_d),
                segments.count)
        kernel[grid](*_plain_tuples((inputs, params, segments, shape) + args),
                     N=params.A_log.shape[-1], BLOCK_D=block_d, BLOCK_T=CrossSelectiveScan.block_t,
                     num_warps=num_warps, num_stages=num_stages, **meta)

    @staticmethod
    def _operands(x: Tensor, dt_low: Tensor, dt_weight: Tensor, bc: Tensor, A_log: Tensor,
                  skip: Tensor, bias: Tensor, height: int,
                  width: int) -> Tuple[ScanInputs, ScanParams, MapShape]:
        """What both passes hand the kernels: the per-pixel inputs (dt
        computed from its projection), the parameters in float32 and the
        map's shape."""
        dt = _step_sizes(dt_low, dt_weight)
        x, bc = _unit_last_stride(x), _unit_last_stride(bc)
        params = ScanParams(*(p.float().contiguous() for p in (A_log, skip, bias)))
        inputs = ScanInputs(PixelMajor.of(x), PixelMajor.of(dt), PixelMajor.of(bc))
        return inputs, params, MapShape.of(height, width, x.shape[2])

    @staticmethod
    def forward(x: Tensor, dt_low: Tensor, dt_weight: Tensor, bc: Tensor, A_log: Tensor,
                skip: Tensor, bias: Tensor, height: int, width: int,
                seg_chunks: int) -> Tuple[Tensor, Tensor, Tensor]:
        """y (B, L, D), float32, and the segments' summaries the backward
        starts from: states (B, K, S, N, D) and sums of step sizes (B, K, S,
        D), for segments of ``seg_chunks`` chunks."""
        _check_inputs(x, dt_low, dt_weight, bc, A_log, skip, bias, height, width)
        inputs, params, shape = CrossSelectiveScan._operands(x, dt_low, dt_weight, bc, A_log,
                                                             skip, bias, height, width)
        batch, length, dim = x.shape
        segments = CrossSelectiveScan._segments(x, A_log.shape[-1], seg_chunks)
        y = x.new_empty((batch, length, NUM_DIRECTIONS, dim), dtype=torch.float32)
        launch = functools.partial(CrossSelectiveScan._launch, _cross_scan_fwd_kernel,
                                   CrossSelectiveScan.fwd_tiles, inputs, params, segments, shape,
                                   PixelMajor.of(y), y, PixelMajor.of(y), PixelMajor.of(y),
                                   WRITE_STATES=False)
        # y stands in for the states pointer, dy and dB/dC, which no launch here uses
        if segments.count > 1:
            launch(SUMMARY=True, WRITE_Y=False)
        launch(SUMMARY=False, WRITE_Y=True)
        return y.sum(2), segments.state, segments.dsum  # y: (B, L, K, D) -> (B, L, D)

    @staticmethod
    def backward(dy: Tensor, x: Tensor, dt_low: Tensor, dt_weight: Tensor, bc: Tensor,
                 A_log: Tensor, skip: Tensor, bias: Tensor, seg_state: Tensor, seg_dsum: Tensor,
                 height: int, width: int, seg_chunks: int) -> Tuple[Tensor, ...]:
        """Gradients from dy (B, L, D) and the forward's inputs and summaries:
        of x per direction, (B, L, K, D), and of bc per channel block, (B, L,
        K, blocks, 2N), both float32 and summed by the op's autograd formula
        (in the code the compiler traces, where the sums fuse with what uses
        them); of dt_low, dt_weight, A_log, skip and bias in their inputs'
        dtypes. All contiguous."""
        weight = dt_weight.to(dt_low.dtype)  # cast once: (K, D, R) is large where D is
        inputs, params, shape = CrossSelectiveScan._operands(x, dt_low, weight, bc, A_log, skip,
                                                             bias, height, width)
        batch, length, dim = x.shape
        d_state = A_log.shape[-1]
        # the adjoint's summaries, split as the forward's
        adjoint = CrossSelectiveScan._segments(x, d_state, seg_chunks)
        num_chunks = _cdiv(length, CrossSelectiveScan.block_t)
        dy = PixelMajor.of(_unit_last_stride(dy))
        # the state before every chunk, (B, K, num_chunks, N, D), and dB and dC
        # of every channel block; the first pass writes the states and dC, the
        # last dB
        states = x.new_empty((batch, NUM_DIRECTIONS, num_chunks, d_state, dim),
                             dtype=torch.float32)
        tiles = CrossSelectiveScan.bwd_tiles
        dx, dbc = CrossSelectiveScan._unsummed_grads(x, bc)
        # a PixelMajor of states stands in for y, which this launch does not write
        CrossSelectiveScan._launch(_cross_scan_fwd_kernel, tiles, inputs, params,
                                   adjoint._replace(state=seg_state, dsum=seg_dsum), shape,
                                   PixelMajor.of(states), states, dy, PixelMajor.of(dbc),
                                   SUMMARY=False, WRITE_Y=False, WRITE_STATES=True)
        ddt = torch.empty_like(dx, dtype=inputs.dt.ptr.dtype)  # the kernel rounds to dt's dtype
        dparams = ScanParams(*(torch.zeros_like(p) for p in params))
        grads = ScanGrads(PixelMajor.of(dx), PixelMajor.of(ddt), PixelMajor.of(dbc), dparams)
        launch = functools.partial(CrossSelectiveScan._launch, _cross_scan_bwd_kernel, tiles,
                                   inputs, params, adjoint, shape, states, dy, grads)
        if adjoint.count > 1:
            launch(SUMMARY=True)
        launch(SUMMARY=False)
        ddt_low = torch.einsum('blkd,kdr->blkr', ddt, weight)
        ddt_weight = _step_size_weight_grad(ddt, dt_low)
        grads = (ddt_low, ddt_weight) + tuple(dparams)
        differentiated = (dt_low, dt_weight, A_log, skip, bias)
        dt_low_grad, dt_weight_grad, *param_grads = (
            g.to(t.dtype).contiguous() for g, t in zip(grads, differentiated))
        return (dx, dt_low_grad, dt_weight_grad, dbc, *param_grads)


def _num_segments(length: int, seg_chunks: int) -> int:
    """Segments of ``seg_chunks`` chunks in a sequence of ``length`` steps."""
    return _cdiv(_cdiv(length, CrossSelectiveScan.block_t), seg_chunks)


# The scan as two custom operators: torch.compile keeps them in its graphs as
# opaque calls (their fakes give the outputs' shapes, strides and dtypes), with
# no graph break around them, and hands them their inputs with the strides
# eager PyTorch gives (needs_exact_strides); autograd calls the backward one.
# Their callers hand them x, bc and dy with a unit last stride (_unit_last_stride).
@torch.library.custom_op('msm_mm::cross_selective_scan', mutates_args=(),
                         tags=(torch.Tag.needs_exact_strides, ))
def _scan_op(x: Tensor, dt_low: Tensor, dt_weight: Tensor, bc: Tensor, A_log: Tensor,
             skip: Tensor, bias: Tensor, height: int, width: int,
             seg_chunks: int) -> Tuple[Tensor, Tensor, Tensor]:
    return CrossSelectiveScan.forward(x, dt_low, dt_weight, bc, A_log, skip, bias, height, width,
                                      seg_chunks)


@_scan_op.register_fake
def _(x, dt_low, dt_weight, bc, A_log, skip, bias, height, width, seg_chunks):
    segments = CrossSelectiveScan._segments(x, A_log.shape[-1], seg_chunks)
    return x.new_empty(x.shape, dtype=torch.float32), segments.state, segments.dsum


@torch.library.custom_op('msm_mm::cross_selective_scan_backward', mutates_args=(),
                         tags=(torch.Tag.needs_exact_strides, ))
def _scan_backward_op(dy: Tensor, x: Tensor, dt_low: Tensor, dt_weight: Tensor, bc: Tensor,
                      A_log: Tensor, skip: Tensor, bias: Tensor, seg_state: Tensor,
                      seg_dsum: Tensor, height: int, width: int,
                      seg_chunks: int) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor,
                                                Tensor]:
    return CrossSelectiveScan.backward(dy, x, dt_low, dt_weight, bc, A_log, skip, bias,
                                       seg_state, seg_dsum, height, width, seg_chunks)


@_scan_backward_op.register_fake
def _(dy, x, dt_low, dt_weight, bc, A_log, skip, bias, seg_state, seg_dsum, height, width,
      seg_chunks):
    dx, dbc = CrossSelectiveScan._unsummed_grads(x, bc)
    dt_low_grad, dt_weight_grad, *param_grads = (
        torch.empty_like(t, memory_format=torch.contiguous_format)
        for t in (dt_low, dt_weight, A_log, skip, bias))
    return (dx, dt_low_grad, dt_weight_grad, dbc, *param_grads)


def _save_for_backward(ctx, inputs, output):
    *tensors, height, width, seg_chunks = inputs
    _, seg_state, seg_dsum = output
    ctx.mark_non_differentiable(seg_state, seg_dsum)
    ctx.save_for_backward(*tensors, seg_state, seg_dsum)
    ctx.map_and_split = (height, width, seg_chunks)


def _backward(ctx, dy, _state_grad, _dsum_grad):
    x, _, _, bc, *_ = ctx.saved_tensors
    dx, dt_low_grad, dt_weight_grad, dbc, *param_grads = _scan_backward_op(
        _unit_last_stride(dy), *ctx.saved_tensors, *ctx.map_and_split)
    # over the directions, (B, L, K, D) -> (B, L, D), and the channel blocks,
    # (B, L, K, blocks, 2N) -> (B, L, K, 2N)
    x_grad, bc_grad = dx.sum(2).to(x.dtype), dbc.sum(3).to(bc.dtype)
    # height, width, seg_chunks: no gradient
    return (x_grad, dt_low_grad, dt_weight_grad, bc_grad, *param_grads, None, None, None)


_scan_op.register_autograd(_backward, setup_context=_save_for_backward)


def _scan(x: Tensor, dt_low: Tensor, dt_weight: Tensor, bc: Tensor, A_log: Tensor, skip: Tensor,
          bias: Tensor, height: int, width: int) -> Tensor:
    """y (B, L, D) of one launch of the op, split into segments as
    :meth:`CrossSelectiveScan.segments` says."""
    seg_chunks, _ = CrossSelectiveScan.segments(x.shape[0], x.shape[2], x.shape[1])
    x, bc = _unit_last_stride(x), _unit_last_stride(bc)
    return _scan_op(x, dt_low, dt_weight, bc, A_log, skip, bias, height, width, seg_chunks)[0]


def cross_selective_scan(x: Tensor, dt_low: Tensor, dt_weight: Tensor, bc: Tensor,
                         A_log: Tensor, skip: Tensor, bias: Tensor, height: int,
                         width: int) -> Tensor:
    """Selective scan of a channels-last map along the four SS2D directions,
    summed (shapes in the module docstring).

    Args:
        x (Tensor): The map, (B, H*W, D).
        dt_low (Tensor): The step sizes' low-rank projection, (B, H*W, 4, R).
        dt_weight (Tensor): Its weights, (4, D, R): the raw step sizes are
            ``dt = dt_low @ dt_weight^T`` per direction, (B, H*W, 4, D), and
            softplus(dt + bias) is the step.
        bc (Tensor): B and C of each direction, (B, H*W, 4, 2N).
        A_log (Tensor): Logarithms of minus the state matrices, (4, D, N)
            or (4*D, N): A = -exp(A_log).
        skip (Tensor): Skip weights D, (4, D) or (4*D, ).
        bias (Tensor): Step-size biases, (4, D) or (4*D, ).
        height (int): H.
        width (int): W.

    Returns:
        Tensor: (B, H*W, D), float32.

    Raises:
        ValueError: When the map has more than :data:`MAX_PIXELS` pixels, or
            a single image's buffers exceed the kernels' 32-bit offsets
            (batches that do are split; without autograd, by the forward's
            buffers alone).
    """
    if height * width > MAX_PIXELS:
        raise ValueError(f'cross scan: the Triton kernels take maps of at most {MAX_PIXELS} '
                         f'pixels, got {height}x{width}; use scan_backend "mamba_ssm" or '
                         f'"torch"')
    backward = torch.is_grad_enabled() and any(
        t.requires_grad for t in (x, dt_low, dt_weight, bc, A_log, skip, bias))
    images = CrossSelectiveScan.max_images(x, dt_low, bc, A_log.shape[-1], backward)
    if images < 1:
        raise ValueError(f'cross scan: one {height}x{width} map of {x.shape[2]} channels needs '
                         f'buffers larger than the Triton kernels\' 32-bit offsets reach '
                         f'({MAX_ELEMENTS} elements); use scan_backend "mamba_ssm" or "torch"')
    if x.shape[0] <= images:
        return _scan(x, dt_low, dt_weight, bc, A_log, skip, bias, height, width)
    # a batch whose buffers the offsets cannot reach is scanned in parts
    return torch.cat([
        _scan(x[i:i + images], dt_low[i:i + images], dt_weight, bc[i:i + images], A_log, skip,
              bias, height, width) for i in range(0, x.shape[0], images)
    ])
