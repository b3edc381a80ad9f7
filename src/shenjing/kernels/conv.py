"""im2col and col2im as compiled loops, one pass over memory each, padding included; and
the 3x3 stride-1 convolution by Winograd's F(2x2, 3x3).

The NumPy reference (``shenjing/ops/conv.py``) pads the input into a new array, then copies
the windows out of it through a strided view; col2im adds one strided slice per kernel
offset into a zeroed, padded buffer and crops it.  Here:

* ``im2col`` writes each row of ``cols`` once, reading the input where a window lies on it
  and writing zeros where it lies on the padding: no padded copy of the input.
* ``col2im`` gathers instead of scattering: each input position sums, in the order of the
  kernel offsets (the reference's order, so the sums are the same), the window gradients
  that read it, and is written once.  No zeroed buffer, no padding, no crop.
* ``winograd`` computes a 3x3 stride-1 convolution with 4/9 of the multiply-adds of
  im2col + GEMM (see its section below); the ops use it forward and for dL/dx.

Every array is channels-last and seen as 3-d in space, (N, D, H, W, C): a 1-d or 2-d
convolution has D (and H) of one, with kernel, stride and dilation 1 and padding 0 there.
The wrappers check shapes, dtypes and contiguity, so that a kernel never reads out of
bounds; they take float32 or float64 C-contiguous arrays.
"""

import numpy

from .common import jit
from .windows import geometry_args, tables, three


@jit
def _im2col(x, kernel, stride, dilation, pad, out_size, cols):
    """x (N, D, H, W, C) -> cols (N*P, KD, KH, KW, C) (one group): window rows, zeros off
    the input.  Where a window's row lies whole on the input (dilation 1 along W), its
    KW * C values are one contiguous run in both arrays and are copied as one."""
    n_img, depth, height, width, c_ = x.shape
    kd_, kh_, kw_ = kernel
    sd, sh, sw = stride
    dd, dh, dw = dilation
    pd, ph, pw = pad
    od_, oh_, ow_ = out_size
    xf = x.reshape(-1)
    cf = cols.reshape(-1)
    run = kw_ * c_
    pos = 0
    for n in range(n_img):
        for od in range(od_):
            for oh in range(oh_):
                for ow in range(ow_):
                    m0 = ow * sw - pw
                    for kd in range(kd_):
                        i = od * sd + kd * dd - pd
                        for kh in range(kh_):
                            j = oh * sh + kh * dh - ph
                            dst = cf[pos:pos + run]
                            pos += run
                            if i < 0 or i >= depth or j < 0 or j >= height:
                                for c in range(run):
                                    dst[c] = 0
                                continue
                            base = ((n * depth + i) * height + j) * width
                            if dw == 1 and m0 >= 0 and m0 + kw_ <= width:
                                src = xf[(base + m0) * c_:(base + m0 + kw_) * c_]
                                for c in range(run):
                                    dst[c] = src[c]
                                continue
                            for kw in range(kw_):
                                m = m0 + kw * dw
                                part = dst[kw * c_:(kw + 1) * c_]
                                if 0 <= m < width:
                                    src = xf[(base + m) * c_:(base + m + 1) * c_]
                                    for c in range(c_):
                                        part[c] = src[c]
                                else:
                                    for c in range(c_):
                                        part[c] = 0


@jit
def _im2col_grouped(x, kernel, stride, dilation, pad, out_size, cols):
    """x (N, D, H, W, C) -> cols (G, N*P, KD, KH, KW, Cg), C = G Cg."""
    n_img, depth, height, width, _ = x.shape
    groups, cg = cols.shape[0], cols.shape[5]
    kd_, kh_, kw_ = kernel
    sd, sh, sw = stride
    dd, dh, dw = dilation
    pd, ph, pw = pad
    od_, oh_, ow_ = out_size
    row = 0
    for n in range(n_img):
        for od in range(od_):
            for oh in range(oh_):
                for ow in range(ow_):
                    for kd in range(kd_):
                        i = od * sd + kd * dd - pd
                        for kh in range(kh_):
                            j = oh * sh + kh * dh - ph
                            for kw in range(kw_):
                                m = ow * sw + kw * dw - pw
                                if 0 <= i < depth and 0 <= j < height and 0 <= m < width:
                                    for g in range(groups):
                                        for c in range(cg):
                                            cols[g, row, kd, kh, kw, c] = x[n, i, j, m, g * cg + c]
                                else:
                                    for g in range(groups):
                                        for c in range(cg):
                                            cols[g, row, kd, kh, kw, c] = 0
                    row += 1


