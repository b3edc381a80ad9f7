"""Max and average pooling as compiled loops: one pass for the forward, one for backward.

The NumPy reference (``shenjing/ops/pool.py``) makes one whole-array pass per kernel
offset, pads the input into a new array (with -inf for max) and, backward, adds into a
zeroed padded buffer that it then crops.  Here each output is computed once from its
window (positions on the padding are skipped), and backward *gathers*: each input
position sums, in the order of the kernel offsets (the reference's order, so the sums
are the same), the gradients of the windows that read it, and is written once.

Max pooling keeps the offset t of the first maximum of each window (a uint8, or an int32
for windows of 256 and more), as the reference does, so both paths read each other's
arg-max and ``MaxPool.indices`` works unchanged.  NaN propagates as in the reference: the
value becomes NaN and the arg-max stays at the largest value before it.

Every array is seen as (B, D, H, W, C) in memory: channels-last memory is (N, *S, C)
itself, channels-first memory (N, C, *S) is (N*C, *S, 1), since pooling never mixes
channels (correct, but the loops over one channel are slow: the ops send such memory, and
fewer than 8 channels, to the reference); 1-d and 2-d pools have D (and H) of one.
Large pools are split by that first dim over the cores (``shenjing.parallel``, passed in
by the op).
"""

import numpy

from .common import jit
from .windows import geometry_args, tables, three

#: the elements from which a pool is split over the cores: below, the hand-off to the
#: worker threads costs more than it saves (a 2x2 pool of 64x26x26x32, 1.4 M elements:
#: 0.43 ms forward on one thread, 0.48 ms split, on a busy 2-core machine)
SPLIT_ELEMENTS = 1 << 21


@jit
def _max_forward(x, kernel, stride, dilation, pad, out_size, y, idx, record):
    n_img, depth, height, width, c_ = x.shape
    kd_, kh_, kw_ = kernel
    sd, sh, sw = stride
    dd, dh, dw = dilation
    pd, ph, pw = pad
    od_, oh_, ow_ = out_size
    ninf = -numpy.inf
    for n in range(n_img):
        for od in range(od_):
            for oh in range(oh_):
                for ow in range(ow_):
                    t = 0
                    for kd in range(kd_):
                        i = od * sd + kd * dd - pd
                        for kh in range(kh_):
                            j = oh * sh + kh * dh - ph
                            for kw in range(kw_):
                                m = ow * sw + kw * dw - pw
                                inside = 0 <= i < depth and 0 <= j < height and 0 <= m < width
                                if t == 0:
                                    if inside:
                                        for c in range(c_):
                                            y[n, od, oh, ow, c] = x[n, i, j, m, c]
                                    else:
                                        for c in range(c_):
                                            y[n, od, oh, ow, c] = ninf
                                    if record:
                                        for c in range(c_):
                                            idx[n, od, oh, ow, c] = 0
                                elif inside:
                                    if record:
                                        for c in range(c_):
                                            v, best = x[n, i, j, m, c], y[n, od, oh, ow, c]
                                            wins = v > best
                                            y[n, od, oh, ow, c] = v if wins or v != v else best
                                            if wins:
                                                idx[n, od, oh, ow, c] = t
                                    else:
                                        for c in range(c_):
                                            v, best = x[n, i, j, m, c], y[n, od, oh, ow, c]
                                            y[n, od, oh, ow, c] = v if v > best or v != v else best
                                t += 1


@jit
def _max_backward(gy, idx, td, th, tw, dx):
    """dx = the sum, over the windows whose arg-max is this position, of their dL/dy;
    ``td[i, k]``: the window along D whose offset k reads position i, or -1 (so th, tw)."""
    n_img, depth, height, width, c_ = dx.shape
    kd_, kh_, kw_ = td.shape[1], th.shape[1], tw.shape[1]
    for n in range(n_img):
        for i in range(depth):
            for j in range(height):
                for m in range(width):
                    for c in range(c_):
                        dx[n, i, j, m, c] = 0
                    for kd in range(kd_):
                        od = td[i, kd]
                        if od < 0:
                            continue
                        for kh in range(kh_):
                            oh = th[j, kh]
                            if oh < 0:
                                continue
                            for kw in range(kw_):
                                ow = tw[m, kw]
                                if ow < 0:
                                    continue
                                t = (kd * kh_ + kh) * kw_ + kw
                                for c in range(c_):
                                    if idx[n, od, oh, ow, c] == t:
                                        dx[n, i, j, m, c] += gy[n, od, oh, ow, c]


