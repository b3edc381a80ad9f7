"""Helpers shared by the ops: undoing broadcasting, dtype promotion, axis arguments."""

import numpy

from .. import backend
from ..autograd.function import ShapeError
from ..autograd.tensor import Tensor, as_array


def sum_to(grad, shape):
    """Sum ``grad`` over the axes that broadcasting expanded so it gets ``shape`` back.

    The one place where broadcasting is undone in backward: if x of shape (3, 1) was
    broadcast to (2, 3, 4), dL/dx is dL/dy summed over axis 0 and axis 2.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def promote_types(a, b):
    """The dtype of a binary op's result, as PyTorch: a float beats an int of any width."""
    if a == b:
        return a
    if a.kind == "f" and b.kind != "f":
        return a
    if b.kind == "f" and a.kind != "f":
        return b
    return numpy.promote_types(a, b)


def scalar_dtype(value, like):
    """The dtype a Python number takes beside a tensor of dtype ``like``."""
    if isinstance(value, float) and like.kind != "f":
        return backend.get_default_dtype()
    if isinstance(value, int) and not isinstance(value, bool) and like.kind == "b":
        return numpy.dtype(numpy.int64)
    return like


def operands(a, b):
    """Turn the operands of a binary op into tensors of one dtype (numbers included)."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            da, db = a.array.dtype, b.array.dtype
            if da == db:
                return a, b
            dtype = promote_types(da, db)
        elif isinstance(b, (int, float)):
            dtype = scalar_dtype(b, a.array.dtype)
            b = Tensor.from_node(backend.array_module(a.array).asarray(b, dtype), None, 0)
        else:
            b = Tensor.from_node(as_array(b), None, 0)
            return operands(a, b)
    elif isinstance(b, Tensor):
        if isinstance(a, (int, float)):
            dtype = scalar_dtype(a, b.array.dtype)
            a = Tensor.from_node(backend.array_module(b.array).asarray(a, dtype), None, 0)
        else:
            a = Tensor.from_node(as_array(a), None, 0)
            return operands(a, b)
    else:
        return operands(Tensor.from_node(as_array(a), None, 0), b)
    if a.array.dtype != dtype:
        a = a.type(dtype)
    if b.array.dtype != dtype:
        b = b.type(dtype)
    return a, b


def floating(x):
    """``x`` as a floating tensor: integer and bool tensors become the default float dtype,
    as PyTorch's ``exp(int_tensor)`` does (NumPy would give float64)."""
    x = as_tensor(x)
    if x.array.dtype.kind == "f":
        return x
    return x.type(backend.get_default_dtype())


def number(value):
    """A NumPy scalar as the Python number it holds: a ``numpy.float64`` beside a float32
    array would promote it to float64 (NumPy 2), a Python float does not."""
    return value.item() if isinstance(value, numpy.generic) else value


def as_tensor(x):
    """``x`` itself if it is a tensor, otherwise a new tensor of it (no graph)."""
    return x if isinstance(x, Tensor) else Tensor.from_node(as_array(x), None, 0)


def axes(dim, ndim, op):
    """Normalise a ``dim`` argument (None, int, or a sequence) to a tuple of axes or None."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, numpy.integer)) else tuple(dim)
    out = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dims")
        out.append(int(d) % max(ndim, 1))
    return tuple(out)


def axis(dim, ndim, op):
    """Normalise one ``dim`` to a non-negative axis."""
    return axes(dim, ndim, op)[0]


def expect(condition, op, message):
    """Raise a ``ShapeError`` naming ``op`` when ``condition`` is false."""
    if not condition:
        raise ShapeError(f"{op}: {message}")


def column_sums(g):
    """g.sum(axis=0) of a tall (rows, C) matrix as one matrix-vector product: NumPy's
    reduction over axis 0 walks the rows one by one, a GEMV streams them (3x faster on
    (10368, 64) float32)."""
    xp = backend.array_module(g)
    return xp.ones(g.shape[0], g.dtype) @ g


def channel_sums(x, axis):
    """x summed over every axis but ``axis``: (C,). Matrix-vector products in either memory
    layout: channels-last memory is a (M, C) matrix, channels-first a stack of (C, L)."""
    xp = backend.array_module(x)
    c = x.shape[axis]
    last = xp.moveaxis(x, axis, -1)
    if last.flags.c_contiguous:
        return column_sums(last.reshape(-1, c))
    if x.flags.c_contiguous:
        lead = 1
        for n in x.shape[:axis]:
            lead *= n
        stack = x.reshape(lead, c, -1)
        return (stack @ xp.ones(stack.shape[2], x.dtype)).sum(axis=0)
    return x.sum(axis=tuple(i for i in range(x.ndim) if i != axis % x.ndim))
