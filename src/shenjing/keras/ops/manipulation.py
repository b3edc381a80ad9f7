"""Keras 3's array manipulation and indexing ops, on shenjing's shape and indexing ops.

NumPy's conventions, as Keras: ``split`` takes a number of equal sections or the indices
to cut at; ``repeat`` and ``take`` flatten when ``axis`` is None; ``pad`` takes
``pad_width`` per axis as (before, after).  ``take``, ``take_along_axis``, ``diagonal``
and the non-constant ``pad`` modes pass the gradient back to the elements they pick;
``roll``, ``cumsum``, ``diag``, ``repeat``, ``meshgrid`` are adapters over the ops of
``shenjing.ops`` (``cumsum`` a scan whose backward is the reversed scan).
"""

import numpy

from ... import ops
from .core import axis_tuple, fail, keras_op, tensor

__all__ = ["reshape", "transpose", "moveaxis", "swapaxes", "expand_dims", "squeeze", "ravel",
           "concatenate", "stack", "hstack", "vstack", "unstack", "split", "broadcast_to",
           "tile", "repeat", "flip", "roll", "pad", "take", "take_along_axis", "cumsum",
           "diagonal", "diag", "trace", "meshgrid"]


def _axis(x, axis, op):
    return axis_tuple(axis, x.ndim, op)[0]


@keras_op
def reshape(x, newshape):
    """``x`` with the shape ``newshape`` (one entry may be -1); the size must not change."""
    x = tensor(x)
    newshape = (int(newshape),) if isinstance(newshape, (int, numpy.integer)) else \
        tuple(-1 if n is None else int(n) for n in newshape)
    known = int(numpy.prod([n for n in newshape if n != -1]))
    fits = (x.numel() == known if -1 not in newshape
            else known > 0 and x.numel() % known == 0 and newshape.count(-1) == 1)
    if not fits:
        fail("reshape", f"cannot reshape a tensor of shape {x.shape} ({x.numel()} elements) "
                        f"to {newshape}")
    return ops.reshape(x, newshape)


@keras_op
def transpose(x, axes=None):
    """``x`` with its axes permuted by ``axes`` (reversed when None): (a, b, c) -> (c, b, a)."""
    x = tensor(x)
    order = tuple(reversed(range(x.ndim))) if axes is None else axis_tuple(axes, x.ndim,
                                                                          "transpose")
    if sorted(order) != list(range(x.ndim)):
        fail("transpose", f"axes {tuple(axes)} are not a permutation of the {x.ndim} axes of "
                          f"shape {x.shape}")
    return ops.permute(x, order)


@keras_op
def moveaxis(x, source, destination):
    """``x`` with the axes ``source`` moved to the places ``destination`` (NumPy's)."""
    x = tensor(x)
    source = axis_tuple(source, x.ndim, "moveaxis")
    destination = axis_tuple(destination, x.ndim, "moveaxis")
    if len(source) != len(destination):
        fail("moveaxis", f"source {source} and destination {destination} need the same length",
             ValueError)
    return ops.movedim(x, source, destination)


@keras_op
def swapaxes(x, axis1, axis2):
    """``x`` with two axes swapped."""
    return ops.transpose(tensor(x), axis1, axis2)


@keras_op
def expand_dims(x, axis):
    """``x`` with new axes of size 1 at ``axis`` (an int or a tuple, in the result's axes)."""
    x = tensor(x)
    new = axis_tuple(axis, x.ndim + (1 if isinstance(axis, int) else len(axis)), "expand_dims")
    dims = iter(x.shape)
    return ops.reshape(x, tuple(1 if i in new else next(dims) for i in range(x.ndim + len(new))))


@keras_op
def squeeze(x, axis=None):
    """``x`` without its axes of size 1 (all of them, or those in ``axis``, which must be 1)."""
    x = tensor(x)
    if axis is None:
        return ops.squeeze(x)
    axes = axis_tuple(axis, x.ndim, "squeeze")
    for a in axes:
        if x.shape[a] != 1:
            fail("squeeze", f"axis {a} of shape {x.shape} has size {x.shape[a]}, not 1")
    return ops.reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


@keras_op
def ravel(x):
    """``x`` flattened to one axis."""
    return ops.reshape(tensor(x), (-1,))


def _tensors(xs, op):
    xs = [tensor(x) for x in xs]
    if not xs:
        fail(op, "expects at least one tensor", ValueError)
    return xs