@jit
def _avg_forward(x, kernel, stride, dilation, pad, out_size, scale, y):
    """y = the window sum (padding adds nothing) times scale[output position]."""
    n_img, depth, height, width, c_ = x.shape
    kd_, kh_, kw_ = kernel
    sd, sh, sw = stride
    dd, dh, dw = dilation
    pd, ph, pw = pad
    od_, oh_, ow_ = out_size
    for n in range(n_img):
        p = 0
        for od in range(od_):
            for oh in range(oh_):
                for ow in range(ow_):
                    for c in range(c_):
                        y[n, od, oh, ow, c] = 0
                    for kd in range(kd_):
                        i = od * sd + kd * dd - pd
                        if i < 0 or i >= depth:
                            continue
                        for kh in range(kh_):
                            j = oh * sh + kh * dh - ph
                            if j < 0 or j >= height:
                                continue
                            for kw in range(kw_):
                                m = ow * sw + kw * dw - pw
                                if m < 0 or m >= width:
                                    continue
                                for c in range(c_):
                                    y[n, od, oh, ow, c] += x[n, i, j, m, c]
                    s = scale[p]
                    for c in range(c_):
                        y[n, od, oh, ow, c] *= s
                    p += 1


@jit
def _avg_backward(gy, td, th, tw, scale, dx):
    """dx = the sum over the windows that read this position of dL/dy * scale."""
    n_img, depth, height, width, c_ = dx.shape
    kd_, kh_, kw_ = td.shape[1], th.shape[1], tw.shape[1]
    oh_, ow_ = gy.shape[2], gy.shape[3]
    for n in range(n_img):
        for i in range(depth):
            for j in range(height):
                for m in range(width):
                    for c in range(c_):
                        dx[n, i, j, m, c] = 0
                    for kd in range(kd_):
                        od = td[i, kd]
                        if od < 0:
                            continue
                        for kh in range(kh_):
                            oh = th[j, kh]
                            if oh < 0:
                                continue
                            for kw in range(kw_):
                                ow = tw[m, kw]
                                if ow < 0:
                                    continue
                                s = scale[(od * oh_ + oh) * ow_ + ow]
                                for c in range(c_):
                                    dx[n, i, j, m, c] += gy[n, od, oh, ow, c] * s


# ---------------------------------------------------------------- layouts and wrappers


def _check_float(*arrays):
    for a in arrays:
        if type(a) is not numpy.ndarray or a.dtype not in (numpy.float32, numpy.float64):
            raise ValueError(f"kernels.pool: expected a float32 or float64 NumPy array, got "
                             f"{type(a).__name__} {getattr(a, 'dtype', '')}")


def _first_view(al):
    """Channels-last view (N, *S, C) -> the channels-first view (N, C, *S)."""
    return al.transpose(0, al.ndim - 1, *range(1, al.ndim - 1))


def _memory_first(al):
    """True when the channels-last view ``al`` is channels-first memory (C-contiguous as
    (N, C, *S)) and not also channels-last memory."""
    return not al.flags.c_contiguous and _first_view(al).flags.c_contiguous


def _to_memory(al, first):
    """The channels-last view ``al`` as the kernels' (B, D, H, W, C) C-contiguous array in
    the layout ``first`` (copied only when it is not already laid out so)."""
    n, c, spatial = al.shape[0], al.shape[-1], al.shape[1:-1]
    if first:
        a = numpy.ascontiguousarray(_first_view(al))
        return a.reshape((n * c,) + three(spatial, 1) + (1,))
    a = numpy.ascontiguousarray(al)
    return a.reshape((n,) + three(spatial, 1) + (c,))


def _new(shape_l, dtype, first):
    """A new channels-last (N, *S, C) array laid out ``first`` or last: (memory 5-d view,
    channels-last view)."""
    n, c, spatial = shape_l[0], shape_l[-1], tuple(shape_l[1:-1])
    if first:
        a = numpy.empty((n, c) + spatial, dtype)
        view = a.transpose(0, *range(2, a.ndim), 1)
        return a.reshape((n * c,) + three(spatial, 1) + (1,)), view
    a = numpy.empty(shape_l, dtype)
    return a.reshape((n,) + three(spatial, 1) + (c,)), a


