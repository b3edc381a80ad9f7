"""Scans along one dim: cumsum, cumprod, and the n-th difference ``diff``.

y_j = sum_{i <= j} x_i has dL/dx_i = sum_{j >= i} dL/dy_j: the gradient is the running
sum taken from the other end (reverse, cumsum, reverse), O(n) like the forward.
For y_j = prod_{i <= j} x_i, dL/dx_i = sum_{j >= i} dL/dy_j y_j / x_i where x has no zero;
a row with a zero takes the exact product of the others instead (no division by 0).
"""

from .. import backend
from ..autograd.function import Function
from ._helpers import as_tensor, axis


def _reverse_cumsum(g, axis):
    xp = backend.array_module(g)
    return xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis)


class CumSum(Function):
    """y = running sums of x along ``axis``;  dL/dx = reversed running sums of dL/dy."""
    reads_inputs = False

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return backend.array_module(x).cumsum(x, axis=self.axis, dtype=x.dtype)

    def backward(self, gy):
        return _reverse_cumsum(gy, self.axis)


class CumProd(Function):
    """y = running products of x along ``axis``;  dL/dx_i = sum_{j >= i} dL/dy_j y_j / x_i
    (rows holding a zero: see ``_backward_with_zeros``)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        self.x = x
        self.y = y = backend.array_module(x).cumprod(x, axis=self.axis, dtype=x.dtype)
        return y

    def backward(self, gy):
        xp = backend.array_module(gy)
        x, y = xp.moveaxis(self.x, self.axis, -1), xp.moveaxis(self.y, self.axis, -1)
        g = xp.moveaxis(gy, self.axis, -1)
        zero = x == 0
        with xp.errstate(divide="ignore", invalid="ignore"):
            gx = _reverse_cumsum(g * y, -1) / xp.where(zero, 1, x)
        rows = zero.any(axis=-1)
        if rows.any():
            gx = gx.copy()
            flat_x, flat_y = x.reshape(-1, x.shape[-1]), y.reshape(-1, y.shape[-1])
            flat_g, out = g.reshape(-1, g.shape[-1]), gx.reshape(-1, gx.shape[-1])
            for r in xp.flatnonzero(rows.reshape(-1)):
                out[r] = _backward_with_zeros(flat_x[r], flat_y[r], flat_g[r])
            gx = out.reshape(gx.shape)
        return xp.moveaxis(gx, -1, self.axis)


def _backward_with_zeros(x, y, g):
    """dL/dx of one row of cumprod whose first zero is at z: before z the division formula
    holds (every later y_j is 0), at z dL/dx_z = y_{z-1} sum_{j >= z} g_j prod_{z<k<=j} x_k,
    and after z every product still holds x_z = 0."""
    xp = backend.array_module(x)
    z = int(xp.flatnonzero(x == 0)[0])
    out = xp.zeros_like(x)
    out[:z] = _reverse_cumsum(g * y, -1)[:z] / x[:z]
    after = xp.cumprod(xp.concatenate([xp.ones(1, x.dtype), x[z + 1:]]))
    out[z] = (y[z - 1] if z else 1) * (g[z:] * after).sum()
    return out


def _scan_input(x, dim, dtype, op):
    x = as_tensor(x)
    if dtype is not None:
        x = x.type(dtype)
    elif x.array.dtype.kind in "biu":  # as PyTorch: integer and bool scans give int64
        x = x.type("int64")
    if x.ndim == 0:
        from .shape import reshape
        return reshape(x, 1), 0, True
    return x, axis(dim, x.ndim, op), False


def cumsum(x, dim, dtype=None):
    """Running sums along ``dim``: y[..., j] = x[..., 0] + ... + x[..., j]; same shape as x
    (integers and bools sum in int64, as PyTorch)."""
    t, a, scalar = _scan_input(x, dim, dtype, "cumsum")
    y = CumSum(a)(t)
    return y.reshape(()) if scalar else y


def cumprod(x, dim, dtype=None):
    """Running products along ``dim``: y[..., j] = x[..., 0] * ... * x[..., j]; same shape."""
    t, a, scalar = _scan_input(x, dim, dtype, "cumprod")
    y = CumProd(a)(t)
    return y.reshape(()) if scalar else y


def diff(x, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim``: y[..., i] = x[..., i + 1] - x[..., i],
    applied n times, after joining ``prepend``/``append`` on that dim (size shrinks by n)."""
    from .shape import cat
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("diff: expects a tensor with at least 1 dim, got a 0-d tensor")
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
    a = axis(dim, x.ndim, "diff")
    parts = [as_tensor(p) for p in (prepend,) if p is not None] + [x] + \
        [as_tensor(p) for p in (append,) if p is not None]
    if len(parts) > 1:
        x = cat(parts, a)
    for _ in range(n):
        if x.shape[a] == 0:
            break
        head = (slice(None),) * a
        later, earlier = x[head + (slice(1, None),)], x[head + (slice(0, -1),)]
        x = (later != earlier) if x.dtype.kind == "b" else later - earlier
    return x
