"""Pooling over 1-d, 2-d (and 3-d) windows: max, average, adaptive and global.

Each window offset of the kernel is one strided view of the (padded) input, so a pool
with k = prod(kernel) offsets is k whole-array passes, never a loop over pixels:

    max:  y = max_t x[window offset t]            (t* = the first offset reaching it)
    avg:  y = sum_t x[window offset t] / divisor

Backward: the max gate gives the gradient to the largest input of each window, the one
whose offset t* the forward recorded once (a uint8 per output); the average spreads
dL/dy / divisor over its window.  When stride == kernel and nothing is padded the
windows tile the input and every backward write is an assignment into its own slice.
Large kernels over tiling windows (global pooling over time) take one reshape and one
reduction instead of a pass per offset.

Where numba runs, max and average pooling over channels-last memory are the one-pass
loops of ``kernels/pool.py`` (forward: each window read once; backward: each input
position gathers the gradients of its windows, so nothing is zeroed or cropped); they keep
the same arg-max, so either path's backward reads the other's forward.

Layout: ``channels_last=False`` takes PyTorch's (N, C, *S), ``True`` Keras' (N, *S, C).
Internally the op works on the channels-last view; arrays it allocates follow the memory
order of the input (a conv's output is channels-last in memory, see ``conv.py``), so no
pass pays for a transpose.
"""

import math

from .. import backend, kernels, parallel
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .conv import Geometry, cached, check_float, fail, layout_string, ntuple, to_first, to_last

#: kernels with more offsets than this take the reshape-and-reduce path when they tile
_LOOP_OFFSETS = 16


# ---------------------------------------------------------------- memory order


def _channels_first_memory(xl):
    """True when the channels-last view ``xl`` lies channels-first in memory."""
    return xl.shape[-1] > 1 and xl.ndim > 2 and xl.shape[-2] > 1 and \
        abs(xl.strides[-1]) > abs(xl.strides[-2])


def _kernel_layout(al):
    """True when the compiled kernels pay for the channels-last view ``al``: its memory is
    channels-last with runs of at least ``_KERNEL_CHANNELS`` channels, over which their
    inner loops run (channels-first memory is one long run per channel, for the reference's
    whole-array passes: a 2x2 pool of 64x32x26x26 took the kernel 21 ms forward, the
    reference 5.5 ms forward and backward)."""
    return al.shape[-1] >= _KERNEL_CHANNELS and not _channels_first_memory(al)


#: the fewest channels for which pooling runs as a compiled kernel
_KERNEL_CHANNELS = 8


def _new(xp, shape, dtype, first, fill=None):
    """A channels-last array of ``shape`` laid out in memory like the input (``first``:
    channels-first memory), empty, or filled with ``fill``."""
    d = len(shape) - 2
    mshape = (shape[0], shape[-1]) + tuple(shape[1:-1]) if first else tuple(shape)
    if fill is None:
        a = xp.empty(mshape, dtype)
    else:
        a = xp.zeros(mshape, dtype) if fill == 0 else xp.full(mshape, fill, dtype)
    return to_last(a, d) if first else a


def _padded(xl, geom, fill, first):
    if not geom.padding:
        return xl
    xp = backend.array_module(xl)
    out = _new(xp, (xl.shape[0],) + geom.padded + (xl.shape[-1],), xl.dtype, first, fill)
    out[geom.interior()] = xl
    return out


def _tiles(geom):
    """True when the windows tile the input exactly: stride == kernel, no dilation or
    padding, so each input position is in at most one window."""
    return not geom.padding and all(s == k and dl == 1 for s, k, dl in
                                    zip(geom.stride, geom.kernel, geom.dilation))


def _covers(geom):
    """Tiling windows that also cover every input position (no remainder cropped)."""
    return _tiles(geom) and all(o * k == n for o, k, n in
                                zip(geom.out_size, geom.kernel, geom.in_size))


