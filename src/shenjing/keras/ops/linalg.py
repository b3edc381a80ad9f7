"""Keras 3's products and norms: ``matmul``, ``dot``, ``tensordot``, ``einsum``,
``outer``, ``inner``, ``vdot``, ``norm``, on shenjing's ``matmul`` and reductions.

``einsum``, ``tensordot``, ``outer`` and ``norm`` are adapters over ``shenjing.ops``
(``ops.einsum`` contracts operands two at a time, each pair as one batched ``matmul``; a
letter repeated within one operand, a diagonal, is not supported).
"""

import numpy

from ... import ops
from .core import broadcast_shape, fail, floating, keras_op, tensor

__all__ = ["matmul", "dot", "tensordot", "einsum", "outer", "inner", "vdot", "norm"]


@keras_op
def matmul(x1, x2):
    """Matrix product with batching: (..., n, k) @ (..., k, m) -> (..., n, m); a 1-d
    operand is a vector (NumPy's ``matmul``)."""
    a, b = tensor(x1), tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        fail("matmul", f"needs at least 1-d inputs, got shapes {a.shape} and {b.shape}")
    k = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if a.shape[-1] != k:
        fail("matmul", f"x1 of shape {a.shape} and x2 of shape {b.shape} do not fit: the "
                       f"last axis of x1 ({a.shape[-1]}) must equal the "
                       f"{'second-to-last' if b.ndim >= 2 else 'only'} axis of x2 ({k})")
    if a.ndim > 2 and b.ndim > 2:
        broadcast_shape("matmul", a.shape[:-2], b.shape[:-2])
    return ops.matmul(a, b)


@keras_op
def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` of x1 and x2 (an int n: the last n of x1 and first n of
    x2; or a pair of axis lists), as one matrix product (``shenjing.ops.tensordot``)."""
    return ops.tensordot(tensor(x1), tensor(x2), axes)


@keras_op
def dot(x1, x2):
    """NumPy's ``dot``: a product with a scalar, the matrix product for 1-d and 2-d
    operands, and otherwise the sum over the last axis of x1 and the second-to-last of x2."""
    a, b = tensor(x1), tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return ops.mul(a, b)
    k = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if a.shape[-1] != k:
        fail("dot", f"x1 of shape {a.shape} and x2 of shape {b.shape} do not fit: the last "
                    f"axis of x1 ({a.shape[-1]}) must equal axis "
                    f"{-2 if b.ndim >= 2 else 0} of x2 ({k})")
    if a.ndim <= 2 and b.ndim <= 2:
        return ops.matmul(a, b)
    return tensordot(a, b, ([-1], [-2 if b.ndim >= 2 else 0]))


@keras_op
def outer(x1, x2):
    """The outer product of the flattened x1 and x2: (n,), (m,) -> (n, m)."""
    return ops.outer(ops.reshape(tensor(x1), (-1,)), ops.reshape(tensor(x2), (-1,)))


@keras_op
def inner(x1, x2):
    """Sum of products over the last axes of x1 and x2 (for vectors: their dot product)."""
    a, b = tensor(x1), tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return ops.mul(a, b)
    if a.shape[-1] != b.shape[-1]:
        fail("inner", f"the last axes of x1 {a.shape} and x2 {b.shape} differ")
    return tensordot(a, b, ([-1], [-1]))


@keras_op
def vdot(x1, x2):
    """The dot product of the flattened x1 and x2."""
    a, b = ops.reshape(tensor(x1), (-1,)), ops.reshape(tensor(x2), (-1,))
    if a.shape != b.shape:
        fail("vdot", f"x1 and x2 need the same number of elements, got {a.shape[0]} and "
                     f"{b.shape[0]}")
    return ops.sum(ops.mul(a, b))


# ------------------------------------------------------------------ einsum


@keras_op
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation: ``einsum("bij,bjk->bik", a, b)`` multiplies the operands along
    letters they share and sums the letters missing from the output ('...' allowed)."""
    return ops.einsum(subscripts, *[tensor(x) for x in operands])


# ------------------------------------------------------------------ norms


@keras_op
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - Keras's name
    """Vector or matrix norm.  ``ord=None`` (or 'fro'): sqrt(sum x^2) over ``axis`` (all
    axes when None).  One axis: sum(|x|^p)^(1/p), max |x| (inf), min |x| (-inf), or the
    count of non-zeros (0).  Two axes: 1 / -1 (max / min column sum of |x|), inf / -inf
    (max / min row sum)."""
    x = floating(x)
    axes = tuple(range(x.ndim)) if axis is None else \
        ((axis,) if isinstance(axis, (int, numpy.integer)) else tuple(axis))
    if ord is None or ord == "fro":
        return ops.vector_norm(x, 2, axes, keepdims)
    if axis is None and x.ndim == 1 or len(axes) == 1:
        return ops.vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2 and ord in (1, -1, numpy.inf, -numpy.inf):
        return ops.matrix_norm(x, ord, axes, keepdims)
    fail("norm", f"ord={ord!r} over axes {axes} is not supported (vector: None, p, inf, "
                 f"-inf, 0; matrix: None, 'fro', 1, -1, inf, -inf)", NotImplementedError)
