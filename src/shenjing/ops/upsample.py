"""Resizing: ``interpolate`` (nearest, nearest-exact, linear, bilinear, trilinear, area).

Every mode but 'area' is separable: along each spatial dim, output position j reads one
input position (nearest) or blends two (linear),

    y[j] = (1 - l_j) x[i0_j] + l_j x[i1_j],   i0_j = floor(src_j), i1_j = min(i0_j + 1, n - 1),

with src_j = (j + 0.5) * in / out - 0.5 (clamped at 0), or j (in - 1) / (out - 1) when
``align_corners``, exactly as PyTorch computes them (in the input's precision).  So the
op is one gather per dim and tap; backward sends each output gradient back to the taps
it came from, one sorted segment sum (``add.reduceat``) per dim and tap, never a loop
over pixels.  'area' is adaptive average pooling.
"""

import math

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .conv import check_float, fail
from .pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

_MODES = {"nearest": None, "nearest-exact": None, "linear": 1, "bilinear": 2, "trilinear": 3,
          "area": None}


def _scatter_sorted(xp, g, index, n, axis):
    """The adjoint of ``take(x, index, axis)`` for a non-decreasing ``index``: out[i] = the
    sum of g over the positions j with index[j] == i (zero where none)."""
    if index.shape[0] == n and bool((index == xp.arange(n)).all()):
        return g
    starts = xp.flatnonzero(xp.concatenate([xp.ones(1, bool), index[1:] != index[:-1]]))
    sums = xp.add.reduceat(g, starts, axis=axis)
    shape = list(g.shape)
    shape[axis] = n
    out = xp.zeros(shape, g.dtype)
    where = [slice(None)] * g.ndim
    where[axis] = index[starts]
    out[tuple(where)] = sums
    return out


class Resample(Function):
    """y = x resampled separably: ``taps[i]`` lists (index, weight or None) pairs for
    spatial axis ``axes[i]``; weights have the output length of that axis."""
    reads_inputs = False

    def __init__(self, axes, taps):
        self.axes, self.taps = axes, taps

    @staticmethod
    def _shape(weight, ndim, axis):
        return weight.reshape(tuple(-1 if a == axis else 1 for a in range(ndim)))

    def forward(self, x):
        xp = backend.array_module(x)
        self.in_sizes = [x.shape[a] for a in self.axes]
        if not self.axes:
            return x.copy()                              # nothing to resize
        y = x
        for axis, taps in zip(self.axes, self.taps):
            out = None
            for index, weight in taps:
                part = xp.take(y, index, axis=axis)
                if weight is not None:
                    part *= self._shape(weight.astype(x.dtype, copy=False), x.ndim, axis)
                out = part if out is None else xp.add(out, part, out=out)
            y = out
        return y

    def backward(self, gy):
        xp = backend.array_module(gy)
        g = gy
        for axis, taps, n in reversed(list(zip(self.axes, self.taps, self.in_sizes))):
            total = None
            for index, weight in taps:
                part = g if weight is None else g * self._shape(weight.astype(g.dtype, copy=False),
                                                                g.ndim, axis)
                part = _scatter_sorted(xp, part, index, n, axis)
                total = part if total is None else total + part
            g = total
        return g


def _scale_value(scale, n, out, dtype):
    """PyTorch's ``compute_scales_value``: 1 / scale_factor when one was given, else in/out."""
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(n) / dtype.type(out)


def _nearest_taps(xp, n, out, scale, exact, dtype):
    if out == n:
        return [(xp.arange(n), None)]
    f32 = xp.dtype("float32")           # PyTorch computes nearest indices in float
    s = _scale_value(scale, n, out, f32)
    j = xp.arange(out, dtype=f32)
    src = xp.floor((j + f32.type(0.5)) * s) if exact else xp.floor(j * s)
    return [(xp.minimum(src.astype(xp.int64), n - 1), None)]


