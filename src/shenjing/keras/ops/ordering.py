"""Keras 3's sorting and order statistics: ``sort``, ``argsort``, ``top_k``,
``quantile``, ``median``, and the counting ops ``searchsorted``, ``digitize``,
``bincount``.

Thin adapters over ``shenjing.ops.ordering`` (the order found by a stable argsort, the
values picked by ``gather``), so ``sort``, ``top_k``, ``quantile`` and ``median`` pass the
gradient back to the elements they picked.  Indices are int32, as Keras gives them; Keras's
``median`` is the mean of the two middle values (``quantile`` 0.5), not PyTorch's lower one.
"""

import numpy

from ... import ops
from ...autograd.tensor import Tensor
from .core import axis_tuple, fail, floating, keras_op, tensor

__all__ = ["sort", "argsort", "top_k", "quantile", "median", "searchsorted", "digitize",
           "bincount"]


def _axis(x, axis, op):
    return axis_tuple(axis, x.ndim, op)[0]


def _flat(x, axis):
    """(x, axis), x flattened when ``axis`` is None (Keras's rule)."""
    x = tensor(x)
    return (ops.reshape(x, (-1,)), 0) if axis is None else (x, axis)


@keras_op
def argsort(x, axis=-1):
    """The indices (int32) that sort ``x`` along ``axis`` (ties keep their order)."""
    x, axis = _flat(x, axis)
    return ops.argsort(x, _axis(x, axis, "argsort")).type(numpy.int32)


@keras_op
def sort(x, axis=-1):
    """``x`` sorted along ``axis``; the gradient goes back to where each value came from."""
    x, axis = _flat(x, axis)
    return ops.sort(x, _axis(x, axis, "sort")).values


@keras_op
def top_k(x, k, sorted=True):  # noqa: A002 - Keras's name
    """The ``k`` largest values along the last axis, largest first, and their int32
    indices: a pair ``(values, indices)`` of shape (..., k)."""
    x = tensor(x)
    if not 0 <= int(k) <= x.shape[-1]:
        fail("top_k", f"k={k} is outside [0, {x.shape[-1]}] for the last axis of shape "
                      f"{x.shape}", ValueError)
    values, indices = ops.topk(x, int(k), -1)
    return values, indices.type(numpy.int32)


@keras_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles (q in [0, 1], a number or 1-d) over ``axis``: the sorted values
    at position q (n - 1), between neighbours by ``method`` ('linear', 'lower', 'higher',
    'midpoint', 'nearest'); a 1-d q puts its axis first (NumPy's rule)."""
    methods = ("linear", "lower", "higher", "midpoint", "nearest")
    if method not in methods:
        fail("quantile", f"method must be one of {', '.join(methods)}, got {method!r}",
             ValueError)
    x = floating(x)
    qs = numpy.asarray(numpy.asarray(tensor(q)), dtype=numpy.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        fail("quantile", f"q must be a number or 1-d, with values in [0, 1], got {q}",
             ValueError)
    dims = None if axis is None else axis_tuple(axis, x.ndim, "quantile")
    return ops.quantile(x, qs, dims, keepdims, method)


@keras_op
def median(x, axis=None, keepdims=False):
    """The median over ``axis`` (the mean of the two middle values for an even count)."""
    return quantile(x, 0.5, axis, "linear", keepdims)


@keras_op
def searchsorted(sorted_sequence, values, side="left"):
    """Where ``values`` would be inserted into the 1-d ``sorted_sequence`` to keep it
    sorted (int32 indices, no gradient)."""
    seq = numpy.asarray(tensor(sorted_sequence))
    if seq.ndim != 1:
        fail("searchsorted", f"sorted_sequence must be 1-d, got shape {seq.shape}", ValueError)
    return ops.searchsorted(seq, numpy.asarray(tensor(values)), side=side, out_int32=True)


@keras_op
def digitize(x, bins):
    """The index of the bin of each element: i such that bins[i-1] <= x < bins[i] (int32)."""
    return Tensor(numpy.digitize(numpy.asarray(tensor(x)), numpy.asarray(tensor(bins)))
                  .astype(numpy.int32))


@keras_op
def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative integer occurs in the 1-d ``x`` (or the sum of its
    ``weights``), of length max(x) + 1 or ``minlength``; a 2-d x counts each row."""
    if sparse:
        fail("bincount", "sparse outputs are not supported", NotImplementedError)
    values = numpy.asarray(tensor(x))
    if values.dtype.kind not in "iu" or (values < 0).any():
        fail("bincount", f"x must hold non-negative integers, got {values.dtype}", ValueError)
    w = None if weights is None else numpy.asarray(tensor(weights))
    length = max(int(values.max()) + 1 if values.size else 0, int(minlength))
    rows = values.reshape(-1, values.shape[-1]) if values.ndim else values.reshape(1, 1)
    wrows = None if w is None else w.reshape(rows.shape)
    counts = numpy.stack([numpy.bincount(r, None if wrows is None else wrows[i], length)
                          for i, r in enumerate(rows)])
    dtype = numpy.int32 if w is None else w.dtype
    return Tensor(counts.reshape(values.shape[:-1] + (length,)).astype(dtype))
