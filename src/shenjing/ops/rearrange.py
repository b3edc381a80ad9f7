"""Rearranging elements without arithmetic, beyond ``shape``: clone, roll, tril/triu,
diag/diagonal/trace, movedim, narrow, select, unfold, tile, repeat_interleave, the
``*stack`` joins, meshgrid, broadcast_tensors, take_along_dim.

Three are primitives with their own backward (a copy passes the gradient through, a roll is
undone by the opposite roll, a triangle keeps the same triangle of the gradient); the rest
are short compositions of indexing and shape ops, whose gradients come for free: an element
read twice (repeat_interleave, overlapping unfold windows) gets its gradients added.
"""

import numpy

from .. import backend
from ..autograd.function import Function
from ._helpers import as_tensor, axes, axis, expect
from .indexing import gather, index_select
from .shape import broadcast_to, cat, permute, repeat, reshape


class Clone(Function):
    """y = a copy of x (C-contiguous);  dL/dx = dL/dy."""
    reads_inputs = False

    def forward(self, x):
        return backend.array_module(x).array(x, copy=True, order="C")

    def backward(self, gy):
        return gy


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``axes``;  backward shifts back."""
    reads_inputs = False

    def __init__(self, shifts, axes):
        self.shifts, self.axes = shifts, axes

    def forward(self, x):
        return backend.array_module(x).roll(x, self.shifts, self.axes)

    def backward(self, gy):
        return backend.array_module(gy).roll(gy, tuple(-s for s in self.shifts), self.axes)


class Triangle(Function):
    """y = the lower (or upper) triangle of the last two dims from diagonal k, zeros elsewhere;
    dL/dx = the same triangle of dL/dy."""
    reads_inputs = False

    def __init__(self, k, lower):
        self.k, self.lower = k, lower

    def forward(self, x):
        xp = backend.array_module(x)
        return (xp.tril if self.lower else xp.triu)(x, self.k)

    def backward(self, gy):
        xp = backend.array_module(gy)
        return (xp.tril if self.lower else xp.triu)(gy, self.k)


class DiagEmbed(Function):
    """y = the (n + |k|, n + |k|) matrix with the vector x on its k-th diagonal;
    dL/dx = the k-th diagonal of dL/dy."""
    reads_inputs = False

    def __init__(self, k):
        self.k = k

    def forward(self, x):
        return backend.array_module(x).diag(x, self.k)

    def backward(self, gy):
        return backend.array_module(gy).diagonal(gy, self.k).copy()


def clone(x, memory_format=None):
    """A copy of x, joined to the graph (its gradient flows back to x)."""
    return Clone()(as_tensor(x))


def contiguous(x, memory_format=None):
    """x itself when its array is C-contiguous, else a C-contiguous copy (``clone``)."""
    return x if x.array.flags.c_contiguous else clone(x)


def roll(x, shifts, dims=None):
    """x shifted cyclically: element i moves to i + shift along each of ``dims`` (of the
    flattened x when ``dims`` is None, the shape kept)."""
    x = as_tensor(x)
    shifts = (int(shifts),) if isinstance(shifts, (int, numpy.integer)) else tuple(
        int(s) for s in shifts)
    if dims is None:
        expect(len(shifts) == 1, "roll", f"without dims, shifts must be one number, got {shifts}")
        return reshape(Roll(shifts, (0,))(reshape(x, -1)), x.shape)
    dims = axes(dims, x.ndim, "roll")
    expect(len(dims) == len(shifts), "roll",
           f"shifts {shifts} and dims {dims} must have the same length")
    return Roll(shifts, dims)(x)


def _triangle(x, diagonal, lower, op):
    x = as_tensor(x)
    expect(x.ndim >= 2, op, f"expects a tensor with at least 2 dims, got shape {tuple(x.shape)}")
    return Triangle(int(diagonal), lower)(x)


def tril(x, diagonal=0):
    """x with the elements above diagonal ``diagonal`` of its last two dims set to 0."""
    return _triangle(x, diagonal, True, "tril")


def triu(x, diagonal=0):
    """x with the elements below diagonal ``diagonal`` of its last two dims set to 0."""
    return _triangle(x, diagonal, False, "triu")


def diagonal(x, offset=0, dim1=0, dim2=1):
    """The diagonal of the (dim1, dim2) planes, shifted by ``offset`` (above the main one
    when positive), as the last dim: (n, m) -> (min(n, m - offset),) for offset >= 0."""
    x = as_tensor(x)
    a1, a2 = axis(dim1, x.ndim, "diagonal"), axis(dim2, x.ndim, "diagonal")
    expect(a1 != a2, "diagonal", f"dim1 and dim2 must differ, got {dim1} and {dim2}")
    x = movedim(x, (a1, a2), (-2, -1))
    rows, cols = x.shape[-2], x.shape[-1]
    first_row, first_col = max(-offset, 0), max(offset, 0)
    i = numpy.arange(max(min(rows - first_row, cols - first_col), 0))
    return x[(Ellipsis, i + first_row, i + first_col)]


_diagonal = diagonal  # diag's argument is also called ``diagonal``, as PyTorch's


def diag(x, diagonal=0):
    """A 1-d x: the square matrix with x on diagonal ``diagonal``, (n,) -> (n + |k|, n + |k|);
    a 2-d x: its diagonal ``diagonal`` as a vector."""
    x = as_tensor(x)
    if x.ndim == 1:
        return DiagEmbed(int(diagonal))(x)
    expect(x.ndim == 2, "diag", f"expects a 1-d or 2-d tensor, got shape {tuple(x.shape)}")
    return _diagonal(x, diagonal)


def trace(x):
    """The sum of the main diagonal of a matrix."""
    from .reduction import sum
    x = as_tensor(x)
    expect(x.ndim == 2, "trace", f"expects a matrix, got shape {tuple(x.shape)}")
    return sum(diagonal(x))


def movedim(x, source, destination):
    """x with dims ``source`` moved to positions ``destination`` (ints or sequences); the
    other dims keep their order: movedim((2, 3, 4), 0, -1) has shape (3, 4, 2)."""
    x = as_tensor(x)
    source = axes(source, x.ndim, "movedim")
    destination = axes(destination, x.ndim, "movedim")
    expect(len(source) == len(destination), "movedim",
           f"source {source} and destination {destination} must have the same length")
    expect(len(set(source)) == len(source) and len(set(destination)) == len(destination),
           "movedim", f"repeated dim in source {source} or destination {destination}")
    order = [i for i in range(x.ndim) if i not in source]
    for d, s in sorted(zip(destination, source)):
        order.insert(d, s)
    return x if order == list(range(x.ndim)) else permute(x, tuple(order))


moveaxis = movedim


def narrow(x, dim, start, length):
    """The ``length`` elements from ``start`` along ``dim`` (a view of x)."""
    x = as_tensor(x)
    d = axis(dim, x.ndim, "narrow")
    n = x.shape[d]
    start = int(start) + (n if int(start) < 0 else 0)
    expect(0 <= start and 0 <= int(length) and start + int(length) <= n, "narrow",
           f"start {start} and length {length} do not fit in dim {d} of size {n}")
    return x[(slice(None),) * d + (slice(start, start + int(length)),)]


def select(x, dim, index):
    """The slice at ``index`` along ``dim``, without that dim."""
    x = as_tensor(x)
    d = axis(dim, x.ndim, "select")
    n = x.shape[d]
    expect(-n <= int(index) < n, "select", f"index {index} is out of range for dim {d} of size {n}")
    return x[(slice(None),) * d + (int(index),)]


def unfold(x, dimension, size, step):
    """Sliding windows along ``dimension``: that dim becomes the number of windows
    (n - size) // step + 1 and a new last dim of ``size`` holds each window."""
    x = as_tensor(x)
    if x.ndim == 0:
        x = reshape(x, 1)
    d = axis(dimension, x.ndim, "unfold")
    n = x.shape[d]
    expect(0 < size <= n and step > 0, "unfold",
           f"size {size} must be in [1, {n}] (dim {d}) and step {step} positive")
    count = (n - size) // step + 1
    index = (numpy.arange(count)[:, None] * step + numpy.arange(size)).reshape(-1)
    windows = index_select(x, d, backend.array_module(x.array).asarray(index))
    windows = reshape(windows, x.shape[:d] + (count, size) + x.shape[d + 1:])
    return movedim(windows, d + 1, -1)


