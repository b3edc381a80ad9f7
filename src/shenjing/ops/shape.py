"""Shape ops: reshape, flatten, squeeze, unsqueeze, transpose, permute, expand,
broadcast_to, cat, stack, split, chunk, pad, flip, repeat.

They move or copy elements without arithmetic, so each backward moves the gradient
back the same way: reshape it back, transpose it back, slice it apart, sum a broadcast.
"""

import numpy

from .. import backend
from ..autograd.function import Function
from ._helpers import axes, axis, expect, sum_to


class Reshape(Function):
    """y = x with a new shape (a view when the layout allows)."""
    reads_inputs = False

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(f"cannot reshape {x.size} elements into shape {self.shape}") from None

    def backward(self, gy):
        return gy.reshape(self.in_shape)


class Permute(Function):
    """y = x with its axes reordered;  backward applies the inverse order."""
    reads_inputs = False

    def __init__(self, order):
        self.order = order

    def forward(self, x):
        return x.transpose(self.order)

    def backward(self, gy):
        return gy.transpose(numpy.argsort(self.order))


class BroadcastTo(Function):
    """y = x broadcast to a larger shape;  dL/dx sums dL/dy over the broadcast axes."""
    reads_inputs = False

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return backend.array_module(x).broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.in_shape)


class Concatenate(Function):
    """y = the inputs joined along ``axis``;  backward slices dL/dy back into pieces."""
    reads_inputs = False

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] for x in xs]
        return backend.array_module(xs[0]).concatenate(xs, axis=self.axis)

    def backward(self, gy):
        bounds = numpy.cumsum(self.sizes)[:-1]
        return tuple(backend.array_module(gy).split(gy, bounds, axis=self.axis))


class Stack(Function):
    """y = the inputs stacked along a new ``axis``;  backward takes the slices apart."""
    reads_inputs = False

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return backend.array_module(xs[0]).stack(xs, axis=self.axis)

    def backward(self, gy):
        return tuple(gy.take(i, axis=self.axis) for i in range(gy.shape[self.axis]))


class Split(Function):
    """The pieces of x along ``axis`` at ``bounds``;  backward concatenates their gradients."""
    reads_inputs = False

    def __init__(self, bounds, axis):
        self.bounds, self.axis = bounds, axis

    def forward(self, x):
        return tuple(backend.array_module(x).split(x, self.bounds, axis=self.axis))

    def backward(self, *gys):
        return backend.array_module(gys[0]).concatenate(gys, axis=self.axis)


class Pad(Function):
    """y = x with constant padding;  dL/dx is the un-padded middle of dL/dy."""
    reads_inputs = False

    def __init__(self, widths, value):
        self.widths, self.value = widths, value

    def forward(self, x):
        return backend.array_module(x).pad(x, self.widths, constant_values=self.value)

    def backward(self, gy):
        return gy[tuple(slice(lo, gy.shape[i] - hi) for i, (lo, hi) in enumerate(self.widths))]


class Flip(Function):
    """y = x reversed along ``dims``;  backward reverses the gradient the same way."""
    reads_inputs = False

    def __init__(self, dims):
        self.dims = dims

    def forward(self, x):
        return backend.array_module(x).flip(x, self.dims)

    def backward(self, gy):
        return backend.array_module(gy).flip(gy, self.dims)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def reshape(x, *shape):
    """x with a new shape (one dimension may be -1); a view of x when possible."""
    shape = _shape_arg(shape)
    if shape == x.array.shape:
        return x
    return Reshape(shape)(x)


