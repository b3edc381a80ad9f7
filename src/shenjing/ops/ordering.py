"""Order statistics: sort, argsort, topk, kthvalue, median, quantile, and the counting ops
searchsorted, bucketize, bincount, unique, nonzero.

The order is found on the array (a stable ``argsort``, no gradient); the values are then
picked with ``gather``, so sort, topk, kthvalue, median and quantile pass the gradient back
to the elements they picked (added up where one element is picked twice).  Indices are
int64; NaN counts as the largest value, as PyTorch.
"""

import numpy

from .. import backend
from ..autograd.tensor import Tensor
from ._helpers import as_tensor, axes, axis, expect, floating
from .indexing import gather, index_select
from .reduction import _ValuesIndices


def _constant(array):
    return Tensor.from_node(array, None, 0)


def _order(a, dim, descending):
    """Stable argsort of the array ``a`` along ``dim``; descending keeps ties in order."""
    xp = backend.array_module(a)
    if not descending:
        return xp.argsort(a, axis=dim, kind="stable")
    if a.dtype.kind == "f":    # NaN first, as the largest (before +inf): a two-key sort
        nan = xp.isnan(a)
        return xp.lexsort((xp.where(nan, 0, -a), ~nan), axis=dim)
    if a.dtype.kind in "bu":
        key = -a.astype("int64")
    else:
        key = -a
    return xp.argsort(key, axis=dim, kind="stable")


def _as_vector(x):
    """A 0-d tensor as 1-d (sorting a number is the number), and whether it was 0-d."""
    x = as_tensor(x)
    if x.ndim == 0:
        from .shape import reshape
        return reshape(x, 1), True
    return x, False


def _squeezed(t, scalar):
    return t.reshape(()) if scalar else t


def argsort(x, dim=-1, descending=False, stable=False):
    """The int64 indices that sort x along ``dim`` (ties keep their order)."""
    x, scalar = _as_vector(x)
    index = _order(x.array, axis(dim, x.ndim, "argsort"), descending)
    return _squeezed(_constant(index.astype("int64", copy=False)), scalar)


def sort(x, dim=-1, descending=False, stable=False):
    """``(values, indices)``: x sorted along ``dim`` and where each value came from;
    the gradient goes back to those places."""
    x, scalar = _as_vector(x)
    a = axis(dim, x.ndim, "sort")
    index = _order(x.array, a, descending).astype("int64", copy=False)
    return _ValuesIndices((_squeezed(gather(x, a, index), scalar),
                           _squeezed(_constant(index), scalar)))


def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - torch's name
    """``(values, indices)`` of the k largest (``largest=False``: smallest) elements along
    ``dim``, in order: shape x.shape with ``dim`` of size k."""
    x, scalar = _as_vector(x)
    a = axis(dim, x.ndim, "topk")
    k = int(k)
    if not 0 <= k <= x.shape[a]:
        raise ValueError(f"topk: k={k} is outside [0, {x.shape[a]}] for dim {a} of shape "
                         f"{tuple(x.shape)}")
    xp = backend.array_module(x.array)
    index = xp.take(_order(x.array, a, largest), xp.arange(k), axis=a).astype("int64")
    return _ValuesIndices((_squeezed(gather(x, a, index), scalar),
                           _squeezed(_constant(index), scalar)))


