"""Parity for modules of several inputs (Bilinear, distances, losses): the same module in
shenjing and PyTorch, torch's weights copied in, the same float64 inputs; forward, every
input gradient and every parameter gradient agree, and ``gradcheck`` passes on the floating
inputs and the parameters."""

import numpy as np

import shenjing as sj
from shenjing.autograd import gradcheck

from .parity import copy_weights


class Const:
    """An input passed as a tensor that requires no gradient (a target torch refuses to
    differentiate)."""

    def __init__(self, array):
        self.array = np.asarray(array)


def _pair(value, torch):
    if isinstance(value, Const):
        return sj.tensor(value.array), torch.tensor(value.array)
    if isinstance(value, np.ndarray):
        floating = value.dtype.kind == "f"
        return (sj.tensor(value, requires_grad=floating),
                torch.tensor(value, requires_grad=floating))
    return value, value


def module_parity(ours, theirs, inputs, torch, rtol=1e-9, atol=1e-11):
    """Compare ``ours(*inputs)`` with ``theirs(*inputs)`` (float64) and their gradients."""
    theirs.double()
    ours.to(sj.float64)
    copy_weights(theirs, ours)
    pairs = [_pair(np.asarray(v) if isinstance(v, (np.ndarray, list)) else v, torch)
             for v in inputs]
    out = ours(*[p[0] for p in pairs])
    expected = theirs(*[p[1] for p in pairs])
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(1).standard_normal(out.shape)
    (out * sj.tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    for i, (a, b) in enumerate(pairs):
        if isinstance(a, sj.Tensor) and a.requires_grad:
            if a.grad is None:     # a discrete target (+-1 labels): no gradient, or torch's 0
                assert b.grad is None or not b.grad.any(), f"input {i} has no gradient"
                continue
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"gradient of input {i}")
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"gradient of {name}")
    return out


def module_gradcheck(ours, inputs, tol=1e-6):
    """gradcheck of ``ours`` in float64 over its floating inputs and its parameters (the
    parameters are perturbed in place, as the inputs)."""
    ours.to(sj.float64)
    params = [p for _, p in ours.named_parameters()]
    values = [sj.tensor(v, requires_grad=v.dtype.kind == "f") if isinstance(v, np.ndarray)
              else sj.tensor(v.array) if isinstance(v, Const) else v for v in inputs]
    k = len(values)
    # a weighting seed of its own: the tests draw their inputs from seed 0
    result = gradcheck(lambda *args: ours(*args[:k]), tuple(values + params), tol=tol,
                       seed=12345)
    assert result, str(result)
    return result
