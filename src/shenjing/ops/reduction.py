"""Reductions over any axes, with ``keepdim``: sum, mean, max, min, var, std, logsumexp, prod.

Backward spreads the gradient back over the reduced axes: for sum every element gets
dL/dy, for mean dL/dy / n, for max only the elements equal to the max (shared evenly
among ties; ``max(x, dim)`` gives it to the returned index alone, as PyTorch), for var
dL/dy * 2 (x - mean) / (n - correction).
"""

import builtins

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._helpers import axes


def _expand(gy, shape, dims, keepdim):
    """Put back the reduced axes of ``gy`` (as size 1) so that it broadcasts against x."""
    if dims is None:
        return gy.reshape((1,) * len(shape))
    if not keepdim:
        for d in sorted(dims):
            gy = backend.array_module(gy).expand_dims(gy, d)
    return gy


def _count(shape, dims):
    n = 1
    for d in (range(len(shape)) if dims is None else dims):
        n *= shape[d]
    return n


class Sum(Function):
    """y = sum of x over ``dims``;  dL/dx = dL/dy broadcast back."""
    reads_inputs = False

    def __init__(self, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return backend.array_module(x).asarray(x.sum(axis=self.dims, keepdims=self.keepdim))

    def backward(self, gy):
        g = _expand(gy, self.shape, self.dims, self.keepdim)
        return backend.array_module(gy).broadcast_to(g, self.shape)


class Mean(Function):
    """y = mean of x over ``dims``;  dL/dx = dL/dy / n."""
    reads_inputs = False

    def __init__(self, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        self.shape = x.shape
        return backend.array_module(x).asarray(x.mean(axis=self.dims, keepdims=self.keepdim))

    def backward(self, gy):
        g = _expand(gy, self.shape, self.dims, self.keepdim) / _count(self.shape, self.dims)
        return backend.array_module(gy).broadcast_to(g, self.shape)


class MaxMin(Function):
    """y = max (or min) of x over ``dims``; the gradient goes to the extreme elements."""

    def __init__(self, dims, keepdim, largest):
        self.dims, self.keepdim, self.largest = dims, keepdim, largest

    def forward(self, x):
        y = (x.max if self.largest else x.min)(axis=self.dims, keepdims=True)
        self.x, self.y_kept = x, y
        if not self.keepdim:
            y = y.reshape(()) if self.dims is None else y.squeeze(axis=self.dims)
        return backend.array_module(x).asarray(y)

    def backward(self, gy):
        hit = self.x == self.y_kept
        count = hit.sum(axis=self.dims, keepdims=True).astype(gy.dtype)
        g = _expand(gy, self.x.shape, self.dims, self.keepdim)
        return g * hit / count


class MaxMinDim(Function):
    """y = max (or min) of x along one axis, as ``max(x, dim)``: the gradient goes to the one
    element whose index is returned (the first of ties), as PyTorch; ``self.indices`` holds
    the indices after the forward."""
    reads_inputs = False

    def __init__(self, axis, keepdim, largest):
        self.axis, self.keepdim, self.largest = axis, keepdim, largest

    def forward(self, x):
        xp = backend.array_module(x)
        index = (xp.argmax if self.largest else xp.argmin)(x, axis=self.axis, keepdims=True)
        self.shape, self.index = x.shape, index
        y = xp.take_along_axis(x, index, axis=self.axis)
        if not self.keepdim:
            y, index = y.squeeze(self.axis), index.squeeze(self.axis)
        self.indices = index.astype("int64", copy=False)
        return y

    def backward(self, gy):
        xp = backend.array_module(gy)
        gx = xp.zeros(self.shape, gy.dtype)
        g = gy if self.keepdim else xp.expand_dims(gy, self.axis)
        xp.put_along_axis(gx, self.index, g, axis=self.axis)
        return gx


class Var(Function):
    """y = sum((x - mean)^2) / (n - correction);  dL/dx = dL/dy * 2 (x - mean) / (n - c)."""

    def __init__(self, dims, correction, keepdim):
        self.dims, self.correction, self.keepdim = dims, correction, keepdim

    def forward(self, x):
        xp = backend.array_module(x)
        self.centered = c = x - x.mean(axis=self.dims, keepdims=True)
        self.denom = builtins.max(_count(x.shape, self.dims) - self.correction, 0)
        y = (c * c).sum(axis=self.dims, keepdims=self.keepdim)
        with xp.errstate(divide="ignore", invalid="ignore"):
            return xp.asarray(y / self.denom)

    def backward(self, gy):
        g = _expand(gy, self.centered.shape, self.dims, self.keepdim)
        # n - correction <= 0: the variance is undefined, and so (NaN) is its gradient
        scale = 2 / self.denom if self.denom > 0 else float("nan")
        return g * self.centered * scale


class LogSumExp(Function):
    """y = log sum exp(x), computed as m + log sum exp(x - m);  dL/dx = dL/dy * softmax(x)."""

    def __init__(self, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        xp = backend.array_module(x)
        m = x.max(axis=self.dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        y = xp.log(xp.exp(x - m).sum(axis=self.dims, keepdims=True)) + m
        self.x, self.y_kept = x, y
        if not self.keepdim:
            y = y.reshape(()) if self.dims is None else y.squeeze(axis=self.dims)
        return xp.asarray(y)

    def backward(self, gy):
        g = _expand(gy, self.x.shape, self.dims, self.keepdim)
        return g * backend.array_module(gy).exp(self.x - self.y_kept)


class Prod(Function):
    """y = product of x over ``dims``;  dL/dx_i = dL/dy * prod_{j != i} x_j."""

    def __init__(self, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        self.x = x
        return backend.array_module(x).asarray(x.prod(axis=self.dims, keepdims=self.keepdim))

    def backward(self, gy):
        # the product of the others, without dividing by x (exact when x has zeros):
        # exclusive cumulative products from the left and from the right, per reduced axis
        xp = backend.array_module(gy)
        x = self.x
        dims = tuple(range(x.ndim)) if self.dims is None else self.dims
        moved = xp.moveaxis(x, dims, tuple(range(-len(dims), 0)))
        flat = moved.reshape(moved.shape[:moved.ndim - len(dims)] + (-1,))
        ones = xp.ones_like(flat[..., :1])
        left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], -1), -1)
        right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(flat, -1)[..., :-1]], -1), -1), -1)
        others = xp.moveaxis((left * right).reshape(moved.shape), tuple(range(-len(dims), 0)), dims)
        return _expand(gy, x.shape, self.dims, self.keepdim) * others