@jit
def _col2im(gcols, td, th, tw, dx):
    """dx (N, D, H, W, C) = the sum over kernel offsets of the window gradients that read
    each position; gcols offset-major (KD, KH, KW, N, OD, OH, OW, C) (one group).
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
                                for c in range(c_):
                                    dx[n, i, j, m, c] += gcols[kd, kh, kw, n, od, oh, ow, c]


@jit
def _col2im_grouped(gcols, td, th, tw, dx):
    """As ``_col2im`` with gcols (G, N, OD, OH, OW, KD, KH, KW, Cg) and dx's C = G Cg."""
    n_img, depth, height, width, c_ = dx.shape
    groups, cg = gcols.shape[0], gcols.shape[8]
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
                                for g in range(groups):
                                    for c in range(cg):
                                        dx[n, i, j, m, g * cg + c] += \
                                            gcols[g, n, od, oh, ow, kd, kh, kw, c]


# ---------------------------------------------------------------- wrappers


def _as_3d(a, spatial):
    """(N, *S, C) -> the (N, D, H, W, C) view with unit dims in front (no copy)."""
    return a.reshape((a.shape[0],) + three(spatial, 1) + (a.shape[-1],))


def _check(a, shape, dtype, what):
    if type(a) is not numpy.ndarray or a.dtype != dtype or not a.flags.c_contiguous \
            or a.shape != tuple(shape):
        raise ValueError(f"kernels.conv: {what} must be a C-contiguous {dtype} array of shape "
                         f"{tuple(shape)}, got {type(a).__name__} "
                         f"{getattr(a, 'dtype', '')} {getattr(a, 'shape', '')}")


def im2col(xl, geom, groups):
    """Channels-last x (N, *S, C) -> cols (N*P, K), or (G, N*P, K/G) with groups; rows
    ordered (*kernel, C/g) as ``ops.conv.im2col``.  Zero padding is written in the pass."""
    if xl.ndim != len(geom.kernel) + 2 or tuple(xl.shape[1:-1]) != tuple(geom.in_size) \
            or xl.shape[-1] % groups or xl.dtype not in (numpy.float32, numpy.float64):
        raise ValueError(f"kernels.conv.im2col: input {xl.shape} {xl.dtype} does not fit the "
                         f"geometry (input {geom.in_size}, groups {groups})")
    if not xl.flags.c_contiguous:
        xl = numpy.ascontiguousarray(xl)                 # channels-first memory: one transpose
    n, c = xl.shape[0], xl.shape[-1]
    cg = c // groups
    kernel, stride, dilation, pad, out = geometry_args(geom)
    rows = n * out[0] * out[1] * out[2]
    cols = numpy.empty((groups, rows) + kernel + (cg,), xl.dtype)
    fill = _im2col if groups == 1 else _im2col_grouped
    fill(_as_3d(xl, geom.in_size), kernel, stride, dilation, pad, out,
         cols[0] if groups == 1 else cols)
    k = kernel[0] * kernel[1] * kernel[2] * cg
    return cols.reshape(rows, k) if groups == 1 else cols.reshape(groups, rows, k)


def col2im(gcols, geom, n, c, groups, out=None):
    """The adjoint of ``im2col``: dL/dx (N, *S, C), unpadded, from the window gradients
    ``gcols``, (k, N*P, C) offset-major with one group, else (G, N*P, K/G) (the layouts of
    ``ops.conv.input_grad_gemm``).  ``out``: a C-contiguous (N, *S, C) array to write."""
    kernel, stride, dilation, pad, osz = geometry_args(geom)
    k = kernel[0] * kernel[1] * kernel[2]
    rows = n * osz[0] * osz[1] * osz[2]
    dtype = gcols.dtype
    if dtype not in (numpy.float32, numpy.float64) or c % groups:
        raise ValueError(f"kernels.conv.col2im: dtype {dtype}, {c} channels, {groups} groups")
    shape = (n,) + tuple(geom.in_size) + (c,)
    if out is None:
        out = numpy.empty(shape, dtype)
    _check(out, shape, dtype, "out")
    if not gcols.flags.c_contiguous:
        gcols = numpy.ascontiguousarray(gcols)
    cg = c // groups
    if groups == 1:
        _check(gcols, (k, rows, c), dtype, "gcols")
        g = gcols.reshape(kernel + (n,) + osz + (c,))
        _col2im(g, *tables(geom), _as_3d(out, geom.in_size))
    else:
        _check(gcols, (groups, rows, k * cg), dtype, "gcols")
        g = gcols.reshape((groups, n) + osz + kernel + (cg,))
        _col2im_grouped(g, *tables(geom), _as_3d(out, geom.in_size))
    return out


