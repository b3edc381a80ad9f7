"""Property tests: for random broadcast-compatible shapes, the gradient of add, sub, mul,
div, maximum and where with respect to each input has that input's shape and equals the
elementwise gradient summed over the broadcast axes (and PyTorch's, where installed)."""

import numpy
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import shenjing as sj

# the derivative of y = op(a, b) with respect to a and b, elementwise on broadcast arrays
LOCAL = {
    "add": lambda a, b, c: (numpy.ones_like(a), numpy.ones_like(b)),
    "sub": lambda a, b, c: (numpy.ones_like(a), -numpy.ones_like(b)),
    "mul": lambda a, b, c: (b, a),
    "div": lambda a, b, c: (1 / b, -a / b ** 2),
    "maximum": lambda a, b, c: ((a > b).astype(a.dtype), (b > a).astype(a.dtype)),
    "where": lambda a, b, c: (c.astype(a.dtype), (~c).astype(a.dtype)),
}
OURS = {"add": sj.add, "sub": sj.sub, "mul": sj.mul, "div": sj.div, "maximum": sj.maximum,
        "where": lambda a, b, c: sj.where(c, a, b)}


def unbroadcast(g, shape):
    """Sum g over the axes that broadcasting added or stretched, written independently of
    the library's helper."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


def _inputs(op, shapes, seed):
    rng = numpy.random.default_rng(seed)
    sa, sb, sc = shapes.input_shapes
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb)
    if op == "div":
        b = numpy.sign(b + 1e-9) * (0.5 + numpy.abs(b))  # away from zero
    if op == "maximum":
        # a on the grid 0.1 k + 0.025, b on 0.1 k - 0.025: never equal, so no ties (where
        # the subgradient is a convention)
        a = numpy.round(a, 1) + 0.025
        b = numpy.round(b, 1) - 0.025
    c = rng.random(sc) < 0.5
    return numpy.asarray(a), numpy.asarray(b), numpy.asarray(c)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(LOCAL)), seed=st.integers(0, 2 ** 16),
       dtype=st.sampled_from(["float64", "float32"]))
def test_broadcast_gradients(shapes, op, seed, dtype):
    a, b, c = _inputs(op, shapes, seed)
    a, b = a.astype(dtype), b.astype(dtype)
    if op != "where":
        c = numpy.ones((), bool)
    out_shape = numpy.broadcast_shapes(a.shape, b.shape, c.shape)
    w = numpy.random.default_rng(seed + 1).standard_normal(out_shape).astype(dtype)

    x, y = sj.tensor(a, requires_grad=True), sj.tensor(b, requires_grad=True)
    out = OURS[op](x, y, sj.tensor(c)) if op == "where" else OURS[op](x, y)
    assert out.shape == out_shape and out.dtype == dtype
    (out * sj.tensor(w)).sum().backward()
    assert x.grad.shape == a.shape and y.grad.shape == b.shape
    assert x.grad.dtype == dtype and y.grad.dtype == dtype

    full = [numpy.broadcast_to(v, out_shape) for v in (a, b, c)]
    da, db = LOCAL[op](*full)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-5)
    numpy.testing.assert_allclose(x.grad.array, unbroadcast(w * da, a.shape), **tol)
    numpy.testing.assert_allclose(y.grad.array, unbroadcast(w * db, b.shape), **tol)

    try:
        import torch
    except ImportError:
        return
    tx = torch.tensor(a, requires_grad=True)
    ty = torch.tensor(b, requires_grad=True)
    tc = torch.from_numpy(c)
    reference = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
                 "maximum": torch.maximum, "where": lambda p, q, r: torch.where(r, p, q)}[op]
    tout = reference(tx, ty, tc) if op == "where" else reference(tx, ty)
    (tout * torch.from_numpy(w)).sum().backward()
    numpy.testing.assert_allclose(x.grad.array, tx.grad.numpy(), **tol)
    numpy.testing.assert_allclose(y.grad.array, ty.grad.numpy(), **tol)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
def test_sum_to_inverts_broadcasting(shapes):
    from shenjing.ops._helpers import sum_to
    out_shape = shapes.result_shape
    g = numpy.arange(numpy.prod(out_shape, dtype=int), dtype=float).reshape(out_shape)
    for shape in shapes.input_shapes:
        numpy.testing.assert_array_equal(sum_to(g, shape), unbroadcast(g, shape))
        assert sum_to(g, shape).shape == shape