view = reshape


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) for start_dim=1."""
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = axis(start_dim, x.ndim, "flatten"), axis(end_dim, x.ndim, "flatten")
    shape = x.shape
    return reshape(x, shape[:s] + (-1,) + shape[e + 1:]) if s <= e else x


def unflatten(x, dim, sizes):
    """Split dim ``dim`` into ``sizes``: (N, 784) -> (N, 1, 28, 28) for dim=1, sizes=(1, 28, 28)."""
    d = axis(dim, x.ndim, "unflatten")
    return reshape(x, x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


def squeeze(x, dim=None):
    """Remove dims of size 1 (all of them, or only ``dim`` if it has size 1)."""
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        ds = axes(dim, x.ndim, "squeeze") if x.ndim else ()
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in ds and n == 1))
    return reshape(x, shape)


def unsqueeze(x, dim):
    """Insert a dim of size 1 at ``dim``: (3,) -> (1, 3) for dim=0, (3, 1) for dim=-1."""
    d = axis(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def permute(x, *dims):
    """Reorder the dims: (N, H, W, C) -> (N, C, H, W) with permute(0, 3, 1, 2)."""
    order = axes(_shape_arg(dims), x.ndim, "permute")
    expect(sorted(order) == list(range(x.ndim)), "permute",
           f"dims {dims} are not a permutation of the {x.ndim} dims of shape {x.shape}")
    return Permute(order)(x)


def transpose(x, dim0, dim1):
    """Swap two dims."""
    a, b = axis(dim0, x.ndim, "transpose"), axis(dim1, x.ndim, "transpose")
    if a == b:
        return x
    order = list(range(x.ndim))
    order[a], order[b] = order[b], order[a]
    return Permute(tuple(order))(x)


swapaxes = transpose


def t(x):
    """Transpose of a matrix (a 1-d or 0-d tensor is returned as is)."""
    expect(x.ndim <= 2, "t", f"expects at most 2 dims, got shape {x.shape}; use transpose/permute")
    return x if x.ndim < 2 else Permute((1, 0))(x)


def matrix_transpose(x):
    """Reverse all dims (``x.T``)."""
    return Permute(tuple(reversed(range(x.ndim))))(x)


def broadcast_to(x, *shape):
    """x broadcast to ``shape`` (without copying); the gradient is summed back."""
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    _expect_broadcastable(x.shape, shape, "broadcast_to")
    return BroadcastTo(shape)(x)


def _expect_broadcastable(shape, target, op):
    lead = len(target) - len(shape)
    expect(lead >= 0 and all(n == 1 or n == t for n, t in zip(shape, target[lead:])), op,
           f"cannot broadcast shape {shape} to {target}: each dim must be 1 or equal")


def expand(x, *sizes):
    """Broadcast size-1 dims to ``sizes``; -1 keeps a dim as it is (PyTorch's ``expand``)."""
    sizes = _shape_arg(sizes)
    lead = len(sizes) - x.ndim
    expect(lead >= 0, "expand", f"cannot expand shape {x.shape} to fewer dims {sizes}")
    expect(all(s != -1 for s in sizes[:lead]), "expand",
           f"-1 is only allowed for existing dims: shape {x.shape}, sizes {sizes}")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    _expect_broadcastable(x.shape, shape, "expand")
    return broadcast_to(x, shape)


def expand_as(x, other):
    """``expand`` to ``other``'s shape."""
    return broadcast_to(x, other.shape)


def cat(tensors, dim=0):
    """Join tensors along an existing dim; all other dims must agree."""
    tensors = list(tensors)
    expect(len(tensors) > 0, "cat", "expects at least one tensor")
    d = axis(dim, tensors[0].ndim, "cat")
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        expect(t.ndim == len(first) and all(a == b for j, (a, b) in enumerate(zip(t.shape, first))
                                            if j != d), "cat",
               f"tensor {i} has shape {t.shape}, which differs from tensor 0's {first} "
               f"outside dim {d}")
    # one tensor is copied too, as PyTorch: the result never aliases an input
    return Concatenate(d)(*_same_dtype(tensors))


concatenate = cat
concat = cat


def stack(tensors, dim=0):
    """Join same-shape tensors along a new dim."""
    tensors = list(tensors)
    expect(len(tensors) > 0, "stack", "expects at least one tensor")
    for i, t in enumerate(tensors):
        expect(t.shape == tensors[0].shape, "stack",
               f"tensor {i} has shape {t.shape} but tensor 0 has {tensors[0].shape}")
    return Stack(axis(dim, tensors[0].ndim + 1, "stack"))(*_same_dtype(tensors))


def _same_dtype(tensors):
    from ._helpers import promote_types
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = promote_types(dtype, t.dtype)
    return [t if t.dtype == dtype else t.type(dtype) for t in tensors]


def split(x, split_size_or_sections, dim=0):
    """Pieces of x along ``dim``: of size ``split_size`` each (the last may be smaller), or of
    the sizes in a list."""
    d = axis(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, numpy.integer)):
        split_size_or_sections = int(split_size_or_sections)
        size = split_size_or_sections
        expect(size > 0, "split", f"split_size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = list(split_size_or_sections)
        expect(sum(sizes) == n, "split", f"sizes {sizes} do not add up to {n} (dim {d} of {x.shape})")
    bounds = list(numpy.cumsum(sizes)[:-1])
    return Split(bounds, d)(x)


def chunk(x, chunks, dim=0):
    """Split x into ``chunks`` pieces of equal size (the last may be smaller)."""
    n = x.shape[axis(dim, x.ndim, "chunk")]
    return split(x, max(-(-n // chunks), 1), dim)


def unbind(x, dim=0):
    """The slices of x along ``dim``, as a tuple of tensors without that dim."""
    d = axis(dim, x.ndim, "unbind")
    return tuple(squeeze(p, d) for p in split(x, 1, d))


def pad(x, pad, mode="constant", value=0.0):
    """Pad with a constant (``mode='constant'``), or by repeating x's own values: 'reflect'
    (dcb|abcd|cba), 'replicate' (aaa|abcd|ddd), 'circular' (bcd|abcd|abc).  ``pad`` lists
    (before, after) pairs from the LAST dim backwards, as PyTorch: pad(x, (1, 1)) pads the
    last dim by one on each side."""
    expect(mode in ("constant", "reflect", "replicate", "circular"), "pad",
           f"mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    expect(len(pad) % 2 == 0 and len(pad) // 2 <= x.ndim, "pad",
           f"pad {pad} must hold (before, after) pairs for at most {x.ndim} dims")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    expect(all(lo >= 0 and hi >= 0 for lo, hi in widths), "pad", "negative padding is not supported")
    if mode != "constant":
        return _pad_by_index(x, widths, mode)
    return Pad(tuple(widths), value)(x)


def _pad_by_index(x, widths, mode):
    """Reflect / replicate / circular padding as one ``index_select`` per padded dim: the
    padded position i (from -before to n - 1 + after) reads x at
    reflect: |i| mirrored at n - 1;  replicate: clip(i, 0, n - 1);  circular: i mod n.
    The gradient of a position read several times adds up (index_select's backward)."""
    from .indexing import index_select
    for d, (lo, hi) in enumerate(widths):
        if not lo and not hi:
            continue
        n = x.shape[d]
        if mode == "reflect":       # a mirror image may not reach past the far edge
            ok, need = max(lo, hi) < n, "larger than each pad"
        elif mode == "circular":    # one wrap at most
            ok, need = max(lo, hi) <= n, "at least each pad"
        else:
            ok, need = n > 0, "non-empty"
        expect(ok, "pad", f"{mode} padding of ({lo}, {hi}) needs dim {d} (size {n}) to be {need}")
        i = numpy.arange(-lo, n + hi)
        if mode == "reflect":
            i = numpy.abs(i)
            i = numpy.where(i > n - 1, 2 * (n - 1) - i, i)
        elif mode == "replicate":
            i = numpy.clip(i, 0, n - 1)
        else:
            i = i % n
        x = index_select(x, d, backend.array_module(x.array).asarray(i))
    return x


def flip(x, *dims):
    """Reverse the order of elements along ``dims`` (an int, a tuple, or spread ints)."""
    dims = dims[0] if len(dims) == 1 else dims
    return Flip(axes(dims, x.ndim, "flip"))(x)


def repeat(x, *sizes):
    """Tile x: repeat(x, 2, 3) repeats dim -2 twice and dim -1 three times."""
    sizes = _shape_arg(sizes)
    expect(len(sizes) >= x.ndim, "repeat", f"needs at least {x.ndim} sizes, got {sizes}")
    x = reshape(x, (1,) * (len(sizes) - x.ndim) + x.shape)
    # tile = broadcast a new axis before each dim, then merge: the gradient sums for free
    expanded = _interleave_ones(x)
    target = []
    for n, s in zip(x.shape, sizes):
        target += [s, n]
    return reshape(broadcast_to(expanded, tuple(target)),
                   tuple(n * s for n, s in zip(x.shape, sizes)))


def _interleave_ones(x):
    shape = []
    for n in x.shape:
        shape += [1, n]
    return reshape(x, tuple(shape))