def _dims(x, dim):
    if x.ndim == 0:
        return None
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        return None  # as PyTorch: an empty dim list reduces over every dim
    return axes(dim, x.ndim, "reduction")


def sum(x, dim=None, keepdim=False, dtype=None):  # noqa: A001 - torch.sum
    """Sum over ``dim`` (an int, a tuple, or None for all); bools and ints sum to int64."""
    if x.array.dtype.kind in "biu" and dtype is None:
        dtype = "int64"
    if dtype is not None:
        x = x.type(dtype)
    return Sum(_dims(x, dim), keepdim)(x)


def mean(x, dim=None, keepdim=False, dtype=None):
    """Mean over ``dim`` (an int, a tuple, or None for all)."""
    if dtype is not None:
        x = x.type(dtype)
    if x.array.dtype.kind != "f":
        raise TypeError(f"mean: expected a floating tensor, got {x.dtype}; use x.float().mean()")
    return Mean(_dims(x, dim), keepdim)(x)


class _ValuesIndices(tuple):
    """``(values, indices)`` with names, as returned by ``max(x, dim)``."""

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def _extreme(x, dim, keepdim, largest):
    if dim is None:
        return MaxMin(None, False, largest)(x)
    if x.ndim == 0:  # as PyTorch: dim 0 (or -1) of a 0-d tensor is the element itself
        axes(dim, 0, "max" if largest else "min")
        from .shape import reshape
        x = reshape(x, (1,))
        dim, keepdim = 0, False
    op = MaxMinDim(axes(dim, x.ndim, "max" if largest else "min")[0], keepdim, largest)
    values = op(x)
    return _ValuesIndices((values, Tensor.from_node(op.indices, None, 0)))


