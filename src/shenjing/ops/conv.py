"""Convolutions by im2col and one GEMM: conv1d/2d/3d and their transposes.

Layout.  The math runs channels-last: an input (N, *S, C) is unrolled by a strided view
into the rows of ``cols`` (N*P, K), one row per output position, K = (*kernel, C) with
the channels innermost, so that the copy reads contiguous channel runs.  Then

    y (N*P, O)          = cols @ Wm               Wm = the weight as a (K, O) matrix
    dL/dWm^T (O, K)     = dL/dy^T @ cols          one GEMM (BLAS reads both transposes in place)
    dL/dcols            = dL/dy @ Wm^T            one (N*P, O) @ (O, C) product per kernel
                                                  offset (a batched matmul), then col2im:
    dL/dx               = sum over the kernel offsets of strided slices of dL/dcols

col2im is a loop over the kh*kw kernel offsets, each one whole-array add (an assignment
when the windows do not overlap); keeping dL/dcols offset-major lets each add run over
whole (W', C) rows.  The input gradient is skipped when the input needs none (the first
layer), and nothing is kept for backward when no graph is recorded.

The GEMM output (N*P, O) *is* the channels-last result (N, *S', O): no transpose.
``channels_last=True`` (the Keras face: input (N, H, W, C), kernel (kh, kw, C/g, O))
therefore copies nothing but the unrolled input.  ``channels_last=False`` (PyTorch:
(N, C, H, W), weight (O, C/g, kh, kw)) reads the input through a transposed view and
returns the result as a transposed *view* of the channels-last array, like PyTorch's
``channels_last`` memory format: the values and shape are PyTorch's, only the strides
differ, and the next conv, pool or ReLU reads it without any transpose.

Over the cores.  A big enough convolution (one group, NumPy arrays) is split by batch
(``shenjing.parallel``): each worker thread unrolls its share of the batch, runs its own
single-threaded GEMMs and, backward, its share's col2im; the weight gradient is the sum
of the shares' products.  Each im2col buffer then stays in the cache of the core that
wrote it, and the copies run on both cores instead of one.

Compiled kernels.  Where numba runs (``shenjing.kernels``), im2col and col2im are the
loops of ``kernels/conv.py``: im2col writes the zero padding in the same pass (no padded
copy of the input), col2im gathers each input position's windows in one pass (no zeroed
padded buffer, no crop).  Each op chooses kernel or reference once, in its forward or
backward; with fewer than ``KERNEL_CHANNELS`` channels per group (an image's first layer)
the reference's offset-by-offset copies are faster and run instead.  A 3x3 stride-1
convolution with channels and batch enough runs by Winograd's F(2x2, 3x3) instead of
im2col + GEMM, forward and for dL/dx (``kernels.conv.winograd``: 16 GEMMs of 4/9 the
multiply-adds, between an input and an output transform); its weight gradient still takes
the GEMM with the unrolled input, which backward then makes from the x it keeps.

Groups split C and O into ``groups`` blocks; each block is one matrix of a batched matmul
(depthwise: groups = C).  A transposed convolution is the adjoint of a convolution: its
forward is the conv's input gradient (GEMM + col2im), its backward the conv's forward
(im2col + GEMM), so both share the code below.

>>> x = shenjing.randn(8, 3, 32, 32)
>>> w = shenjing.randn(16, 3, 3, 3, requires_grad=True)
>>> conv2d(x, w, padding="same").shape
(8, 16, 32, 32)
"""

import itertools

import numpy

from .. import backend, kernels, parallel
from ..autograd.function import Function, ShapeError
from ..autograd.tensor import Tensor
from ._helpers import column_sums

# ---------------------------------------------------------------- arguments and checks


def ntuple(value, d, what, op):
    """An int or a sequence of ``d`` ints as a tuple of ``d`` ints."""
    if isinstance(value, (tuple, list)):
        if len(value) != d or not all(isinstance(v, int) or hasattr(v, "__index__") for v in value):
            raise ValueError(f"{op}: {what} must be an int or {d} ints, got {value!r}")
        return tuple(int(v) for v in value)
    try:
        return (int(value.__index__()),) * d
    except AttributeError:
        raise TypeError(f"{op}: {what} must be an int or {d} ints, got {value!r}") from None


def fail(op, message, error=ShapeError):
    """Raise ``error`` with ``message``, prefixed by ``op`` when one is named (a layer that
    calls an op passes no name: its own call adds the layer's name and path)."""
    raise error(f"{op}: {message}" if op else message)