def _blocks(a, geom):
    """The tiled windows of channels-last ``a`` as a view (N, o1, k1, o2, k2, ..., C)."""
    crop = a[(slice(None),) + tuple(slice(0, o * k) for o, k in
                                    zip(geom.out_size, geom.kernel)) + (slice(None),)]
    shape = (a.shape[0],)
    for o, k in zip(geom.out_size, geom.kernel):
        shape += (o, k)
    return crop.reshape(shape + (a.shape[-1],))


def _window_axes(d):
    return tuple(2 + 2 * i for i in range(d))


def _grad_buffer(xp, geom, shape_l, dtype, first):
    """Where backward adds the window gradients: the padded input's shape, zeroed unless
    every position gets exactly one assignment."""
    padded = (shape_l[0],) + geom.padded + (shape_l[-1],)
    return _new(xp, padded, dtype, first, None if _covers(geom) else 0)


# ---------------------------------------------------------------- max


class MaxPool(Function):
    """y = the largest input of each window; dL/dx gets dL/dy at the first arg-max."""
    reads_inputs = False        # backward reads only the arg-max kept by the forward
    indices_wanted = False      # set by return_indices=True: keep the arg-max without a graph

    def __init__(self, geom, channels_last):
        self.geom, self.channels_last = geom, channels_last

    def forward(self, x):
        geom, d = self.geom, len(self.geom.kernel)
        xp = backend.array_module(x)
        xl = x if self.channels_last else to_last(x, d)
        first = _channels_first_memory(xl)
        record = self.needs_input_grad is not None
        k = math.prod(geom.kernel)
        out_shape = (xl.shape[0],) + geom.out_size + (xl.shape[-1],)
        idx = None
        fast = kernels.module("pool") if kernels.usable(xl) and _kernel_layout(xl) else None
        if fast is not None:          # one pass, the arg-max as the loop below keeps it
            y, idx = fast.max_pool(xl, geom, record or self.indices_wanted, parallel.map_batch)
        elif k > _LOOP_OFFSETS and _tiles(geom) and not (record or self.indices_wanted):
            y = _blocks(xl, geom).max(axis=_window_axes(d))    # no graph: no arg-max
        elif k > _LOOP_OFFSETS and _tiles(geom):
            # one reshape + one reduction: (N, o1, o2, C, k1*k2)
            blocks = _blocks(xl, geom)
            order = (0,) + tuple(1 + 2 * i for i in range(d)) + (2 * d + 1,) + _window_axes(d)
            flat = xp.ascontiguousarray(blocks.transpose(order)).reshape(out_shape + (k,))
            idx = flat.argmax(axis=-1)
            y = xp.take_along_axis(flat, idx[..., None], axis=-1)[..., 0]
        else:
            xpad = _padded(xl, geom, -xp.inf, first)
            windows = geom.windows
            y = _new(xp, out_shape, x.dtype, first)
            xp.copyto(y, xpad[windows[0][1]])
            if record or self.indices_wanted:
                itype = xp.uint8 if k < 256 else xp.int32
                idx = _new(xp, out_shape, itype, first, 0)
                won = _new(xp, out_shape, xp.bool_, first)
                step = won.view(xp.uint8) if k < 256 else xp.empty(out_shape, itype)
            for t, (_, view) in enumerate(windows[1:], 1):
                v = xpad[view]
                if idx is not None:
                    # idx = t where v beats the maximum so far (strictly: the first maximum
                    # keeps it).  t grows with each offset, so max(idx, t * won) does it
                    # without a branchy masked copy
                    xp.greater(v, y, out=won)
                    xp.multiply(won, itype(t), out=step)
                    xp.maximum(idx, step, out=idx)
                xp.maximum(y, v, out=y)
        self.idx, self.first, self.x_shape = idx, first, xl.shape
        return y if self.channels_last else to_first(y, d)

    def backward(self, gy):
        geom, d, idx = self.geom, len(self.geom.kernel), self.idx
        xp = backend.array_module(gy)
        gl = gy if self.channels_last else to_last(gy, d)
        k = math.prod(geom.kernel)
        fast = kernels.module("pool") if kernels.usable(gl) and _kernel_layout(idx) else None
        if fast is not None:
            gx = fast.max_pool_grad(gl, idx, geom, self.x_shape, parallel.map_batch)
        elif k > _LOOP_OFFSETS and _tiles(geom):
            shape = gl.shape + (k,)
            gw = xp.zeros(shape, gl.dtype)
            xp.put_along_axis(gw, idx[..., None], gl[..., None], axis=-1)
            gx = xp.zeros(self.x_shape, gl.dtype) if not _covers(geom) else \
                xp.empty(self.x_shape, gl.dtype)
            blocks = _blocks(gx, geom)                # (N, o1, k1, o2, k2, C) view of gx
            inverse = [0]
            for i in range(d):
                inverse += [1 + i, d + 2 + i]
            inverse.append(d + 1)
            blocks[...] = gw.reshape(gl.shape + geom.kernel).transpose(inverse)
        else:
            gpad = _grad_buffer(xp, geom, self.x_shape, gl.dtype, self.first)
            overlap = not _tiles(geom)
            for t, (_, view) in enumerate(geom.windows):
                dst = gpad[view]
                won = (idx == t).view(xp.uint8)      # 0/1 as a number: no bool cast
                if overlap:
                    dst += gl * won
                else:
                    xp.multiply(gl, won, out=dst)
            gx = gpad[geom.interior()] if geom.padding else gpad
        return gx if self.channels_last else to_first(gx, d)

    def indices(self):
        """The arg-max of each window as a flat index into the input's spatial dims
        (PyTorch's ``return_indices``), int64, in the output's layout."""
        geom, d = self.geom, len(self.geom.kernel)
        xp = backend.array_module(self.idx)
        offs = xp.unravel_index(self.idx.astype(xp.int64), geom.kernel)
        flat = 0
        for i in range(d):
            o = xp.arange(geom.out_size[i]) * geom.stride[i] - geom.pad_lo[i]
            o = o.reshape((1,) + tuple(-1 if j == i else 1 for j in range(d)) + (1,))
            pos = o + offs[i] * geom.dilation[i]
            flat = flat * geom.in_size[i] + pos
        flat = xp.asarray(flat, xp.int64)
        return flat if self.channels_last else to_first(flat, d)


