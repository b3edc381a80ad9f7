"""Keras 3's sorting and order statistics: ``sort``, ``argsort``, ``top_k``,
``quantile``, ``median``, and the counting ops ``searchsorted``, ``digitize``,
``bincount``.

The order is found on the array (``argsort``, no gradient), then the values are picked
with ``take_along_axis``, so ``sort``, ``top_k``, ``quantile`` and ``median`` pass the
gradient back to the elements they picked.  Indices are int32, as Keras gives them.
"""

import numpy

from ... import backend, ops
from ...autograd.tensor import Tensor
from .core import axis_tuple, fail, floating, keras_op, tensor
from .manipulation import moveaxis, take, take_along_axis

__all__ = ["sort", "argsort", "top_k", "quantile", "median", "searchsorted", "digitize",
           "bincount"]


def _axis(x, axis, op):
    return axis_tuple(axis, x.ndim, op)[0]


def _argsort(x, axis, descending=False):
    xp = backend.array_module(x.array)
    return xp.argsort(-x.array if descending else x.array, axis=axis, kind="stable")


@keras_op
def argsort(x, axis=-1):
    """The indices (int32) that sort ``x`` along ``axis`` (ties keep their order)."""
    x = tensor(x)
    if axis is None:
        x, axis = ops.reshape(x, (-1,)), 0
    return Tensor(_argsort(x, _axis(x, axis, "argsort")).astype(numpy.int32))


@keras_op
def sort(x, axis=-1):
    """``x`` sorted along ``axis``; the gradient goes back to where each value came from."""
    x = tensor(x)
    if axis is None:
        x, axis = ops.reshape(x, (-1,)), 0
    a = _axis(x, axis, "sort")
    return take_along_axis(x, _argsort(x, a), a)


@keras_op
def top_k(x, k, sorted=True):  # noqa: A002 - Keras's name
    """The ``k`` largest values along the last axis, largest first, and their int32
    indices: a pair ``(values, indices)`` of shape (..., k)."""
    x = tensor(x)
    if not 0 <= int(k) <= x.shape[-1]:
        fail("top_k", f"k={k} is outside [0, {x.shape[-1]}] for the last axis of shape "
                      f"{x.shape}", ValueError)
    index = _argsort(x, -1, descending=True)[..., :int(k)]
    return take_along_axis(x, index, -1), Tensor(index.astype(numpy.int32))


def _along_last(x, axis, op):
    """x with the axes ``axis`` (None: all) moved last and merged into one."""
    axes = tuple(range(x.ndim)) if axis is None else axis_tuple(axis, x.ndim, op)
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = ops.permute(x, tuple(rest) + axes)
    return ops.reshape(moved, tuple(x.shape[i] for i in rest) + (-1,)), axes


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
    flat, axes = _along_last(x, axis, "quantile")
    s = sort(flat, -1)
    pos = qs.reshape(-1) * (flat.shape[-1] - 1)
    lo, hi = numpy.floor(pos).astype(numpy.int64), numpy.ceil(pos).astype(numpy.int64)
    if method == "lower":
        hi = lo
    elif method == "higher":
        lo = hi
    elif method == "nearest":
        lo = hi = numpy.round(pos).astype(numpy.int64)
    frac = 0.5 if method == "midpoint" else pos - lo
    weight = Tensor(numpy.broadcast_to(frac, pos.shape).astype(x.dtype))
    low, high = take(s, lo, -1), take(s, hi, -1)
    out = low + (high - low) * weight                      # (..., len(q))
    if keepdims:
        kept = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
        out = ops.reshape(moveaxis(out, -1, 0), (len(pos),) + kept)
    else:
        out = moveaxis(out, -1, 0)
    return ops.reshape(out, out.shape[1:]) if qs.ndim == 0 else out


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
    return Tensor(numpy.searchsorted(seq, numpy.asarray(tensor(values)), side=side)
                  .astype(numpy.int32))


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