# ---------------------------------------------------------------- Winograd F(2x2, 3x3)
#
# A 3x3 convolution with stride 1 computes each 2x2 block of outputs from a 4x4 block of
# inputs.  Winograd's minimal filtering does that with 16 products instead of 36:
#
#     Y = A^T [ (G g G^T) . (B^T d B) ] A          (. elementwise, per channel pair)
#
#     B^T = [1  0 -1  0]     G = [ 1    0    0 ]     A^T = [1  1  1  0]
#           [0  1  1  0]         [1/2  1/2  1/2]           [0  1 -1 -1]
#           [0 -1  1  0]         [1/2 -1/2  1/2]
#           [0  1  0 -1]         [ 0    0    1 ]
#
# Summed over the input channels, the 16 elementwise products become 16 GEMMs
# (tiles, C) @ (C, O): 16 / 36 of the multiply-adds of im2col's one GEMM (4/9), at the
# cost of two more memory passes (the input and output transforms below).

_G = numpy.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


@jit
def _winograd_input(x, pad_h, pad_w, tiles_h, tiles_w, v):
    """x (N, H, W, C) -> v (16, N*TH*TW, C): B^T d B of every 4x4 input tile (tile (ty,
    tx) starts at row 2 ty - pad_h, column 2 tx - pad_w; zeros off the input)."""
    n_img, height, width, c_ = x.shape
    d = numpy.empty((4, 4, c_), x.dtype)
    e = numpy.empty((4, 4, c_), x.dtype)
    t = 0
    for n in range(n_img):
        for ty in range(tiles_h):
            for tx in range(tiles_w):
                for a in range(4):
                    i = 2 * ty - pad_h + a
                    for b in range(4):
                        j = 2 * tx - pad_w + b
                        if 0 <= i < height and 0 <= j < width:
                            for c in range(c_):
                                d[a, b, c] = x[n, i, j, c]
                        else:
                            for c in range(c_):
                                d[a, b, c] = 0
                for b in range(4):                       # B^T d, one column at a time
                    for c in range(c_):
                        d0, d1, d2, d3 = d[0, b, c], d[1, b, c], d[2, b, c], d[3, b, c]
                        e[0, b, c] = d0 - d2
                        e[1, b, c] = d1 + d2
                        e[2, b, c] = d2 - d1
                        e[3, b, c] = d1 - d3
                for a in range(4):                       # (B^T d) B, one row at a time
                    for c in range(c_):
                        e0, e1, e2, e3 = e[a, 0, c], e[a, 1, c], e[a, 2, c], e[a, 3, c]
                        v[4 * a, t, c] = e0 - e2
                        v[4 * a + 1, t, c] = e1 + e2
                        v[4 * a + 2, t, c] = e2 - e1
                        v[4 * a + 3, t, c] = e1 - e3
                t += 1


@jit
def _winograd_output(m, tiles_h, tiles_w, y):
    """m (16, N*TH*TW, O) -> y (N, H', W', O): A^T m A of every tile, the 2x2 outputs
    that fall inside y."""
    n_img, out_h, out_w, o_ = y.shape
    t = 0
    for n in range(n_img):
        for ty in range(tiles_h):
            for tx in range(tiles_w):
                i, j = 2 * ty, 2 * tx
                for o in range(o_):
                    r00 = m[0, t, o] + m[4, t, o] + m[8, t, o]
                    r01 = m[1, t, o] + m[5, t, o] + m[9, t, o]
                    r02 = m[2, t, o] + m[6, t, o] + m[10, t, o]
                    r03 = m[3, t, o] + m[7, t, o] + m[11, t, o]
                    r10 = m[4, t, o] - m[8, t, o] - m[12, t, o]
                    r11 = m[5, t, o] - m[9, t, o] - m[13, t, o]
                    r12 = m[6, t, o] - m[10, t, o] - m[14, t, o]
                    r13 = m[7, t, o] - m[11, t, o] - m[15, t, o]
                    y[n, i, j, o] = r00 + r01 + r02
                    if j + 1 < out_w:
                        y[n, i, j + 1, o] = r01 - r02 - r03
                    if i + 1 < out_h:
                        y[n, i + 1, j, o] = r10 + r11 + r12
                        if j + 1 < out_w:
                            y[n, i + 1, j + 1, o] = r11 - r12 - r13
                t += 1