# ---------------------------------------------------------------- average


class AvgPool(Function):
    """y = the window sum / divisor (``divisor`` a number or an array broadcast over y)."""
    reads_inputs = False

    def __init__(self, geom, channels_last, divisor):
        self.geom, self.channels_last, self.divisor = geom, channels_last, divisor

    def forward(self, x):
        geom, d = self.geom, len(self.geom.kernel)
        xp = backend.array_module(x)
        xl = x if self.channels_last else to_last(x, d)
        first = _channels_first_memory(xl)
        scale = self._scale(x.dtype, xp)
        fast = kernels.module("pool") if kernels.usable(xl) and _kernel_layout(xl) else None
        if fast is not None:          # one pass: the window sum times the scale
            y = fast.avg_pool(xl, geom, scale, parallel.map_batch)
        elif math.prod(geom.kernel) > _LOOP_OFFSETS and _tiles(geom):
            y = _blocks(xl, geom).sum(axis=_window_axes(d))
        else:
            xpad = _padded(xl, geom, 0, first)
            windows = geom.windows
            y = _new(xp, (xl.shape[0],) + geom.out_size + (xl.shape[-1],), x.dtype, first)
            xp.copyto(y, xpad[windows[0][1]])
            for _, view in windows[1:]:
                y += xpad[view]
        if fast is None:
            y *= scale
        self.first, self.x_shape = first, xl.shape
        return y if self.channels_last else to_first(y, d)

    def _scale(self, dtype, xp):
        if isinstance(self.divisor, (int, float)):
            return dtype.type(1.0 / self.divisor)
        return (1.0 / self.divisor).astype(dtype)

    def backward(self, gy):
        geom, d = self.geom, len(self.geom.kernel)
        xp = backend.array_module(gy)
        gl = gy if self.channels_last else to_last(gy, d)
        fast = kernels.module("pool") if kernels.usable(gl) and _kernel_layout(gl) else None
        if fast is not None:          # one gathering pass, dL/dy times the scale
            gx = fast.avg_pool_grad(gl, geom, self._scale(gy.dtype, xp), self.x_shape,
                                    parallel.map_batch)
            return gx if self.channels_last else to_first(gx, d)
        gs = gl * self._scale(gy.dtype, xp)
        if math.prod(geom.kernel) > _LOOP_OFFSETS and _tiles(geom):
            gx = xp.zeros(self.x_shape, gy.dtype) if not _covers(geom) else \
                xp.empty(self.x_shape, gy.dtype)
            expand = (slice(None),)
            for _ in range(d):
                expand += (slice(None), None)
            _blocks(gx, geom)[...] = gs[expand + (slice(None),)]
        else:
            gpad = _grad_buffer(xp, geom, self.x_shape, gy.dtype, self.first)
            overlap = not _tiles(geom)
            for _, view in geom.windows:
                dst = gpad[view]
                if overlap:
                    dst += gs
                else:
                    dst[...] = gs
            gx = gpad[geom.interior()] if geom.padding else gpad
        return gx if self.channels_last else to_first(gx, d)


