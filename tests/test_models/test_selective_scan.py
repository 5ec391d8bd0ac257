import pytest
import torch

from msm_mm.models.ops import selective_scan, selective_scan_flops, selective_scan_reference


def recurrence_float64(u, delta, A, B, C, D, delta_bias):
    """The scan written as its definition: one time step at a time, float64."""
    u, delta, A, B, C, D, delta_bias = (t.double() for t in (u, delta, A, B, C, D, delta_bias))
    batch, dim, length = u.shape
    per_group = dim // B.shape[1]
    delta = torch.nn.functional.softplus(delta + delta_bias[None, :, None])
    y = torch.zeros_like(u)
    for b in range(batch):
        for d in range(dim):
            g = d // per_group
            h = torch.zeros(A.shape[1], dtype=torch.float64)
            for t in range(length):
                step = delta[b, d, t]
                h = torch.exp(step * A[d]) * h + step * B[b, g, :, t] * u[b, d, t]
                y[b, d, t] = (C[b, g, :, t] * h).sum() + D[d] * u[b, d, t]
    return y


def random_scan_inputs(batch=2, dim=6, length=37, groups=2, d_state=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(batch, dim, length, generator=g)
    delta = torch.randn(batch, dim, length, generator=g) * 0.5
    A = -torch.rand(dim, d_state, generator=g) * 4 - 0.1
    B = torch.randn(batch, groups, d_state, length, generator=g)
    C = torch.randn(batch, groups, d_state, length, generator=g)
    D = torch.randn(dim, generator=g)
    delta_bias = torch.randn(dim, generator=g) * 0.1
    return u, delta, A, B, C, D, delta_bias


@pytest.mark.parametrize('length', [1, 2, 37, 64])
def test_torch_scan_equals_float64_recurrence(length):
    u, delta, A, B, C, D, bias = random_scan_inputs(length=length)
    expected = recurrence_float64(u, delta, A, B, C, D, bias)
    out = selective_scan(u, delta, A, B, C, D, bias, delta_softplus=True, backend='torch')
    assert out.shape == u.shape
    torch.testing.assert_close(out.double(), expected, rtol=1e-4, atol=1e-4)


def test_recomputing_backward_equals_autograd_of_reference():
    inputs = [t.requires_grad_() for t in random_scan_inputs(length=23)]
    out = selective_scan(*inputs, delta_softplus=True, backend='torch')
    grad_out = torch.randn_like(out)
    grads = torch.autograd.grad(out, inputs, grad_out)
    ref = selective_scan_reference(*inputs, delta_softplus=True)
    ref_grads = torch.autograd.grad(ref, inputs, grad_out)
    for got, want in zip(grads, ref_grads):
        assert got.abs().sum() > 0
        torch.testing.assert_close(got, want)


def test_length_one_gives_zero_state_gradient():
    # with one step the decay never multiplies a state: A's gradient is 0, not missing
    inputs = [t.requires_grad_() for t in random_scan_inputs(length=1)]
    out = selective_scan(*inputs, delta_softplus=True, backend='torch')
    grads = torch.autograd.grad(out.sum(), inputs)
    assert torch.equal(grads[2], torch.zeros_like(inputs[2]))
    assert grads[0].abs().sum() > 0


def test_backend_errors():
    inputs = random_scan_inputs(length=4)
    with pytest.raises(ValueError, match='unknown scan backend'):
        selective_scan(*inputs, backend='triton')
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="'mamba_ssm'"):
            selective_scan(*inputs, backend='mamba_ssm')


def test_auto_backend_on_cpu_uses_torch():
    inputs = random_scan_inputs(length=9)
    torch.testing.assert_close(
        selective_scan(*inputs, delta_softplus=True),
        selective_scan_reference(*inputs, delta_softplus=True))


def test_flops_formula():
    # 9 * B * L * D * N + B * D * L
    assert selective_scan_flops(2, 3, 5, 16) == 9 * 2 * 5 * 3 * 16 + 2 * 3 * 5