@keras_op
def concatenate(xs, axis=0):
    """The tensors ``xs`` joined along the existing ``axis``; every other axis must agree."""
    xs = _tensors(xs, "concatenate")
    if axis is None:
        xs, axis = [ops.reshape(x, (-1,)) for x in xs], 0
    a = _axis(xs[0], axis, "concatenate")
    for i, x in enumerate(xs):
        if x.ndim != xs[0].ndim or any(m != n for j, (m, n) in enumerate(zip(x.shape, xs[0].shape))
                                       if j != a):
            fail("concatenate", f"tensor {i} has shape {x.shape} and tensor 0 {xs[0].shape}: "
                                f"they must agree on every axis but axis {a}")
    return ops.cat(xs, a)


@keras_op
def stack(x, axis=0):
    """The same-shape tensors ``x`` joined along a new ``axis``."""
    xs = _tensors(x, "stack")
    for i, t in enumerate(xs):
        if t.shape != xs[0].shape:
            fail("stack", f"tensor {i} has shape {t.shape} and tensor 0 {xs[0].shape}: "
                          f"stacked tensors must have one shape")
    return ops.stack(xs, axis)


@keras_op
def hstack(xs):
    """Join along axis 1 (axis 0 for 1-d tensors)."""
    xs = _tensors(xs, "hstack")
    return concatenate(xs, 0 if xs[0].ndim == 1 else 1)


@keras_op
def vstack(xs):
    """Join along axis 0, 1-d tensors becoming rows."""
    xs = [t if t.ndim > 1 else ops.reshape(t, (1, -1)) for t in _tensors(xs, "vstack")]
    return concatenate(xs, 0)