# ---------------------------------------------------------------- adaptive, uneven bins


def adaptive_bins(n, out):
    """PyTorch's adaptive bins: bin i covers [floor(i n / out), ceil((i + 1) n / out))."""
    starts = [(i * n) // out for i in range(out)]
    ends = [-((-(i + 1) * n) // out) for i in range(out)]
    return starts, ends


class AdaptiveAvg(Function):
    """Adaptive average over uneven bins: one small averaging matrix A (out, in) per
    spatial dim, y = x x_1 A_1 x_2 A_2 ..., and dL/dx = dL/dy x_1 A_1^T x_2 A_2^T ..."""
    reads_inputs = False

    def __init__(self, matrices, channels_last):
        self.matrices, self.channels_last = matrices, channels_last

    def _apply(self, a, transpose):
        d = len(self.matrices)
        xp = backend.array_module(a)
        al = a if self.channels_last else to_last(a, d)
        for i, m in enumerate(self.matrices):
            m = (m.T if transpose else m).astype(a.dtype)
            al = xp.moveaxis(xp.tensordot(m, al, axes=([1], [1 + i])), 0, 1 + i)
        return al if self.channels_last else to_first(al, d)

    def forward(self, x):
        return self._apply(x, False)

    def backward(self, gy):
        return self._apply(gy, True)


class AdaptiveMaxGather(Function):
    """Adaptive max over uneven bins: the bins, padded to the longest by repeating their
    last index (which changes no maximum), are gathered into (N, *out, C, window) once;
    backward adds dL/dy at each arg-max."""
    reads_inputs = False

    def __init__(self, bins, channels_last):
        self.bins, self.channels_last = bins, channels_last   # per dim: (starts, ends)

    def forward(self, x):
        d = len(self.bins)
        xp = backend.array_module(x)
        xl = x if self.channels_last else to_last(x, d)
        index, lengths = [], []
        for i, (starts, ends) in enumerate(self.bins):
            longest = max(e - s for s, e in zip(starts, ends))
            rows = [[s + min(t, e - s - 1) for t in range(longest)] for s, e in zip(starts, ends)]
            index.append(xp.asarray(rows))               # (out_i, longest_i)
            lengths.append(longest)
        # fancy index: dim i gets index[i] shaped to broadcast as (out_1..out_d, L_1..L_d)
        parts = [slice(None)]
        for i in range(d):
            shape = [1] * (2 * d)
            shape[i], shape[d + i] = index[i].shape
            parts.append(index[i].reshape(shape))
        windows = xl[tuple(parts)]                       # (N, *out, *L, C)
        out = windows.shape[1:1 + d]
        flat = windows.reshape((xl.shape[0],) + out + (-1, xl.shape[-1]))
        arg = flat.argmax(axis=-2)                       # (N, *out, C), row-major first max
        y = xp.take_along_axis(flat, arg[..., None, :], axis=-2)[..., 0, :]
        self.positions = []
        rest = arg
        for i in reversed(range(d)):                      # window offset -> input position
            t = rest % lengths[i]
            rest = rest // lengths[i]
            o = xp.arange(out[i]).reshape(
                (1,) + tuple(-1 if j == i else 1 for j in range(d)) + (1,))
            self.positions.insert(0, index[i][o, t])
        self.x_shape = xl.shape
        return y if self.channels_last else to_first(y, d)

    def backward(self, gy):
        d = len(self.bins)
        xp = backend.array_module(gy)
        gl = gy if self.channels_last else to_last(gy, d)
        gx = xp.zeros(self.x_shape, gy.dtype)
        n, c = gl.shape[0], gl.shape[-1]
        ni = xp.arange(n).reshape((n,) + (1,) * (d + 1))
        ci = xp.arange(c).reshape((1,) * (d + 1) + (c,))
        xp.add.at(gx, (ni,) + tuple(self.positions) + (ci,), gl)
        return gx if self.channels_last else to_first(gx, d)

    def indices(self):
        d = len(self.bins)
        flat = 0
        for i in range(d):
            flat = flat * self.x_shape[1 + i] + self.positions[i]
        xp = backend.array_module(self.positions[0])
        flat = xp.asarray(flat, xp.int64)
        return flat if self.channels_last else to_first(flat, d)


# ---------------------------------------------------------------- geometry and checks


def _pool_input(x, d, channels_last, op):
    """(x with a batch dim, whether it was added, spatial size): (C, *S) inputs are
    accepted unbatched, as in PyTorch."""
    if not isinstance(x, Tensor):
        fail(op, f"expected a tensor, got {type(x).__name__}", TypeError)
    if x.ndim == d + 1:
        x, unbatched = x.unsqueeze(0), True
    else:
        unbatched = False
    if x.ndim != d + 2:
        fail(op, f"expected a {d + 1}-d or {d + 2}-d input {layout_string(d, channels_last)}, "
                 f"got shape {tuple(x.shape)}")
    check_float(x, None, op)
    size = tuple(x.shape[1:-1]) if channels_last else tuple(x.shape[2:])
    return x, unbatched, size


def _pool_out(n, k, s, p, dl, ceil_mode):
    span = dl * (k - 1) + 1
    num = n + 2 * p - span + ((s - 1) if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1                     # the last window must start inside the input or padding
    return out


@cached
def pool_geometry(size, kernel_size, stride, padding, dilation, ceil_mode, op, max_pool=True):
    d = len(size)
    kernel = ntuple(kernel_size, d, "kernel_size", op)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else ntuple(stride, d, "stride", op)
    padding = ntuple(padding, d, "padding", op)
    dilation = ntuple(dilation, d, "dilation", op)
    if any(v <= 0 for v in kernel + stride + dilation) or any(p < 0 for p in padding):
        fail(op, f"kernel_size, stride and dilation must be positive and padding non-negative, "
                 f"got kernel_size={kernel}, stride={stride}, padding={padding}, "
                 f"dilation={dilation}", ValueError)
    for k, p, dl in zip(kernel, padding, dilation):
        limit = (dl * (k - 1) + 1) / 2 if max_pool else k / 2
        if p > limit:
            fail(op, f"padding {padding} should be at most half of the kernel size {kernel}",
                 ValueError)
    out = tuple(_pool_out(n, k, s, p, dl, ceil_mode) for n, k, s, p, dl in
                zip(size, kernel, stride, padding, dilation))
    if any(o < 1 for o in out):
        span = tuple(dl * (k - 1) + 1 for k, dl in zip(kernel, dilation))
        padded = tuple(n + 2 * p for n, p in zip(size, padding))
        fail(op, f"kernel size {span} is larger than the padded input {padded} (input {size}, "
                 f"padding {padding})")
    hi = tuple(max(p, (o - 1) * s + dl * (k - 1) + 1 - n - p) for n, k, s, p, dl, o in
               zip(size, kernel, stride, padding, dilation, out))
    return Geometry(size, kernel, stride, dilation, padding, hi, out)


def _finish(y, unbatched):
    return y.squeeze(0) if unbatched else y


# ---------------------------------------------------------------- public functions


def _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, d,
              channels_last, op):
    x, unbatched, size = _pool_input(x, d, channels_last, op)
    geom = pool_geometry(size, kernel_size, stride, padding, dilation, ceil_mode, op)
    fn = MaxPool(geom, channels_last)
    fn.indices_wanted = bool(return_indices)
    y = fn(x)
    if not return_indices:
        return _finish(y, unbatched)
    return _finish(y, unbatched), _finish(Tensor(fn.indices()), unbatched)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False, channels_last=False, name="max_pool1d"):
    """Max over windows of ``kernel_size``: (N, C, L) -> (N, C, L'), stride = kernel unless
    given; L' = floor or ceil((L + 2 padding - dilation (k - 1) - 1) / stride) + 1."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     1, channels_last, name)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False, channels_last=False, name="max_pool2d"):
    """Max over kh x kw windows: (N, C, H, W) -> (N, C, H', W'); the gradient goes to the
    first maximum of each window.  ``channels_last``: (N, H, W, C) -> (N, H', W', C)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     2, channels_last, name)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False, channels_last=False, name="max_pool3d"):
    """Max over kd x kh x kw windows: (N, C, D, H, W) -> (N, C, D', H', W')."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     3, channels_last, name)


def _avg_divisor(geom, count_include_pad, divisor_override, xp):
    """PyTorch's divisor: the window size clipped to the padded input (count_include_pad)
    or to the input itself, per output position (a number when all are equal)."""
    if divisor_override:
        return float(divisor_override)
    counts = []
    for n, k, s, p, o in zip(geom.in_size, geom.kernel, geom.stride, geom.pad_lo, geom.out_size):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(xp.minimum(end, n) - xp.maximum(start, 0))
    if all(int(c.min()) == int(c.max()) for c in counts):
        return float(math.prod(int(c[0]) for c in counts))
    d = len(counts)
    div = 1
    for i, c in enumerate(counts):
        div = div * c.reshape(tuple(-1 if j == i else 1 for j in range(d)) + (1,))
    return div.astype(xp.float64)


def _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
              d, channels_last, op):
    x, unbatched, size = _pool_input(x, d, channels_last, op)
    geom = pool_geometry(size, kernel_size, stride, padding, 1, ceil_mode, op, False)
    xp = backend.array_module(x.array)
    divisor = _avg_divisor(geom, count_include_pad, divisor_override, xp)
    return _finish(AvgPool(geom, channels_last, divisor)(x), unbatched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, channels_last=False, name="avg_pool1d"):
    """Mean over windows: (N, C, L) -> (N, C, L'); ``count_include_pad`` counts the zero
    padding in the divisor (PyTorch's default)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     1, channels_last, name)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None, channels_last=False,
               name="avg_pool2d"):
    """Mean over kh x kw windows: (N, C, H, W) -> (N, C, H', W')."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, channels_last, name)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None, channels_last=False,
               name="avg_pool3d"):
    """Mean over kd x kh x kw windows: (N, C, D, H, W) -> (N, C, D', H', W')."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 3, channels_last, name)


def _adaptive_sizes(output_size, size, op):
    d = len(size)
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != d:
            fail(op, f"output_size must be an int or {d} values, got {output_size!r}", ValueError)
        out = tuple(n if o is None else int(o) for o, n in zip(output_size, size))
    else:
        out = (int(output_size),) * d
    if any(o < 1 for o in out):
        fail(op, f"output_size must be positive, got {output_size!r}", ValueError)
    if any(n < 1 for n in size):
        fail(op, f"the input has an empty spatial dim: {size}")
    return out


def _adaptive(x, output_size, d, channels_last, op, kind, return_indices=False):
    x, unbatched, size = _pool_input(x, d, channels_last, op)
    out = _adaptive_sizes(output_size, size, op)
    xp = backend.array_module(x.array)
    if all(n % o == 0 for n, o in zip(size, out)):
        kernel = tuple(n // o for n, o in zip(size, out))
        geom = Geometry(size, kernel, kernel, (1,) * d, (0,) * d, (0,) * d, out)
        if kind == "avg":
            return _finish(AvgPool(geom, channels_last, float(math.prod(kernel)))(x), unbatched)
        fn = MaxPool(geom, channels_last)
    else:
        bins = [adaptive_bins(n, o) for n, o in zip(size, out)]
        if kind == "avg":
            matrices = []
            for (starts, ends), n in zip(bins, size):
                m = xp.zeros((len(starts), n))
                for i, (s, e) in enumerate(zip(starts, ends)):
                    m[i, s:e] = 1.0 / (e - s)
                matrices.append(m)
            return _finish(AdaptiveAvg(matrices, channels_last)(x), unbatched)
        fn = AdaptiveMaxGather(bins, channels_last)
    fn.indices_wanted = bool(return_indices)
    y = fn(x)
    if not return_indices:
        return _finish(y, unbatched)
    return _finish(y, unbatched), _finish(Tensor(fn.indices()), unbatched)


def adaptive_avg_pool1d(input, output_size, channels_last=False, name="adaptive_avg_pool1d"):
    """Mean over ``output_size`` bins spanning the input: (N, C, L) -> (N, C, output_size)."""
    return _adaptive(input, output_size, 1, channels_last, name, "avg")


def adaptive_avg_pool2d(input, output_size, channels_last=False, name="adaptive_avg_pool2d"):
    """Mean over an (oh, ow) grid of bins: (N, C, H, W) -> (N, C, oh, ow); bin i spans
    [floor(i H / oh), ceil((i + 1) H / oh)).  ``output_size`` 1 is global average pooling."""
    return _adaptive(input, output_size, 2, channels_last, name, "avg")


def adaptive_avg_pool3d(input, output_size, channels_last=False, name="adaptive_avg_pool3d"):
    """Mean over an (od, oh, ow) grid of bins."""
    return _adaptive(input, output_size, 3, channels_last, name, "avg")


def adaptive_max_pool1d(input, output_size, return_indices=False, channels_last=False,
                        name="adaptive_max_pool1d"):
    """Max over ``output_size`` bins: (N, C, L) -> (N, C, output_size)."""
    return _adaptive(input, output_size, 1, channels_last, name, "max", return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False, channels_last=False,
                        name="adaptive_max_pool2d"):
    """Max over an (oh, ow) grid of bins: (N, C, H, W) -> (N, C, oh, ow)."""
    return _adaptive(input, output_size, 2, channels_last, name, "max", return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False, channels_last=False,
                        name="adaptive_max_pool3d"):
    """Max over an (od, oh, ow) grid of bins."""
    return _adaptive(input, output_size, 3, channels_last, name, "max", return_indices)


def global_avg_pool(input, channels_last=False, keepdim=False, name="global_avg_pool"):
    """Mean over every spatial dim: (N, C, *S) -> (N, C) (Keras' GlobalAveragePooling)."""
    if not isinstance(input, Tensor) or input.ndim < 3:
        fail(name, f"expected a tensor (N, C, *S) with at least one spatial dim, got "
                   f"{getattr(input, 'shape', type(input).__name__)}")
    axes = tuple(range(1, input.ndim - 1)) if channels_last else tuple(range(2, input.ndim))
    return input.mean(axes, keepdim=keepdim)


def global_max_pool(input, channels_last=False, keepdim=False, name="global_max_pool"):
    """Max over every spatial dim: (N, C, *S) -> (N, C); the gradient goes to the arg-max."""
    if not isinstance(input, Tensor) or input.ndim < 3:
        fail(name, f"expected a tensor (N, C, *S) with at least one spatial dim, got "
                   f"{getattr(input, 'shape', type(input).__name__)}")
    d = input.ndim - 2
    y = _adaptive(input, 1, d, channels_last, name, "max")
    return y if keepdim else y.flatten(1)