def _split(run, size, batch, map_batch):
    """run(start, stop) over the first dim, over the cores when the pool is large."""
    if map_batch is not None and size >= SPLIT_ELEMENTS and batch > 1:
        map_batch(run, batch)
    else:
        run(0, batch)


def _scale_rows(scale, geom, dtype):
    """The scale (a number, or an array broadcast over the output) per output position."""
    p = 1
    for o in geom.out_size:
        p *= o
    s = numpy.asarray(scale, dtype)
    return numpy.ascontiguousarray(numpy.broadcast_to(
        s.reshape(geom.out_size) if s.size == p else s.reshape(()), geom.out_size)).reshape(p)


def max_pool(xl, geom, record, map_batch=None):
    """Max pooling of the channels-last view ``xl`` (N, *S, C): (y, idx or None), both
    channels-last views laid out in memory as ``xl`` is (channels-first memory stays so)."""
    _check_float(xl)
    first = _memory_first(xl)
    x = _to_memory(xl, first)
    out_l = (xl.shape[0],) + tuple(geom.out_size) + (xl.shape[-1],)
    y, y_l = _new(out_l, xl.dtype, first)
    k = 1
    for v in geom.kernel:
        k *= v
    if record:
        idx, idx_l = _new(out_l, numpy.uint8 if k < 256 else numpy.int32, first)
    else:
        idx, idx_l = numpy.zeros((1, 1, 1, 1, 1), numpy.uint8), None
    args = geometry_args(geom)

    def run(start, stop):
        _max_forward(x[start:stop], *args, y[start:stop],
                     idx[start:stop] if record else idx, record)
    _split(run, x.size, x.shape[0], map_batch)
    return y_l, idx_l


def _check_grad(gl, geom, in_shape):
    """dL/dy and the input's shape fit the geometry (the tables index both by it)."""
    _check_float(gl)
    want = (in_shape[0],) + tuple(geom.out_size) + (in_shape[-1],)
    if tuple(gl.shape) != want or tuple(in_shape[1:-1]) != tuple(geom.in_size):
        raise ValueError(f"kernels.pool: gradient {gl.shape} and input {tuple(in_shape)} do "
                         f"not fit the pool (input {geom.in_size}, output {geom.out_size})")


def max_pool_grad(gl, idx_l, geom, in_shape, map_batch=None):
    """dL/dx (channels-last view of shape ``in_shape``) from dL/dy and the arg-max
    ``idx_l`` (channels-last views of the output's shape)."""
    _check_grad(gl, geom, in_shape)
    if tuple(gl.shape) != tuple(idx_l.shape) or idx_l.dtype.kind not in "iu":
        raise ValueError(f"kernels.pool: gradient {gl.shape} and arg-max {idx_l.shape} "
                         f"{idx_l.dtype} do not match")
    first = _memory_first(idx_l)
    idx, gy = _to_memory(idx_l, first), _to_memory(gl, first)
    dx, dx_l = _new(in_shape, gl.dtype, first)
    windows = tables(geom)

    def run(start, stop):
        _max_backward(gy[start:stop], idx[start:stop], *windows, dx[start:stop])
    _split(run, dx.size, dx.shape[0], map_batch)
    return dx_l


def avg_pool(xl, geom, scale, map_batch=None):
    """Average pooling of the channels-last view ``xl``: y = window sum * scale, ``scale``
    a number or an array broadcast over the output (N, *S', C) (one value per position)."""
    _check_float(xl)
    first = _memory_first(xl)
    x = _to_memory(xl, first)
    y, y_l = _new((xl.shape[0],) + tuple(geom.out_size) + (xl.shape[-1],), xl.dtype, first)
    s = _scale_rows(scale, geom, xl.dtype)
    args = geometry_args(geom)

    def run(start, stop):
        _avg_forward(x[start:stop], *args, s, y[start:stop])
    _split(run, x.size, x.shape[0], map_batch)
    return y_l


def avg_pool_grad(gl, geom, scale, in_shape, map_batch=None):
    """dL/dx of average pooling (channels-last view of ``in_shape``), laid out as dL/dy."""
    _check_grad(gl, geom, in_shape)
    first = _memory_first(gl)
    gy = _to_memory(gl, first)
    dx, dx_l = _new(in_shape, gl.dtype, first)
    s = _scale_rows(scale, geom, gl.dtype)
    windows = tables(geom)

    def run(start, stop):
        _avg_backward(gy[start:stop], *windows, s, dx[start:stop])
    _split(run, dx.size, dx.shape[0], map_batch)
    return dx_l
