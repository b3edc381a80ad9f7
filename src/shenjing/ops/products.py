"""Products built on ``matmul``: mm, bmm, dot, inner, outer, tensordot, addmm, baddbmm,
and the 3-vector cross product.

Each is a short composition of matmul, mul, reshape and permute, so each gets its
gradient from those ops: tensordot moves the summed dims of a to the end and of b to the
front, and is one (rows, n) @ (n, cols) product.
"""

import numpy

from ._helpers import as_tensor, axis, expect
from .arithmetic import mul, sub
from .linalg import matmul
from .shape import broadcast_to, permute, reshape, stack


def _tensors(op, *xs):
    xs = [as_tensor(x) for x in xs]
    if len({x.dtype for x in xs}) > 1:
        from .shape import _same_dtype
        xs = _same_dtype(xs)
    return xs


def mm(input, mat2):  # noqa: A002 - torch's names
    """The matrix product of two matrices: (n, k) @ (k, m) -> (n, m)."""
    a, b = _tensors("mm", input, mat2)
    expect(a.ndim == 2 and b.ndim == 2, "mm",
           f"expects two matrices, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return matmul(a, b)


def bmm(input, mat2):  # noqa: A002 - torch's names
    """Batched matrix products, no broadcasting: (B, n, k) @ (B, k, m) -> (B, n, m)."""
    a, b = _tensors("bmm", input, mat2)
    expect(a.ndim == 3 and b.ndim == 3 and a.shape[0] == b.shape[0], "bmm",
           f"expects two 3-d tensors with one batch size, got shapes {tuple(a.shape)} and "
           f"{tuple(b.shape)}")
    return matmul(a, b)


def dot(input, tensor):  # noqa: A002 - torch's names
    """The dot product sum_i a_i b_i of two 1-d tensors of one length (a 0-d result)."""
    a, b = _tensors("dot", input, tensor)
    expect(a.ndim == 1 and b.ndim == 1 and a.shape == b.shape, "dot",
           f"expects two 1-d tensors of one length, got shapes {tuple(a.shape)} and "
           f"{tuple(b.shape)}")
    return matmul(a, b)


def outer(input, vec2):  # noqa: A002 - torch's names
    """The outer product of two vectors: (n,), (m,) -> (n, m), y[i, j] = a[i] b[j]."""
    a, b = _tensors("outer", input, vec2)
    expect(a.ndim == 1 and b.ndim == 1, "outer",
           f"expects two 1-d tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return mul(reshape(a, (-1, 1)), reshape(b, (1, -1)))


ger = outer


def tensordot(a, b, dims=2):
    """The sum of products over dims of a and b: ``dims=n`` pairs the last n dims of a with
    the first n of b; ``dims=(dims_a, dims_b)`` names them.  The result has a's other dims,
    then b's: (2, 3, 4) and (3, 4, 5) with dims=2 -> (2, 5)."""
    a, b = _tensors("tensordot", a, b)
    if isinstance(dims, (int, numpy.integer)):
        expect(0 <= dims <= min(a.ndim, b.ndim), "tensordot",
               f"dims={dims} must be in [0, {min(a.ndim, b.ndim)}] for shapes {tuple(a.shape)} "
               f"and {tuple(b.shape)}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(int(dims)))
    else:
        expect(len(dims) == 2, "tensordot",
               f"dims must be an int or a pair of dim lists, got {dims}")
        dims_a, dims_b = ([dims[0]] if numpy.isscalar(dims[0]) else list(dims[0]),
                          [dims[1]] if numpy.isscalar(dims[1]) else list(dims[1]))
        dims_a = [axis(d, a.ndim, "tensordot") for d in dims_a]
        dims_b = [axis(d, b.ndim, "tensordot") for d in dims_b]
    sizes_a, sizes_b = [a.shape[i] for i in dims_a], [b.shape[i] for i in dims_b]
    expect(sizes_a == sizes_b, "tensordot",
           f"the summed dims {dims_a} of a (shape {tuple(a.shape)}) and {dims_b} of b (shape "
           f"{tuple(b.shape)}) differ in size: {sizes_a} and {sizes_b}")
    keep_a = [i for i in range(a.ndim) if i not in dims_a]
    keep_b = [i for i in range(b.ndim) if i not in dims_b]
    n = int(numpy.prod(sizes_a, dtype=numpy.int64))
    left = reshape(permute(a, keep_a + dims_a), (-1, n))
    right = reshape(permute(b, dims_b + keep_b), (n, -1))
    return reshape(matmul(left, right),
                   tuple(a.shape[i] for i in keep_a) + tuple(b.shape[i] for i in keep_b))


def inner(input, other):  # noqa: A002 - torch's names
    """The sum of products over the last dims (a 0-d tensor multiplies elementwise)."""
    a, b = _tensors("inner", input, other)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    expect(a.shape[-1] == b.shape[-1], "inner",
           f"the last dims of {tuple(a.shape)} and {tuple(b.shape)} differ")
    return tensordot(a, b, ([-1], [-1]))


def addmm(input, mat1, mat2, beta=1, alpha=1):  # noqa: A002 - torch's names
    """beta * input + alpha * (mat1 @ mat2), input broadcast to (n, m)."""
    product = mm(mat1, mat2)
    return _scaled_sum(input, product, beta, alpha, "addmm")


def baddbmm(input, batch1, batch2, beta=1, alpha=1):  # noqa: A002 - torch's names
    """beta * input + alpha * (batch1 @ batch2) for batches (B, n, k) and (B, k, m)."""
    product = bmm(batch1, batch2)
    return _scaled_sum(input, product, beta, alpha, "baddbmm")


def _scaled_sum(input, product, beta, alpha, op):  # noqa: A002
    base = as_tensor(input)
    expect(len(base.shape) <= product.ndim and all(
        n in (1, m) for n, m in zip(base.shape[::-1], product.shape[::-1])), op,
        f"input of shape {tuple(base.shape)} does not broadcast to the product's "
        f"{tuple(product.shape)}")
    if alpha != 1:
        product = product * alpha
    if beta == 0:           # as PyTorch: input is ignored (its NaNs too)
        return product
    return (base if beta == 1 else base * beta) + product


def cross(input, other, dim=None):  # noqa: A002 - torch's names
    """The cross product of 3-vectors along ``dim`` (the first dim of size 3 when None, as
    torch.cross), broadcasting: (a2 b3 - a3 b2, a3 b1 - a1 b3, a1 b2 - a2 b1)."""
    a, b = _tensors("cross", input, other)
    if a.shape != b.shape:
        shape = numpy.broadcast_shapes(a.shape, b.shape)
        a, b = broadcast_to(a, shape), broadcast_to(b, shape)
    if dim is None:
        found = [i for i, n in enumerate(a.shape) if n == 3]
        expect(found, "cross", f"no dim of size 3 in shape {tuple(a.shape)}")
        dim = found[0]
    d = axis(dim, a.ndim, "cross")
    expect(a.shape[d] == 3, "cross", f"dim {d} must have size 3, got shape {tuple(a.shape)}")

    def part(x, i):
        return x[(slice(None),) * d + (i,)]
    c = [sub(mul(part(a, 1), part(b, 2)), mul(part(a, 2), part(b, 1))),
         sub(mul(part(a, 2), part(b, 0)), mul(part(a, 0), part(b, 2))),
         sub(mul(part(a, 0), part(b, 1)), mul(part(a, 1), part(b, 0)))]
    return stack(c, d)