def max(x, dim=None, keepdim=False):  # noqa: A001 - torch.max
    """Largest element (``dim=None``), or ``(values, indices)`` along ``dim``.

    ``max(a, b)`` with a tensor second argument is the elementwise maximum.
    """
    if isinstance(dim, Tensor):
        from .elementwise import maximum
        return maximum(x, dim)
    return _extreme(x, dim, keepdim, True)


def min(x, dim=None, keepdim=False):  # noqa: A001 - torch.min
    """Smallest element (``dim=None``), or ``(values, indices)`` along ``dim``."""
    if isinstance(dim, Tensor):
        from .elementwise import minimum
        return minimum(x, dim)
    return _extreme(x, dim, keepdim, False)


def amax(x, dim=None, keepdim=False):
    """Largest elements over ``dim`` (ints or a tuple), values only."""
    return MaxMin(_dims(x, dim), keepdim, True)(x)


def amin(x, dim=None, keepdim=False):
    """Smallest elements over ``dim`` (ints or a tuple), values only."""
    return MaxMin(_dims(x, dim), keepdim, False)(x)


def var(x, dim=None, unbiased=None, keepdim=False, correction=None):
    """Variance over ``dim``; divides by n - 1 (``correction=1``) unless told otherwise.

    ``var(x, False)`` is PyTorch's ``var(input, unbiased)``: a bool is never a dim.
    """
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return Var(_dims(x, dim), correction, keepdim)(x)


def std(x, dim=None, unbiased=None, keepdim=False, correction=None):
    """Standard deviation: sqrt of ``var`` with the same arguments."""
    from .elementwise import sqrt
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return sqrt(var(x, dim, unbiased, keepdim, correction))


def logsumexp(x, dim=None, keepdim=False):
    """log(sum(exp(x))) over ``dim``, stable for large x (the max is taken out first)."""
    return LogSumExp(_dims(x, dim), keepdim)(x)


def prod(x, dim=None, keepdim=False):
    """Product over ``dim``."""
    return Prod(_dims(x, dim), keepdim)(x)


def _arg(x, dim, keepdim, fn):
    a = x.array
    if dim is None:
        out = fn(a.reshape(-1), axis=0)
        out = out.reshape((1,) * a.ndim) if keepdim else out
    else:
        d = axes(dim, a.ndim, "argmax")[0]
        out = fn(a, axis=d, keepdims=keepdim)
    return Tensor.from_node(backend.array_module(a).asarray(out, dtype="int64"), None, 0)


def argmax(x, dim=None, keepdim=False):
    """Index of the largest element (flattened when ``dim`` is None); no gradient."""
    return _arg(x, dim, keepdim, backend.array_module(x.array).argmax)


def argmin(x, dim=None, keepdim=False):
    """Index of the smallest element (flattened when ``dim`` is None); no gradient."""
    return _arg(x, dim, keepdim, backend.array_module(x.array).argmin)


def all(x, dim=None, keepdim=False):  # noqa: A001
    """True where every element over ``dim`` is non-zero."""
    return Tensor.from_node(backend.array_module(x.array).asarray(
        x.array.all(axis=_dims(x, dim), keepdims=keepdim)), None, 0)


def any(x, dim=None, keepdim=False):  # noqa: A001
    """True where some element over ``dim`` is non-zero."""
    return Tensor.from_node(backend.array_module(x.array).asarray(
        x.array.any(axis=_dims(x, dim), keepdims=keepdim)), None, 0)


def count_nonzero(x, dim=None):
    """Number of non-zero elements over ``dim``."""
    return sum(x != 0, dim)


def var_mean(x, dim=None, unbiased=None, keepdim=False, correction=None):
    """``(var, mean)`` over ``dim``, with ``var``'s arguments (n - 1 in the divisor unless
    told otherwise)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return var(x, dim, unbiased, keepdim, correction), mean(x, dim, keepdim)


def std_mean(x, dim=None, unbiased=None, keepdim=False, correction=None):
    """``(std, mean)`` over ``dim``, with ``std``'s arguments."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return std(x, dim, unbiased, keepdim, correction), mean(x, dim, keepdim)