@keras_op
def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list of tensors without that axis."""
    x = tensor(x)
    a = _axis(x, axis, "unstack")
    if num is not None and num != x.shape[a]:
        fail("unstack", f"num={num} but axis {a} of shape {x.shape} has {x.shape[a]} slices")
    return list(ops.unbind(x, a))


@keras_op
def split(x, indices_or_sections, axis=0):
    """Pieces of ``x`` along ``axis``: ``indices_or_sections`` equal ones (an int that must
    divide the axis), or cut before each of the given indices (NumPy's ``split``)."""
    x = tensor(x)
    a = _axis(x, axis, "split")
    n = x.shape[a]
    if isinstance(indices_or_sections, (int, numpy.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            fail("split", f"axis {a} of shape {x.shape} (size {n}) does not split into {k} "
                          f"equal sections")
        sizes = [n // k] * k
    else:
        cuts = [0] + [int(numpy.clip(i if i >= 0 else i + n, 0, n)) for i in indices_or_sections]
        sizes = [max(hi - lo, 0) for lo, hi in zip(cuts, cuts[1:] + [n])]
    return list(ops.split(x, sizes, a))


@keras_op
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape``; the gradient is summed back to x's shape."""
    x = tensor(x)
    shape = tuple(int(n) for n in shape)
    lead = len(shape) - x.ndim
    if lead < 0 or any(m not in (1, n) for m, n in zip(x.shape, shape[lead:])):
        fail("broadcast_to", f"cannot broadcast shape {x.shape} to {shape}")
    return ops.broadcast_to(x, shape)


@keras_op
def tile(x, repeats):
    """``x`` repeated ``repeats`` times along each axis (NumPy's ``tile``: fewer repeats
    than axes apply to the last axes)."""
    x = tensor(x)
    repeats = (int(repeats),) if isinstance(repeats, (int, numpy.integer)) else \
        tuple(int(r) for r in repeats)
    return ops.tile(x, repeats)


@keras_op
def repeat(x, repeats, axis=None):
    """Each element of ``x`` repeated ``repeats`` times along ``axis`` (of the flattened x
    when None); ``repeats`` may give one count per element."""
    x = tensor(x)
    if axis is not None:
        axis = _axis(x, axis, "repeat")
    return ops.repeat_interleave(x, numpy.asarray(repeats), axis)


@keras_op
def flip(x, axis=None):
    """``x`` with the order of elements reversed along ``axis`` (all axes when None)."""
    x = tensor(x)
    axes = tuple(range(x.ndim)) if axis is None else axis_tuple(axis, x.ndim, "flip")
    return ops.flip(x, axes)


@keras_op
def roll(x, shift, axis=None):
    """``x`` shifted cyclically by ``shift`` along ``axis`` (of the flattened x when None)."""
    x = tensor(x)
    return ops.roll(x, shift, None if axis is None else axis_tuple(axis, x.ndim, "roll"))


_PAD_MODES = ("constant", "reflect", "symmetric", "edge", "wrap")


@keras_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """``x`` padded by ``pad_width``: ((before, after) per axis), one pair for all, or one
    int.  ``mode``: 'constant' (``constant_values``, 0 by default), 'reflect',
    'symmetric', 'edge' or 'wrap' (NumPy's modes; the gradient flows to the copied
    elements)."""
    x = tensor(x)
    widths = numpy.broadcast_to(numpy.asarray(pad_width, dtype=numpy.int64), (x.ndim, 2))
    if (widths < 0).any():
        fail("pad", f"pad_width must be non-negative, got {pad_width}", ValueError)
    if mode not in _PAD_MODES:
        fail("pad", f"mode must be one of {', '.join(_PAD_MODES)}, got {mode!r}", ValueError)
    if mode == "constant":
        flat = [int(w) for lo_hi in widths[::-1] for w in lo_hi]
        return ops.pad(x, flat, value=0.0 if constant_values is None else constant_values)
    if constant_values is not None:
        fail("pad", f"constant_values is only for mode='constant', not {mode!r}", ValueError)
    # each other mode copies input elements: the source index of every output position
    for a, (lo, hi) in enumerate(widths):
        if lo or hi:
            x = take(x, numpy.pad(numpy.arange(x.shape[a]), (lo, hi), mode=mode), a)
    return x


@keras_op
def take(x, indices, axis=None):
    """The elements of ``x`` at ``indices`` along ``axis`` (of the flattened x when None);
    the result has the indices' shape in place of that axis.  Negative indices count back."""
    x = tensor(x)
    if axis is None:
        x, axis = ops.reshape(x, (-1,)), 0
    a = _axis(x, axis, "take")
    index = numpy.asarray(tensor(indices))
    if index.dtype.kind not in "iu":
        fail("take", f"indices must be integers, got dtype {index.dtype}", TypeError)
    n = x.shape[a]
    if index.size and (index.min() < -n or index.max() >= n):
        fail("take", f"indices must be in [-{n}, {n}) for axis {a} of shape {x.shape}, got "
                     f"values from {index.min()} to {index.max()}", IndexError)
    return x[(slice(None),) * a + (index.astype(numpy.int64) % max(n, 1),)]


@keras_op
def take_along_axis(x, indices, axis=None):
    """The elements of ``x`` at ``indices`` along ``axis`` (NumPy's ``take_along_axis``):
    ``indices`` has x's rank; the other axes broadcast."""
    x = tensor(x)
    index = numpy.asarray(tensor(indices)).astype(numpy.int64)
    if axis is not None:
        axis = _axis(x, axis, "take_along_axis")
        if index.ndim != x.ndim:
            fail("take_along_axis", f"indices of shape {index.shape} need the rank of x, shape "
                                    f"{x.shape}")
    return ops.take_along_dim(x, index, axis)


@keras_op
def cumsum(x, axis=None, dtype=None):
    """Running sums along ``axis`` (of the flattened x when None):
    y[..., j] = sum_{i <= j} x[..., i] (``shenjing.ops.cumsum``; Keras keeps int32)."""
    x = tensor(x, dtype)
    if axis is None:
        x, axis = ops.reshape(x, (-1,)), 0
    return ops.cumsum(x, _axis(x, axis, "cumsum"), dtype=x.dtype)


# ------------------------------------------------------------------ diagonals and grids

@keras_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of the (axis1, axis2) planes of ``x``, shifted by ``offset``, as the
    last axis of the result (NumPy's ``diagonal``; the gradient lands on the diagonal)."""
    x = tensor(x)
    a1, a2 = axis_tuple((axis1, axis2), x.ndim, "diagonal")
    if a1 == a2:
        fail("diagonal", f"axis1 and axis2 must differ, got {axis1} and {axis2}", ValueError)
    return ops.diagonal(x, offset, a1, a2)


@keras_op
def diag(x, k=0):
    """The k-th diagonal of a matrix, or the matrix with the vector ``x`` on its k-th
    diagonal: (n,) -> (n + |k|, n + |k|)."""
    x = tensor(x)
    if x.ndim not in (1, 2):
        fail("diag", f"expected a 1-d or 2-d input, got shape {x.shape}", ValueError)
    return ops.diag(x, k)


@keras_op
def trace(x, offset=0, axis1=0, axis2=1):
    """The sum along the diagonal of the (axis1, axis2) planes."""
    return ops.sum(diagonal(x, offset, axis1, axis2), -1)


@keras_op
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-d tensors: with n inputs, n tensors of the grid's shape
    ('xy': the first two axes swapped, as NumPy's default; 'ij': matrix indexing)."""
    if indexing not in ("xy", "ij"):
        fail("meshgrid", f"indexing must be 'xy' or 'ij', got {indexing!r}", ValueError)
    return list(ops.meshgrid(*[tensor(v) for v in x], indexing=indexing))


