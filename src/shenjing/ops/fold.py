"""``unfold`` (im2col) and ``fold`` (col2im): the sliding windows of an image as columns,
and the columns added back into an image.  Each is the other's adjoint, so each op's
backward is the other's forward; both reuse the convolution's ``im2col`` / ``col2im``.

    unfold:  (N, C, H, W) -> (N, C*kh*kw, L),   column l = the window of output position l,
             rows ordered (c, i, j) as PyTorch's;  L = prod over dims of the window counts
    fold:    (N, C*kh*kw, L) -> (N, C, H, W),   every window added back where it came from
             (overlapping windows sum)

conv2d(x, w) is then w.reshape(O, -1) @ unfold(x): the course's im2col made visible.
The conv's helpers work channels-last with rows ordered (*kernel, C); the permutes below
move between that and PyTorch's (C, *kernel) order.
"""

from .. import kernels
from ..autograd.function import Function
from .conv import KERNEL_CHANNELS, col2im, conv_geometry, im2col, ntuple, to_last

_OP = {True: "unfold", False: "fold"}


def _cols_to_torch(cols, n, geom, c):
    """im2col rows (N*L, *k, C) -> (N, C * prod(k), L)."""
    d = len(geom.kernel)
    a = cols.reshape((n, -1) + geom.kernel + (c,))
    return a.transpose(0, d + 2, *range(2, d + 2), 1).reshape(n, -1, a.shape[1])


def _torch_to_offset_major(g, n, geom, c):
    """(N, C * prod(k), L) -> col2im's offset-major layout (prod(k), N*L, C)."""
    d = len(geom.kernel)
    a = g.reshape((n, c) + geom.kernel + (-1,))          # (N, C, *k, L)
    a = a.transpose(*range(2, d + 2), 0, d + 2, 1)        # (*k, N, L, C)
    return a.reshape(-1, n * a.shape[-2], c)


def _fast(a, c):
    """The compiled im2col / col2im of ``kernels.conv`` where the conv would use them."""
    return kernels.module("conv") if kernels.usable(a) and c >= KERNEL_CHANNELS else None


def _im2col(x, geom):
    """(N, C, *S) -> (N, C * prod(k), L)."""
    n, c, d = x.shape[0], x.shape[1], len(geom.kernel)
    return _cols_to_torch(im2col(to_last(x, d), geom, 1, _fast(x, c)), n, geom, c)


def _col2im(cols, geom, n, c):
    """(N, C * prod(k), L) -> (N, C, *S), windows summed where they overlap."""
    d = len(geom.kernel)
    out = col2im(_torch_to_offset_major(cols, n, geom, c), geom, n, c, 1, cols.dtype,
                 fast=_fast(cols, c))
    return out.transpose(0, d + 1, *range(1, d + 1)).copy()


class Unfold(Function):
    """x (N, C, H, W) -> columns (N, C kh kw, L); backward: dL/dx = col2im(dL/dcols)."""
    reads_inputs = False

    def __init__(self, geom):
        self.geom = geom

    def forward(self, x):
        self.n, self.c = x.shape[:2]
        return _im2col(x, self.geom)

    def backward(self, gy):
        return _col2im(gy, self.geom, self.n, self.c)


class Fold(Function):
    """columns (N, C kh kw, L) -> x (N, C, H, W); backward: dL/dcols = im2col(dL/dx)."""
    reads_inputs = False

    def __init__(self, geom, c):
        self.geom, self.c = geom, c

    def forward(self, cols):
        return _col2im(cols, self.geom, cols.shape[0], self.c)

    def backward(self, gy):
        return _im2col(gy, self.geom)


def _geometry(size, kernel_size, dilation, padding, stride, op):
    k = ntuple(kernel_size, 2, "kernel_size", op)
    dl = ntuple(dilation, 2, "dilation", op)
    p = ntuple(padding, 2, "padding", op)
    s = ntuple(stride, 2, "stride", op)
    return conv_geometry(tuple(size), k, s, p, dl, op)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002 - torch's name
    """The sliding windows of (N, C, H, W) (or unbatched (C, H, W)) as columns
    (N, C*kh*kw, L) (or (C*kh*kw, L)); see the module docstring."""
    if input.ndim not in (3, 4):
        raise ValueError(f"unfold: expected a 4-d (N, C, H, W) or 3-d (C, H, W) input, got "
                         f"shape {tuple(input.shape)}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    geom = _geometry(x.shape[2:], kernel_size, dilation, padding, stride, "unfold")
    y = Unfold(geom)(x)
    return y.squeeze(0) if unbatched else y


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """Columns (N, C*kh*kw, L) (or (C*kh*kw, L)) added back into an image (N, C, *output_size)
    (or (C, *output_size)); overlapping windows sum.  The adjoint of ``unfold``."""
    if input.ndim not in (2, 3):
        raise ValueError(f"fold: expected a 3-d (N, C*kh*kw, L) or 2-d (C*kh*kw, L) input, got "
                         f"shape {tuple(input.shape)}")
    unbatched = input.ndim == 2
    cols = input.unsqueeze(0) if unbatched else input
    size = ntuple(output_size, 2, "output_size", "fold")
    geom = _geometry(size, kernel_size, dilation, padding, stride, "fold")
    k = geom.kernel[0] * geom.kernel[1]
    if cols.shape[1] % k:
        raise ValueError(f"fold: dim 1 of the input ({cols.shape[1]}) must be divisible by the "
                         f"kernel's size {geom.kernel[0]}*{geom.kernel[1]} = {k}")
    blocks = geom.out_size[0] * geom.out_size[1]
    if cols.shape[2] != blocks:
        raise ValueError(f"fold: expected {blocks} blocks in dim 2 for output_size {size}, "
                         f"kernel {geom.kernel}, got {cols.shape[2]} (input {tuple(input.shape)})")
    y = Fold(geom, cols.shape[1] // k)(cols)
    return y.squeeze(0) if unbatched else y