def _linear_taps(xp, n, out, scale, align_corners, dtype):
    t = dtype.type
    if align_corners:
        s = t(n - 1) / t(out - 1) if out > 1 else t(0)
        src = s * xp.arange(out, dtype=dtype)
    else:
        s = _scale_value(scale, n, out, dtype)
        src = xp.maximum(s * (xp.arange(out, dtype=dtype) + t(0.5)) - t(0.5), t(0))
    i0 = src.astype(xp.int64)
    i1 = i0 + (i0 < n - 1)
    lam = xp.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    return [(i0, t(1) - lam), (i1, lam)]


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False, channels_last=False,
                name="interpolate"):
    """Resize the spatial dims of (N, C, *S) to ``size`` or S * ``scale_factor``.

    Modes: 'nearest' (PyTorch's legacy nearest: src = floor(j * in / out)),
    'nearest-exact', 'linear' (3-d input), 'bilinear' (4-d), 'trilinear' (5-d), 'area'.
    ``align_corners`` (linear modes only) maps the corner pixels' centres onto each other.
    ``channels_last``: (N, *S, C).

    >>> interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)  # (N, C, 2H, 2W)
    """
    op = name
    if not isinstance(input, Tensor):
        fail(op, f"expected a tensor, got {type(input).__name__}", TypeError)
    if mode not in _MODES:
        fail(op, f"mode must be one of {', '.join(_MODES)}, got {mode!r}", ValueError)
    if antialias:
        fail(op, "antialias=True is not supported", NotImplementedError)
    d = input.ndim - 2
    if d < 1 or d > 3:
        fail(op, f"expected a 3-d, 4-d or 5-d input (N, C, *S), got shape {tuple(input.shape)}")
    if _MODES[mode] is not None and _MODES[mode] != d:
        fail(op, f"mode {mode!r} needs a {_MODES[mode] + 2}-d input, got shape "
                 f"{tuple(input.shape)}")
    if align_corners is not None and _MODES[mode] is None:
        fail(op, f"align_corners can only be set with the linear modes, not {mode!r}",
             ValueError)
    check_float(input, None, op)
    axes = tuple(range(1, d + 1)) if channels_last else tuple(range(2, d + 2))
    in_size = tuple(input.shape[a] for a in axes)
    if (size is None) == (scale_factor is None):
        fail(op, "give exactly one of size and scale_factor", ValueError)
    if size is not None:
        out = tuple(int(s) for s in size) if isinstance(size, (tuple, list)) else (int(size),) * d
        scales = (None,) * d
    else:
        scales = tuple(float(s) for s in scale_factor) if isinstance(scale_factor, (tuple, list)) \
            else (float(scale_factor),) * d
        out = tuple(int(math.floor(n * s)) for n, s in zip(in_size, scales))
        if recompute_scale_factor:
            scales = (None,) * d
    if len(out) != d or any(o < 1 for o in out):
        fail(op, f"the output size {out} must have {d} positive values (input {in_size})",
             ValueError)
    if mode == "area":
        pool = {1: adaptive_avg_pool1d, 2: adaptive_avg_pool2d, 3: adaptive_avg_pool3d}[d]
        return pool(input, out, channels_last=channels_last, name=op)
    xp = backend.array_module(input.array)
    dtype = input.dtype
    taps = []
    for n, o, s in zip(in_size, out, scales):
        if _MODES[mode] is None:
            taps.append(_nearest_taps(xp, n, o, s, mode == "nearest-exact", dtype))
        else:
            taps.append(_linear_taps(xp, n, o, s, bool(align_corners), dtype))
    keep = [(a, t) for a, t, n, o in zip(axes, taps, in_size, out) if not (n == o and len(t) == 1)]
    return Resample(tuple(a for a, _ in keep), tuple(t for _, t in keep))(input)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """``interpolate`` under its older name."""
    return interpolate(input, size, scale_factor, mode, align_corners)