def kthvalue(x, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the k-th smallest element (k from 1) along ``dim``."""
    x, scalar = _as_vector(x)
    a = axis(dim, x.ndim, "kthvalue")
    if not 1 <= int(k) <= x.shape[a]:
        raise ValueError(f"kthvalue: k={k} is outside [1, {x.shape[a]}] for dim {a} of shape "
                         f"{tuple(x.shape)}")
    return _pick(x, a, _order(x.array, a, False), int(k) - 1, keepdim and not scalar, scalar)


def _pick(x, a, order, position, keepdim, scalar):
    """(values, indices) at ``position`` of ``order`` along axis a (an int, or an array of
    one position per slice, of x's shape with axis a of size 1)."""
    xp = backend.array_module(x.array)
    if isinstance(position, int):
        index = xp.take(order, [position], axis=a)
    else:
        index = xp.take_along_axis(order, position, axis=a)
    index = index.astype("int64")
    values = gather(x, a, index)
    if not keepdim:
        index = index.squeeze(a)
        values = values.reshape(index.shape)
    return _ValuesIndices((_squeezed(values, scalar), _squeezed(_constant(index), scalar)))


def median(x, dim=None, keepdim=False):
    """The lower median (the ((n - 1) // 2)-th smallest, as PyTorch): over all elements
    when ``dim`` is None (a 0-d value), else ``(values, indices)`` along ``dim``."""
    x = as_tensor(x)
    if dim is None:
        flat = x.reshape(-1)
        if flat.shape[0] == 0:
            return _constant(backend.array_module(x.array).asarray(numpy.nan, x.dtype))
        return _pick(flat, 0, _order(flat.array, 0, False), _median_position(flat.array, 0),
                     False, False).values
    x, scalar = _as_vector(x)
    a = axis(dim, x.ndim, "median")
    return _pick(x, a, _order(x.array, a, False), _median_position(x.array, a),
                 keepdim and not scalar, scalar)


def _median_position(a, axis):
    """Where the median sits in each sorted slice: (n - 1) // 2, or, as PyTorch, at the
    first NaN (sorted last) in a slice that holds one, so that its median is NaN."""
    xp = backend.array_module(a)
    middle = (a.shape[axis] - 1) // 2
    if a.dtype.kind != "f":
        return middle
    nans = xp.isnan(a).sum(axis=axis, keepdims=True)
    return xp.where(nans > 0, a.shape[axis] - nans, middle)


_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(x, q, dim=None, keepdim=False, interpolation="linear"):
    """The q-th quantiles (q in [0, 1]: a number, or 1-d for several, whose dim then comes
    first) over ``dim`` (an int, a tuple, or None for all): the sorted values at position
    q (n - 1), between the two neighbours by ``interpolation`` ('linear': lo + (hi - lo) *
    frac, 'lower', 'higher', 'midpoint', 'nearest': round half to even)."""
    from .elementwise import where
    from .rearrange import movedim
    from .shape import permute, reshape
    expect(interpolation in _QUANTILE_METHODS, "quantile",
           f"interpolation must be one of {', '.join(_QUANTILE_METHODS)}, got {interpolation!r}")
    x = floating(x)
    qs = numpy.asarray(q.array if isinstance(q, Tensor) else q, dtype=numpy.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ValueError(f"quantile: q must be a number or 1-d, with values in [0, 1], got {q}")
    dims = tuple(range(x.ndim)) if dim is None else axes(dim, x.ndim, "quantile")
    rest = [i for i in range(x.ndim) if i not in dims]
    flat = reshape(permute(x, tuple(rest) + dims), tuple(x.shape[i] for i in rest) + (-1,))
    expect(flat.shape[-1] > 0, "quantile", f"cannot take a quantile of an empty set of values "
                                           f"(shape {tuple(x.shape)}, dim {dim})")
    s = sort(flat, -1).values
    pos = qs.reshape(-1) * (flat.shape[-1] - 1)
    lo, hi = numpy.floor(pos).astype(numpy.int64), numpy.ceil(pos).astype(numpy.int64)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        lo = hi = numpy.round(pos).astype(numpy.int64)
    frac = numpy.full(pos.shape, 0.5) if interpolation == "midpoint" else pos - lo
    weight = _constant(backend.array_module(x.array).asarray(frac, x.dtype))
    xp = backend.array_module(x.array)
    low, high = index_select(s, -1, xp.asarray(lo)), index_select(s, -1, xp.asarray(hi))
    out = low + (high - low) * weight                          # (...rest, len(q))
    has_nan = xp.isnan(flat.array).any(axis=-1, keepdims=True)
    if has_nan.any():     # as PyTorch: a slice holding NaN has NaN quantiles
        out = where(has_nan, float("nan"), out)
    out = movedim(out, -1, 0)                                   # (len(q), ...rest)
    if keepdim:
        kept = tuple(1 if i in dims else n for i, n in enumerate(x.shape))
        out = reshape(out, (len(pos),) + kept)
    return reshape(out, out.shape[1:]) if qs.ndim == 0 else out


# ------------------------------------------------------------------ counting (no gradient)


def searchsorted(sorted_sequence, values, out_int32=False, right=False, side=None,
                 sorter=None):
    """Where each of ``values`` would go in ``sorted_sequence`` to keep it sorted: the
    first such place (``side='left'``) or the last (``right=True`` / ``side='right'``).
    A sequence of shape (..., n) searches each row with the matching row of values."""
    seq, vals = as_tensor(sorted_sequence).array, as_tensor(values).array
    if side is None:
        side = "right" if right else "left"
    expect(side in ("left", "right"), "searchsorted",
           f"side must be 'left' or 'right', got {side!r}")
    expect(not (right and side == "left"), "searchsorted", "right=True contradicts side='left'")
    xp = backend.array_module(seq)
    if sorter is not None:
        seq = xp.take_along_axis(seq, as_tensor(sorter).array, axis=-1)
    if seq.ndim <= 1:
        out = xp.searchsorted(seq.reshape(-1), vals, side=side)
    else:
        expect(vals.ndim == seq.ndim and vals.shape[:-1] == seq.shape[:-1], "searchsorted",
               f"values {vals.shape} must match sorted_sequence {seq.shape} in all dims but "
               f"the last")
        rows, vrows = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        out = xp.stack([xp.searchsorted(r, v, side=side) for r, v in zip(rows, vrows)])
        out = out.reshape(vals.shape)
    return _constant(xp.asarray(out, "int32" if out_int32 else "int64"))


def bucketize(input, boundaries, out_int32=False, right=False):  # noqa: A002 - torch's name
    """The bucket of each element among the sorted 1-d ``boundaries``: i with
    boundaries[i-1] < x <= boundaries[i] (``right=True``: boundaries[i-1] <= x < boundaries[i])."""
    b = as_tensor(boundaries)
    expect(b.ndim == 1, "bucketize", f"boundaries must be 1-d, got shape {tuple(b.shape)}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


def bincount(input, weights=None, minlength=0):  # noqa: A002 - torch's name
    """How often each value 0, 1, ... occurs in the 1-d non-negative integer ``input``
    (or the sum of its ``weights``): length max(input) + 1, at least ``minlength``."""
    x = as_tensor(input).array
    expect(x.ndim == 1, "bincount", f"input must be 1-d, got shape {x.shape}")
    if x.dtype.kind not in "iu" or (x.size and int(x.min()) < 0):
        raise ValueError(f"bincount: input must hold non-negative integers, got dtype {x.dtype}"
                         + (f" and values from {int(x.min())}" if x.dtype.kind in "iu" else ""))
    xp = backend.array_module(x)
    w = None if weights is None else as_tensor(weights).array
    out = xp.bincount(x, w, int(minlength))
    if w is None:
        return _constant(out.astype("int64"))
    return _constant(out.astype(w.dtype if w.dtype.kind == "f" else "float64"))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values (sorted), with the index of each element's value among them
    (``return_inverse``) and how often each occurs (``return_counts``); with ``dim``, the
    distinct slices along that dim."""
    x = as_tensor(input).array
    xp = backend.array_module(x)
    d = None if dim is None else axis(dim, x.ndim, "unique")
    values, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True, axis=d)
    inverse = inverse.reshape(x.shape if d is None else (x.shape[d],)).astype("int64")
    out = [_constant(values)]
    if return_inverse:
        out.append(_constant(inverse))
    if return_counts:
        out.append(_constant(counts.astype("int64")))
    return out[0] if len(out) == 1 else tuple(out)


def nonzero(input, as_tuple=False):  # noqa: A002 - torch's name
    """The indices of the non-zero elements: an (n, ndim) int64 tensor, or (``as_tuple``)
    one 1-d tensor per dim."""
    x = as_tensor(input).array
    xp = backend.array_module(x)
    found = xp.nonzero(x) if x.ndim else xp.nonzero(x.reshape(1))
    if as_tuple:
        return tuple(_constant(i.astype("int64")) for i in found)
    if not x.ndim:
        return _constant(xp.zeros((len(found[0]), 0), "int64"))
    return _constant(xp.stack(found, axis=1).astype("int64").reshape(-1, x.ndim))
