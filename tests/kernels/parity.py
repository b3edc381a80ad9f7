"""Run one computation with the kernels and with the NumPy reference, and compare.

``run(fn, arrays)`` makes a tensor of each array (its memory layout kept: ``from_numpy``
does not copy), calls ``fn`` on them, backpropagates a fixed random gradient from the
output and returns the output's array and every input's gradient.  ``assert_parity``
does that in both modes and compares: the kernels compute the same math in another order
(and with float32 polynomials for exp), so values agree to a few ulp, not bit for bit.
"""

import contextlib

import numpy as np

import shenjing
from shenjing import kernels

TOLERANCE = {np.dtype(np.float32): dict(rtol=2e-5, atol=1e-5),
             np.dtype(np.float64): dict(rtol=1e-11, atol=1e-12)}


def run(fn, arrays, reference=False, grad=True):
    tensors = [shenjing.from_numpy(a.copy(order="K") if isinstance(a, np.ndarray) else a)
               for a in arrays]
    for t in tensors:
        if grad and t.array.dtype.kind == "f":
            t.requires_grad_(True)
    with kernels.reference() if reference else contextlib.nullcontext():
        y = fn(*tensors)
        gy = np.random.default_rng(7).standard_normal(y.shape).astype(y.array.dtype)
        if grad:
            y.backward(shenjing.from_numpy(np.asarray(gy)))
    grads = [t.grad.numpy() if t.grad is not None else None for t in tensors]
    return y.array.copy(order="K"), grads


def assert_parity(fn, arrays, grad=True, tolerance=None):
    """fn's output and input gradients agree between the kernels and the reference; the
    output keeps the reference's memory layout.  Returns both results."""
    fast = run(fn, arrays, grad=grad)
    slow = run(fn, arrays, reference=True, grad=grad)
    dtype = slow[0].dtype
    tol = tolerance or TOLERANCE[dtype]
    assert fast[0].dtype == dtype and fast[0].shape == slow[0].shape
    np.testing.assert_allclose(fast[0], slow[0], **tol)
    for a, b in zip(fast[1], slow[1]):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_allclose(a, b, **tol)
    return fast, slow


@contextlib.contextmanager
def counting(module, name):
    """Within the block, the calls of ``module.<name>`` (a kernel module's function) are
    recorded: yields the list of their argument tuples."""
    calls = []
    original = getattr(module, name)

    def spy(*args):
        calls.append(args)
        return original(*args)
    setattr(module, name, spy)
    try:
        yield calls
    finally:
        setattr(module, name, original)