def layout_string(d, channels_last, channels="C"):
    """'(N, C, H, W)' / '(N, H, W, C)' for d spatial dims, with the channel count filled in."""
    spatial = {1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"]}[d]
    dims = ["N"] + (spatial + [str(channels)] if channels_last else [str(channels)] + spatial)
    return "(" + ", ".join(dims) + ")"


def check_input(x, d, channels, channels_last, op):
    """x has d + 2 dims and ``channels`` channels, or a ShapeError that says what it expected."""
    shape = tuple(x.shape)
    if len(shape) != d + 2:
        fail(op, f"expected a {d + 2}-d input {layout_string(d, channels_last, channels)} "
                 f"(or {d + 1}-d unbatched), got shape {shape}")
    got = shape[-1] if channels_last else shape[1]
    if channels is not None and got != channels:
        fail(op, f"expected input with {channels} channels "
                 f"{layout_string(d, channels_last, channels)}, got shape {shape}")


def check_float(x, weight, op):
    if x.dtype.kind != "f":
        fail(op, f"expected a floating input, got {x.dtype}; convert it first (x.float())",
             TypeError)
    if weight is not None and weight.dtype != x.dtype:
        fail(op, f"input dtype {x.dtype} differs from the weight dtype {weight.dtype}",
             TypeError)


def to_last(a, d):
    """(N, C, *S) -> (N, *S, C) as a view."""
    return a.transpose(0, *range(2, d + 2), 1)


def to_first(a, d):
    """(N, *S, C) -> (N, C, *S) as a view."""
    return a.transpose(0, d + 1, *range(1, d + 1))


# ---------------------------------------------------------------- geometry


class Geometry:
    """Where the windows lie: for each spatial dim the input size, the padding before
    and after, the kernel, stride and dilation, and the number of output positions.

    Window o of dim i covers padded positions o*stride + t*dilation, t < kernel."""

    def __init__(self, in_size, kernel, stride, dilation, pad_lo, pad_hi, out_size):
        self.in_size, self.kernel, self.stride = in_size, kernel, stride
        self.dilation, self.pad_lo, self.pad_hi, self.out_size = dilation, pad_lo, pad_hi, out_size
        self.padded = tuple(n + lo + hi for n, lo, hi in zip(in_size, pad_lo, pad_hi))
        self.padding = any(pad_lo) or any(pad_hi)

    def offset_slices(self, offset):
        """The strided slices of the padded input that kernel ``offset`` reads, per dim."""
        return tuple(slice(t * dl, t * dl + s * (o - 1) + 1, s) for t, dl, s, o in
                     zip(offset, self.dilation, self.stride, self.out_size))

    def offsets(self):
        return itertools.product(*[range(k) for k in self.kernel])

    @property
    def windows(self):
        """[(offset, index of its view in a channels-last (N, *S, C) array)] for every
        kernel offset, computed once per geometry (geometries are cached)."""
        w = self.__dict__.get("_windows")
        if w is None:
            w = self._windows = [(o, (slice(None),) + self.offset_slices(o))
                                 for o in self.offsets()]
        return w

    def overlapping(self):
        """True when two windows share an input position (col2im must add, not assign)."""
        return any((k - 1) * dl + 1 > s and o > 1 for k, dl, s, o in
                   zip(self.kernel, self.dilation, self.stride, self.out_size))

    def input_grad_geometry(self):
        """For stride 1 and an output about as large as the input ("same" convs, or long
        sequences), the geometry of the convolution that maps dL/dy to dL/dx: a "full"
        correlation of dL/dy with the flipped kernel, padded by (k - 1) dilation - pad on
        each side; else None.  It multiplies one window per input position: that pays
        (textcnn's valid conv1d over 400 steps: 151 against 182 ms for k GEMMs and
        col2im, one core) unless the output is much smaller (a valid 3x3 conv of 5x5
        multiplies 25 windows for 9 outputs: 1.7x slower).

        In one dim, y[o] = sum_t x[o + t dl - lo] w[t], so dL/dx[i] = sum_t dL/dy[i + lo -
        t dl] w[t] = sum_j dL/dy[i + j dl - ((k - 1) dl - lo)] w[k - 1 - j]."""
        if "_input_grad" not in self.__dict__:
            lo = tuple((k - 1) * dl - p for k, dl, p in zip(self.kernel, self.dilation, self.pad_lo))
            hi = tuple((k - 1) * dl - p for k, dl, p in zip(self.kernel, self.dilation, self.pad_hi))
            ok = (all(s == 1 for s in self.stride) and min(lo + hi) >= 0
                  and 10 * _prod(self.in_size) <= 11 * _prod(self.out_size))
            self._input_grad = Geometry(self.out_size, self.kernel, self.stride, self.dilation,
                                        lo, hi, self.in_size) if ok else None
        return self._input_grad

    def interior(self):
        """Index of the unpadded input inside the padded one (channels-last)."""
        return (slice(None),) + tuple(slice(lo, lo + n) for lo, n in
                                      zip(self.pad_lo, self.in_size)) + (slice(None),)


def cached(make):
    """``make`` memoised on its (hashable) arguments: a model calls its layers with the same
    shapes step after step, so the geometry is worked out once."""
    memo = {}

    def get(*args):
        try:
            return memo[args]
        except KeyError:
            value = memo[args] = make(*args)
            if len(memo) > 1024:
                memo.pop(next(iter(memo)))
            return value
        except TypeError:                                # an unhashable argument (a list)
            return make(*args)
    get.__doc__, get.__name__ = make.__doc__, make.__name__
    return get


@cached
def conv_geometry(in_size, kernel, stride, padding, dilation, op):
    """The geometry of a convolution; ``padding`` is an int tuple, 'valid' or 'same'."""
    d = len(in_size)
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * d
        elif padding == "same":
            if any(s != 1 for s in stride):
                fail(op, f"padding='same' needs stride 1, got stride {stride}", ValueError)
            total = [dl * (k - 1) for k, dl in zip(kernel, dilation)]
            lo = tuple(t // 2 for t in total)         # PyTorch puts the odd one after
            hi = tuple(t - t // 2 for t in total)
        else:
            fail(op, f"padding must be 'valid', 'same', an int or a tuple, got {padding!r}",
                 ValueError)
    else:
        lo = hi = ntuple(padding, d, "padding", op)
    if any(s <= 0 for s in stride) or any(dl <= 0 for dl in dilation) or any(p < 0 for p in lo):
        fail(op, f"stride and dilation must be positive and padding non-negative, got "
                 f"stride={stride}, dilation={dilation}, padding={padding}", ValueError)
    span = tuple(dl * (k - 1) + 1 for k, dl in zip(kernel, dilation))
    padded = tuple(n + a + b for n, a, b in zip(in_size, lo, hi))
    if any(sp > p for sp, p in zip(span, padded)):
        what = f"kernel size {kernel}" + (f" (dilated to {span})" if span != kernel else "")
        fail(op, f"{what} is larger than the padded input {padded} (input {in_size}, "
                 f"padding {lo if lo == hi else (lo, hi)})")
    out = tuple((p - sp) // s + 1 for p, sp, s in zip(padded, span, stride))
    return Geometry(in_size, kernel, stride, dilation, lo, hi, out)


# ---------------------------------------------------------------- im2col and col2im


def pad_last(xl, geom, value=0):
    """The channels-last input with its padding, as a new array; or the input itself."""
    if not geom.padding:
        return xl
    xp = backend.array_module(xl)
    out = xp.full((xl.shape[0],) + geom.padded + (xl.shape[-1],), value, xl.dtype) if value \
        else xp.zeros((xl.shape[0],) + geom.padded + (xl.shape[-1],), xl.dtype)
    out[geom.interior()] = xl
    return out


def im2col(xl, geom, groups, fast=None):
    """Channels-last input (N, *S, C) -> cols (N*P, K), or (groups, N*P, K/groups).

    Row (n, *o) holds the window of output position o, ordered (*kernel, C).  ``fast``:
    the compiled kernels (``kernels.conv``), which write the padding in the same pass."""
    xp = backend.array_module(xl)
    n, c, d = xl.shape[0], xl.shape[-1], len(geom.kernel)
    cg = c // groups
    if all(k == 1 for k in geom.kernel) and not geom.padding and groups == 1:
        if all(s == 1 for s in geom.stride):
            return xl.reshape(-1, c)                     # a 1x1 conv reads x as it is
        step = (slice(None),) + tuple(slice(None, None, s) for s in geom.stride)
        return xl[step][(slice(None),) + tuple(slice(0, o) for o in geom.out_size)].reshape(-1, c)
    if fast is not None:
        return fast.im2col(xl, geom, groups)
    if c > 1 and xl.strides[-1] != xl.itemsize:
        xl = xp.ascontiguousarray(xl)                    # channels-first memory: one transpose
    xpad = pad_last(xl, geom)
    s_n, s_c = xpad.strides[0], xpad.strides[-1]
    s_sp = xpad.strides[1:-1]
    shape = (n,) + geom.out_size + geom.kernel + (cg,)
    strides = ((s_n,) + tuple(s * t for s, t in zip(s_sp, geom.stride))
               + tuple(s * dl for s, dl in zip(s_sp, geom.dilation)) + (s_c,))
    if groups > 1:
        shape, strides = (groups,) + shape, (cg * s_c,) + strides
    if groups == 1 and cg * geom.kernel[-1] < 8 and geom.out_size[-1] >= 8:
        # few channels (an image's first layer): copy offset by offset, so that the inner
        # loop runs along W' instead of over a handful of channels
        cols = xp.empty(shape, xl.dtype)
        for offset, view in geom.windows:
            cols[(slice(None),) * (d + 1) + offset] = xpad[view]
    else:
        windows = xp.lib.stride_tricks.as_strided(xpad, shape, strides, writeable=False)
        cols = xp.ascontiguousarray(windows)             # the one copy of im2col
    k = _prod(geom.kernel) * cg
    return cols.reshape(-1, k) if groups == 1 else cols.reshape(groups, -1, k)


def col2im(gcols, geom, n, c, groups, dtype, out=None, fast=None):
    """The adjoint of ``im2col``: channels-last (N, *S, C) from the window gradients, adding
    every window back where it came from (one strided add per kernel offset).

    ``gcols`` is offset-major, (k, N*P, C) with k = prod(kernel), when groups == 1 (see
    ``input_grad_gemm``: each add then runs over whole (W', C) rows), else (G, N*P, K/G).
    ``out``: the buffer to write into (its old values are lost), from ``col2im_buffer``.
    ``fast``: the compiled kernels, which sum each input position's windows in one pass
    and write no padding."""
    if fast is not None:
        return fast.col2im(gcols, geom, n, c, groups, out)
    xp = backend.array_module(gcols)
    d = len(geom.kernel)
    if all(k == 1 for k in geom.kernel) and not geom.padding and groups == 1 \
            and all(s == 1 for s in geom.stride):
        if out is None:
            return gcols.reshape((n,) + geom.in_size + (c,))
        out[...] = gcols.reshape(out.shape)
        return out
    cg = c // groups
    if out is None:
        out = xp.zeros((n,) + geom.padded + (c,), dtype)
    else:
        out.fill(0)
    if groups == 1:
        gc = gcols.reshape(geom.kernel + (n,) + geom.out_size + (c,))
        target = out
        src_index = lambda offset: offset  # noqa: E731
    else:  # (G, N, *S', *k, Cg) -> (N, *S', *k, G, Cg), added into (N, *S, G, Cg)
        gc = gcols.reshape((groups, n) + geom.out_size + geom.kernel + (cg,))
        gc = gc.transpose(*range(1, 2 * d + 2), 0, 2 * d + 2)
        target = out.reshape((n,) + geom.padded + (groups, cg))
        lead = (slice(None),) * (d + 1)
        src_index = lambda offset: lead + offset  # noqa: E731
    rest = (slice(None),) * (target.ndim - d - 1)
    overlapping = geom.overlapping()
    for offset, view in geom.windows:
        dst = target[view + rest]
        src = gc[src_index(offset)]
        if overlapping:
            xp.add(dst, src, out=dst)
        else:
            dst[...] = src                              # windows do not overlap: assign
    return out[geom.interior()] if geom.padding else out


def col2im_buffer(geom, n, c, dtype, fast=None):
    """A buffer for ``col2im(..., out=)``: (N, *padded, C) for the reference, whose adds
    land on the padding too; (N, *S, C) for the kernel."""
    return numpy.empty((n,) + (geom.in_size if fast is not None else geom.padded) + (c,), dtype)


def col2im_result(buffer, geom, fast=None):
    """The input gradient inside a ``col2im_buffer``."""
    return buffer[geom.interior()] if geom.padding and fast is None else buffer


# ---------------------------------------------------------------- weights as matrices


def weight_matrix(w, groups, channels_last, d):
    """The weight as the GEMM's right operand ``wm`` (K, O): rows ordered (*kernel, C/groups)
    as the columns of ``im2col``; (groups, K/g, O/g) for a grouped conv.

    ``w`` is (O, C/g, *kernel) (PyTorch; a transposed conv's (C_in, C_out/g, *kernel) is
    read the same way) or, channels-last, (*kernel, C/g, O) (Keras), which is (K, O)
    already and needs no copy."""
    if channels_last and groups == 1:
        return w.reshape(-1, w.shape[-1])
    if channels_last:
        *k, cg, o = w.shape
        wc = w.reshape(*k, cg, groups, o // groups).transpose(d + 1, *range(d), d, d + 2)
    else:
        o, cg, *k = w.shape
        wc = w.reshape(groups, o // groups, cg, *k).transpose(0, *range(3, 3 + d), 2, 1)
    m = wc.reshape(groups, -1, o // groups)             # (G, *kernel, C/g, O/g) flattened
    return m[0] if groups == 1 else m


def weight_from_matrix(m, shape, groups, channels_last, d):
    """A weight gradient given as (O, K) (``weight_grad_gemm``) back in the weight's layout."""
    if channels_last:
        *k, cg, o = shape
        wc = m.reshape(groups, o // groups, *k, cg).transpose(*range(2, d + 2), d + 2, 0, 1)
    else:
        o, cg, *k = shape
        wc = m.reshape(groups, o // groups, *k, cg).transpose(0, 1, d + 2, *range(2, d + 2))
    return wc.reshape(shape)


# The three GEMMs, each in a one-line function so that a profile shows them.  With one
# group: cols (N*P, K), wm (K, O), g = dL/dy (N*P, O).

def gemm(cols, wm, groups, out=None):
    """y = cols @ wm: (N*P, O), the channels-last output (written into ``out`` if given,
    one group only)."""
    if groups == 1:
        return backend.array_module(cols).matmul(cols, wm, out=out)
    y = cols @ wm                                       # (G, N*P, O/g)
    return y.transpose(1, 0, 2).reshape(y.shape[1], -1)


def weight_grad_gemm(cols, g, groups):
    """dL/dwm = g^T @ cols: (O, K), or (G, O/g, K/g); BLAS reads both transposes in place.
    The long side goes first: OpenBLAS is twice as fast on (9, NP) @ (NP, 32) as on
    (32, NP) @ (NP, 9) (a first layer's few columns)."""
    if groups == 1:
        return (cols.T @ g).T if cols.shape[1] < g.shape[1] else g.T @ cols
    return split_groups(g, groups).transpose(0, 2, 1) @ cols


def input_grad_gemm(g, wm, groups, kernel):
    """dL/dcols = g @ wm^T, for ``col2im``: with one group as k = prod(kernel) products
    (N*P, O) @ (O, C), one per kernel offset, so that each offset's rows are contiguous
    (k, N*P, C); with groups (G, N*P, K/g)."""
    if groups == 1:
        k = _prod(kernel)
        wk = wm.reshape(k, -1, wm.shape[-1])            # (k, C, O): one block per offset
        xp = backend.array_module(g)
        out = xp.empty((k, g.shape[0], wk.shape[1]), xp.result_type(g, wm))
        # one 2-d GEMM per offset into the slices of one buffer: NumPy's batched matmul
        # with the broadcast g, (N*P, O) @ (k, O, C), ran 1.3-1.6x slower than this loop
        # (textcnn's conv1d: 66-85 ms against 52-57 ms on one core)
        for i in range(k):
            xp.matmul(g, wk[i].T, out=out[i])
        return out
    return split_groups(g, groups) @ wm.transpose(0, 2, 1)


def flipped_weight_matrix(wm, kernel):
    """The right operand of the input-gradient convolution (``input_grad_geometry``): wm
    (k C, O), rows (*kernel, C), -> (k O, C), rows (*flipped kernel, O).  Flipping every
    kernel dim reverses the flat offset order."""
    k = _prod(kernel)
    return wm.reshape(k, -1, wm.shape[-1])[::-1].transpose(0, 2, 1).reshape(-1, wm.shape[0] // k)


def split_groups(m, groups):
    """(rows, G*c) -> a (G, rows, c) view, the batched operand of a grouped GEMM."""
    if groups == 1:
        return m
    return m.reshape(m.shape[0], groups, -1).transpose(1, 0, 2)


# ---------------------------------------------------------------- the ops


class Conv(Function):
    """y = x * w + b for d spatial dims; see the module docstring for the layout."""

    def __init__(self, geom, groups, channels_last):
        self.geom, self.groups, self.channels_last = geom, groups, channels_last

    def forward(self, x, w, b=None):
        geom, groups, d = self.geom, self.groups, len(self.geom.kernel)
        xl = x if self.channels_last else to_last(x, d)
        n, c = xl.shape[0], xl.shape[-1]
        wm = weight_matrix(w, groups, self.channels_last, d)
        fast = kernels.module("conv") if kernels.usable(xl, wm) and \
            c // groups >= KERNEL_CHANNELS else None
        parts = split_parts(xl, wm, geom, groups)
        p = _prod(geom.out_size)
        y = numpy.empty((n * p, wm.shape[-1]), xl.dtype) if parts > 1 else None
        # a 3x3 stride-1 conv with channels enough: Winograd's 16 smaller GEMMs (kernels)
        u = fast.winograd_weight(wm) if fast is not None and groups == 1 and \
            fast.winograd_fits(geom, c, wm.shape[-1], n) else None

        def share(start, stop):                          # images start..stop-1
            out = None if y is None else y[start * p:stop * p]
            if u is not None:            # no im2col matrix: backward unrolls x for dL/dw
                cols, part = None, fast.winograd(xl[start:stop], u, geom, out)
            else:
                cols = im2col(xl[start:stop], geom, groups, fast)
                part = gemm(cols, wm, groups, out)
            if b is not None:
                part += b
            return start, cols, part
        shares = parallel.map_batch(share, n, parts)
        if y is None:
            y = shares[0][2]                             # (N*P, O): channels-last already
        needs = self.needs_input_grad
        if needs is not None:
            self.parts = parts
            self.cols = {start: cols for start, cols, _ in shares} if needs[1] else None
            self.xl = xl if needs[1] and u is not None else None
            self.wm = wm if needs[0] else None
            self.x_meta = (n, c, x.dtype)
            self.w_shape = w.shape
        y = y.reshape((n,) + geom.out_size + (y.shape[-1],))
        return y if self.channels_last else to_first(y, d)

    def backward(self, gy):
        geom, groups, d = self.geom, self.groups, len(self.geom.kernel)
        needs = self.needs_input_grad
        gl = gy if self.channels_last else to_last(gy, d)
        g = gl.reshape(-1, gl.shape[-1])                 # (N*P, O); copies only a strided gy
        n, c, dtype = self.x_meta
        p = _prod(geom.out_size)
        split = self.parts > 1
        fast = kernels.module("conv") if kernels.usable(g) and \
            min(c, g.shape[1]) // groups >= KERNEL_CHANNELS else None
        # dL/dx as a convolution (im2col + one GEMM) where that pays, else k GEMMs and
        # col2im's strided adds.  The im2col of dL/dy copies k O values per position
        # where col2im adds k C: with fewer input channels, col2im is faster (20.0
        # against 22.5 ms for a 32 -> 64 conv of 13x13 at batch 64, one core)
        full = geom.input_grad_geometry() if needs[0] and groups == 1 \
            and g.shape[1] <= c else None
        whole = None                     # split: the buffer every share writes dL/dx into
        if full is not None:
            wflip = flipped_weight_matrix(self.wm, geom.kernel)
            ufull = fast.winograd_weight(wflip) if fast is not None and \
                fast.winograd_fits(full, g.shape[1], c, n) else None
            q = _prod(geom.in_size)
            if split:
                whole = numpy.empty((n * q, c), dtype)
        elif split and needs[0]:
            whole = col2im_buffer(geom, n, c, dtype, fast)

        def share(start, stop):          # the share's input gradient and dL/dwm^T product
            part = g[start * p:stop * p]
            gxl = gm = None
            if full is not None and ufull is not None:
                gxl = fast.winograd(part.reshape(gl[start:stop].shape), ufull, full,
                                    None if whole is None else whole[start * q:stop * q])
            elif full is not None:
                gcols = im2col(part.reshape(gl[start:stop].shape), full, 1, fast)
                gxl = gemm(gcols, wflip, 1, None if whole is None else whole[start * q:stop * q])
            elif needs[0]:
                gcols = input_grad_gemm(part, self.wm, groups, geom.kernel)
                gxl = col2im(gcols, geom, stop - start, c, groups, dtype,
                             None if whole is None else whole[start:stop], fast)
            if needs[1]:
                cols = self.cols[start] if self.xl is None else \
                    im2col(self.xl[start:stop], geom, groups, fast)
                gm = weight_grad_gemm(cols, part, groups)
            return gxl, gm
        shares = parallel.map_batch(share, n, self.parts)
        gx = gw = gb = None
        if needs[0]:
            gxl = shares[0][0] if whole is None else \
                col2im_result(whole, geom, fast) if full is None else whole
            gxl = gxl.reshape((n,) + geom.in_size + (c,))   # the full path's (N*S, C) rows
            gx = gxl if self.channels_last else to_first(gxl, d)
        if needs[1]:
            gm = shares[0][1]
            for _, more in shares[1:]:
                gm += more
            gw = weight_from_matrix(gm, self.w_shape, groups, self.channels_last, d)
        if len(needs) > 2 and needs[2]:
            gb = column_sums(g)
        return gx, gw, gb


def split_parts(xl, wm, geom, groups):
    """Into how many batch shares to split a convolution over the cores: 1 (no split) for
    grouped convs, non-NumPy arrays and convs too small to pay for the threads' hand-off."""
    if groups > 1 or type(xl) is not numpy.ndarray or xl.shape[0] < 2:
        return 1
    macs = xl.shape[0] * _prod(geom.out_size) * wm.shape[0] * wm.shape[1]
    return parallel.workers() if macs >= SPLIT_MACS else 1


#: the multiply-adds from which a convolution is split by batch over the cores
SPLIT_MACS = 1 << 22

#: the channels per group from which im2col/col2im run as compiled kernels: their inner
#: loops run over the channels, and with fewer the reference's offset-by-offset passes
#: are faster (one input channel, 28x28, batch 64: im2col 0.24 ms against 0.62 ms)
KERNEL_CHANNELS = 8


class ConvTranspose(Function):
    """The adjoint of ``Conv`` in x: forward = the conv's input gradient (GEMM + col2im),
    backward = the conv's forward (im2col + GEMM).  ``geom`` is the geometry of the
    convolution that maps this op's output back to its input."""

    def __init__(self, geom, groups, channels_last):
        self.geom, self.groups, self.channels_last = geom, groups, channels_last

    def forward(self, x, w, b=None):
        geom, groups, d = self.geom, self.groups, len(self.geom.kernel)
        xl = x if self.channels_last else to_last(x, d)
        n = xl.shape[0]
        x2 = xl.reshape(-1, xl.shape[-1])                # (N*P_in, C_in)
        wm = weight_matrix(w, groups, self.channels_last, d)   # (K, C_in) or (G, K/g, C_in/g)
        c_out = (wm.shape[-2] // _prod(geom.kernel)) * groups
        fast = kernels.module("conv") if kernels.usable(x2, wm) and \
            c_out // groups >= KERNEL_CHANNELS else None
        gcols = input_grad_gemm(x2, wm, groups, geom.kernel)
        yl = col2im(gcols, geom, n, c_out, groups, x.dtype, None, fast)
        if b is not None and fast is not None:
            yl += b                                      # the kernel's output is new and unpadded
        elif b is not None:
            yl = yl + b
        elif geom.padding and fast is None:
            yl = yl.copy()                               # do not keep the padded buffer alive
        needs = self.needs_input_grad
        if needs is not None:
            self.x2 = x2 if needs[1] else None
            self.wm = wm if needs[0] else None
            self.x_shape, self.w_shape = xl.shape, w.shape
        return yl if self.channels_last else to_first(yl, d)

    def backward(self, gy):
        geom, groups, d = self.geom, self.groups, len(self.geom.kernel)
        needs = self.needs_input_grad
        gl = gy if self.channels_last else to_last(gy, d)
        gx = gw = gb = None
        fast = kernels.module("conv") if kernels.usable(gl) and \
            gl.shape[-1] // groups >= KERNEL_CHANNELS else None
        if needs[0] or needs[1]:
            cols = im2col(gl, geom, groups, fast)        # (N*P_in, K) or (G, N*P_in, K_g)
            if needs[0]:
                gxl = gemm(cols, self.wm, groups).reshape(self.x_shape)
                gx = gxl if self.channels_last else to_first(gxl, d)
            if needs[1]:
                gm = weight_grad_gemm(cols, self.x2, groups)
                gw = weight_from_matrix(gm, self.w_shape, groups, self.channels_last, d)
        if len(needs) > 2 and needs[2]:
            gb = column_sums(gl.reshape(-1, gl.shape[-1]))
        return gx, gw, gb


def _prod(values):
    p = 1
    for v in values:
        p *= v
    return p


# ---------------------------------------------------------------- public functions


def _batched(x, d, op):
    """(x with a batch dim, whether one was added): PyTorch accepts an unbatched input."""
    if isinstance(x, Tensor) and x.ndim == d + 1:
        return x.unsqueeze(0), True
    return x, False


def _conv(x, weight, bias, stride, padding, dilation, groups, d, channels_last, op):
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        fail(op, f"expected tensors, got {type(x).__name__} and {type(weight).__name__}",
             TypeError)
    x, unbatched = _batched(x, d, op)
    if weight.ndim != d + 2:
        want = "(*kernel, C/groups, O)" if channels_last else "(O, C/groups, *kernel)"
        fail(op, f"expected a {d + 2}-d weight {want}, got shape {tuple(weight.shape)}")
    groups = int(groups)
    if channels_last:
        kernel, cg, o = tuple(weight.shape[:d]), weight.shape[d], weight.shape[-1]
    else:
        o, cg, kernel = weight.shape[0], weight.shape[1], tuple(weight.shape[2:])
    if groups < 1 or o % groups:
        fail(op, f"the {o} output channels of the weight {tuple(weight.shape)} are not "
                 f"divisible by groups={groups}", ValueError)
    check_input(x, d, cg * groups, channels_last, op)
    check_float(x, weight, op)
    if bias is not None and tuple(bias.shape) != (o,):
        fail(op, f"bias must have shape ({o},), got {tuple(bias.shape)}")
    in_size = tuple(x.shape[1:-1]) if channels_last else tuple(x.shape[2:])
    geom = conv_geometry(in_size, kernel, ntuple(stride, d, "stride", op), padding,
                         ntuple(dilation, d, "dilation", op), op)
    fn = Conv(geom, groups, channels_last)
    y = fn(x, weight) if bias is None else fn(x, weight, _same_dtype(bias, x))
    return y.squeeze(0) if unbatched else y


def _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation, d,
                    channels_last, op):
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        fail(op, f"expected tensors, got {type(x).__name__} and {type(weight).__name__}",
             TypeError)
    x, unbatched = _batched(x, d, op)
    if weight.ndim != d + 2:
        want = ("(*kernel, C_out/groups, C_in)" if channels_last
                else "(C_in, C_out/groups, *kernel)")
        fail(op, f"expected a {d + 2}-d weight {want}, got shape {tuple(weight.shape)}")
    groups = int(groups)
    if channels_last:
        kernel, cog, c_in = tuple(weight.shape[:d]), weight.shape[d], weight.shape[-1]
    else:
        c_in, cog, kernel = weight.shape[0], weight.shape[1], tuple(weight.shape[2:])
    if groups < 1 or c_in % groups:
        fail(op, f"the {c_in} input channels of the weight {tuple(weight.shape)} are not "
                 f"divisible by groups={groups}", ValueError)
    check_input(x, d, c_in, channels_last, op)
    check_float(x, weight, op)
    c_out = cog * groups
    if bias is not None and tuple(bias.shape) != (c_out,):
        fail(op, f"bias must have shape ({c_out},), got {tuple(bias.shape)}")
    stride = ntuple(stride, d, "stride", op)
    dilation = ntuple(dilation, d, "dilation", op)
    if isinstance(padding, str):
        fail(op, f"padding must be an int or a tuple, got {padding!r}", ValueError)
    padding = ntuple(padding, d, "padding", op)
    output_padding = ntuple(output_padding, d, "output_padding", op)
    if min(stride + dilation) <= 0 or min(padding) < 0:
        fail(op, f"stride and dilation must be positive and padding non-negative, got "
                 f"stride={stride}, dilation={dilation}, padding={padding}", ValueError)
    for op_, s, dl in zip(output_padding, stride, dilation):
        if not 0 <= op_ < max(s, dl):
            fail(op, f"output_padding {output_padding} must be smaller than the stride "
                     f"{stride} or the dilation {dilation}", ValueError)
    in_size = tuple(x.shape[1:-1]) if channels_last else tuple(x.shape[2:])
    out = tuple((n - 1) * s - 2 * p + dl * (k - 1) + op_ + 1 for n, s, p, dl, k, op_ in
                zip(in_size, stride, padding, dilation, kernel, output_padding))
    if any(o <= 0 for o in out):
        fail(op, f"the output size {out} is not positive (input {in_size}, kernel {kernel}, "
                 f"stride {stride}, padding {padding})")
    # the convolution that maps the output (size ``out``) back onto the input grid
    geom = Geometry(out, kernel, stride, dilation, padding, padding, in_size)
    fn = ConvTranspose(geom, groups, channels_last)
    y = fn(x, weight) if bias is None else fn(x, weight, _same_dtype(bias, x))
    return y.squeeze(0) if unbatched else y


def _same_dtype(bias, x):
    return bias if bias.dtype == x.dtype else bias.type(x.dtype)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
           channels_last=False, name="conv1d"):
    """1-d convolution (cross-correlation): (N, C, L) -> (N, O, L'), weight (O, C/groups, k).

    L' = (L + 2 padding - dilation (k - 1) - 1) // stride + 1; ``padding`` may be 'valid'
    or 'same'.  ``channels_last``: input (N, L, C), weight (k, C/groups, O), output (N, L', O).
    ``name`` is the op named in error messages (None: no prefix, for a layer's own call)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, channels_last, name)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
           channels_last=False, name="conv2d"):
    """2-d convolution: (N, C, H, W) -> (N, O, H', W'), weight (O, C/groups, kh, kw).

    y[n, o] = b[o] + sum_{c, i, j} w[o, c, i, j] x[n, c, s h' + d i - p, s w' + d j - p],
    computed as im2col + one GEMM (see the module docstring).  ``padding``: int, pair,
    'valid' or 'same' (stride 1; an odd total pads one more after, as PyTorch).
    ``channels_last``: input (N, H, W, C), weight (kh, kw, C/groups, O) -> (N, H', W', O)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, channels_last, name)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
           channels_last=False, name="conv3d"):
    """3-d convolution: (N, C, D, H, W) -> (N, O, D', H', W'), weight (O, C/groups, kd, kh, kw)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, channels_last, name)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1, channels_last=False, name="conv_transpose1d"):
    """Transposed 1-d convolution: (N, C_in, L) -> (N, C_out, L'), weight (C_in, C_out/groups, k).

    L' = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.
    ``channels_last``: input (N, L, C_in), weight (k, C_out/groups, C_in)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1, channels_last, name)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1, channels_last=False, name="conv_transpose2d"):
    """Transposed 2-d convolution (the gradient of conv2d with respect to its input):
    (N, C_in, H, W) -> (N, C_out, H', W'), weight (C_in, C_out/groups, kh, kw),
    H' = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1.
    ``channels_last``: input (N, H, W, C_in), weight (kh, kw, C_out/groups, C_in) (Keras)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2, channels_last, name)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1, channels_last=False, name="conv_transpose3d"):
    """Transposed 3-d convolution: (N, C_in, D, H, W) -> (N, C_out, D', H', W')."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 3, channels_last, name)