def winograd_fits(geom, channels, outputs, images):
    """True when ``winograd`` computes this convolution, and pays: 2-d, 3x3, stride and
    dilation 1, channels enough for the 16 GEMMs to run near BLAS's rate, and work
    enough to pay for transforming the weight (one core, 9x9 "same", float32: 64 channels
    0.06 against 0.08 ms at batch 1 and 0.39 against 0.93 ms at batch 8, 32 channels 1.6x
    slower at batch 1 and 0.74x at batch 8, 16 channels 0.91x at batch 16)."""
    if len(geom.kernel) != 2 or tuple(geom.kernel) != (3, 3) or tuple(geom.stride) != (1, 1) \
            or tuple(geom.dilation) != (1, 1) or min(channels, outputs) < 16:
        return False
    tiles = images * ((geom.out_size[0] + 1) // 2) * ((geom.out_size[1] + 1) // 2)
    return tiles * channels * outputs >= WINOGRAD_WORK


#: the tiles x channels x outputs from which a 3x3 conv runs by Winograd: 4 M (a whole
#: resnet_az inference step at batch 16, 64 channels, 1.6 M: 11.0 ms by Winograd against
#: 9.9 ms by im2col; its training step at batch 128, 13 M: 161 against 204 ms)
WINOGRAD_WORK = 1 << 22


def winograd_weight(wm):
    """The im2col weight matrix (9 C, O), rows (kh, kw, C), -> U (16, C, O) = G g G^T."""
    c, o = wm.shape[0] // 9, wm.shape[1]
    g = numpy.asarray(wm).reshape(3, 3, c, o)
    gt = _G.astype(wm.dtype)
    u = numpy.tensordot(numpy.tensordot(gt, g, axes=(1, 0)), gt, axes=(1, 1))  # (4, 3.., 4)
    return numpy.ascontiguousarray(u.transpose(0, 3, 1, 2)).reshape(16, c, o)


def winograd(xl, u, geom, out=None):
    """The convolution of channels-last x (N, H, W, C) with U = ``winograd_weight(wm)``:
    (N*H'*W', O) rows, as ``xl`` unrolled @ ``wm`` (into ``out`` if given)."""
    if xl.ndim != 4 or tuple(xl.shape[1:3]) != tuple(geom.in_size) or u.ndim != 3 \
            or u.shape[0] != 16 or u.shape[1] != xl.shape[-1] or u.dtype != xl.dtype \
            or xl.dtype not in (numpy.float32, numpy.float64) or len(geom.kernel) != 2 \
            or tuple(geom.kernel) != (3, 3) or tuple(geom.stride) != (1, 1) \
            or tuple(geom.dilation) != (1, 1):
        raise ValueError(f"kernels.conv.winograd: input {xl.shape} {xl.dtype}, weight "
                         f"{u.shape} {u.dtype} do not fit a 3x3 stride-1 geometry {geom.in_size}")
    if not xl.flags.c_contiguous:
        xl = numpy.ascontiguousarray(xl)
    n, o = xl.shape[0], u.shape[-1]
    out_h, out_w = geom.out_size
    th, tw = (out_h + 1) // 2, (out_w + 1) // 2
    tiles = n * th * tw
    v = numpy.empty((16, tiles, xl.shape[-1]), xl.dtype)
    _winograd_input(xl, geom.pad_lo[0], geom.pad_lo[1], th, tw, v)
    m = numpy.empty((16, tiles, o), xl.dtype)
    for k in range(16):
        numpy.matmul(v[k], u[k], out=m[k])
    shape = (n * out_h * out_w, o)
    if out is None:
        out = numpy.empty(shape, xl.dtype)
    _check(out, shape, xl.dtype, "out")
    _winograd_output(m, th, tw, out.reshape(n, out_h, out_w, o))
    return out