def tile(x, dims):
    """x repeated ``dims`` times along each dim; fewer ``dims`` than dims of x repeat the
    last ones (NumPy's ``tile``)."""
    x = as_tensor(x)
    dims = (int(dims),) if isinstance(dims, (int, numpy.integer)) else tuple(int(d) for d in dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def repeat_interleave(x, repeats=None, dim=None, output_size=None):
    """Each element (slice along ``dim``; of the flattened x when None) repeated ``repeats``
    times, in place: [a, b] -> [a, a, b, b].  ``repeats`` is a number or one count per
    element; ``repeat_interleave(counts)`` alone repeats 0, 1, 2, ... by ``counts``."""
    x = as_tensor(x)
    xp = backend.array_module(x.array)
    if repeats is None:         # repeat_interleave(repeats): indices repeated by counts
        counts = x.array
        expect(counts.ndim <= 1 and counts.dtype.kind in "iu", "repeat_interleave",
               f"a single argument must be 1-d integer counts, got {counts.dtype} {counts.shape}")
        return as_tensor(xp.repeat(xp.arange(counts.size), counts.reshape(-1)).astype("int64"))
    if dim is None:
        x, d = reshape(x, -1), 0
    else:
        d = axis(dim, x.ndim, "repeat_interleave")
    counts = repeats.array if hasattr(repeats, "array") else xp.asarray(repeats)
    counts = counts.reshape(-1) if counts.size != 1 else counts.reshape(())
    expect(counts.ndim == 0 or counts.size == x.shape[d], "repeat_interleave",
           f"repeats must be one number or {x.shape[d]} counts (dim {d}), got {counts.size}")
    expect(bool((counts >= 0).all()), "repeat_interleave", "repeats must be non-negative")
    source = xp.repeat(xp.arange(x.shape[d]), counts)
    return index_select(x, d, source)


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d one becomes (1,)); one tensor or a tuple."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: (n,) -> (1, n)."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: (n,) -> (1, n, 1), (n, m) -> (n, m, 1)."""
    return _atleast(tensors, 3)


def _atleast(tensors, n):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    out = []
    for t in tensors:
        t = as_tensor(t)
        shape = t.shape
        if t.ndim < n:
            if n == 3 and t.ndim == 2:
                shape = shape + (1,)
            elif n == 3:
                shape = (1,) + (shape or (1,)) + (1,)
            else:
                shape = (1,) * (n - t.ndim) + shape
        out.append(reshape(t, shape))
    return out[0] if len(out) == 1 else tuple(out)


def hstack(tensors):
    """Join along dim 1 (dim 0 for 1-d tensors)."""
    tensors = atleast_1d(*tensors)
    tensors = [tensors] if not isinstance(tensors, tuple) else list(tensors)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Join along dim 0, 1-d tensors becoming rows."""
    tensors = atleast_2d(*tensors)
    return cat([tensors] if not isinstance(tensors, tuple) else list(tensors), 0)


def column_stack(tensors):
    """Join along dim 1, 0-d and 1-d tensors becoming columns (n,) -> (n, 1)."""
    columns = []
    for t in tensors:
        t = as_tensor(t)
        columns.append(reshape(t, (-1, 1)) if t.ndim <= 1 else t)
    return cat(columns, 1)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-d tensors: n tensors of the grid's shape, tensor i varying
    along dim i ('ij'), or with the first two dims swapped ('xy', NumPy's default)."""
    expect(indexing in ("ij", "xy"), "meshgrid", f"indexing must be 'ij' or 'xy', got {indexing!r}")
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    xs = [reshape(as_tensor(t), -1) for t in tensors]
    swap = indexing == "xy" and len(xs) > 1
    places = list(range(len(xs)))
    if swap:
        places[0], places[1] = 1, 0
    shape = [0] * len(xs)
    for v, p in zip(xs, places):
        shape[p] = v.shape[0]
    grids = []
    for v, p in zip(xs, places):
        view = [1] * len(xs)
        view[p] = v.shape[0]
        grids.append(broadcast_to(reshape(v, tuple(view)), tuple(shape)))
    return tuple(grids)


def broadcast_tensors(*tensors):
    """The tensors broadcast to their common shape (views; gradients are summed back)."""
    tensors = [as_tensor(t) for t in tensors]
    try:
        shape = numpy.broadcast_shapes(*[t.shape for t in tensors])
    except ValueError:
        expect(False, "broadcast_tensors",
               f"shapes {', '.join(str(tuple(t.shape)) for t in tensors)} do not broadcast")
    return tuple(broadcast_to(t, shape) for t in tensors)


def take_along_dim(x, indices, dim=None):
    """The elements of x at ``indices`` along ``dim`` (of the flattened x when None);
    ``indices`` has x's number of dims and the other dims broadcast.  Negative indices
    count from the end."""
    x = as_tensor(x)
    index = as_tensor(indices).array
    expect(index.dtype.kind in "iu", "take_along_dim",
           f"indices must be integers, got {index.dtype}")
    if dim is None:
        x, index, d = reshape(x, -1), index.reshape(-1), 0
    else:
        d = axis(dim, x.ndim, "take_along_dim")
    expect(index.ndim == x.ndim, "take_along_dim",
           f"indices of shape {index.shape} need as many dims as x of shape {tuple(x.shape)}")
    try:
        other = numpy.broadcast_shapes(*[tuple(1 if i == d else n for i, n in enumerate(s))
                                         for s in (x.shape, index.shape)])
    except ValueError:
        expect(False, "take_along_dim",
               f"indices {index.shape} and x {tuple(x.shape)} do not broadcast outside dim {d}")
    n = x.shape[d]
    xp = backend.array_module(index)
    expect(index.size == 0 or (-n <= int(index.min()) and int(index.max()) < n), "take_along_dim",
           f"indices must be in [-{n}, {n}) for dim {d}")
    index = xp.broadcast_to(xp.where(index < 0, index + n, index).astype("int64"),
                            tuple(index.shape[d] if i == d else m for i, m in enumerate(other)))
    x = broadcast_to(x, tuple(n if i == d else m for i, m in enumerate(other)))
    return gather(x, d, xp.ascontiguousarray(index))
