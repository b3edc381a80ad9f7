"""Spatial transformers (Jaderberg et al. 2015): ``affine_grid`` makes the sampling grid of
an affine map, ``grid_sample`` reads an image at those points by bilinear interpolation.

Coordinates are normalised to [-1, 1] (x along W, y along H).  With ``align_corners`` the
extremes are the centres of the corner pixels, else the outer edges of the corner pixels:

    pixel x = (x + 1) / 2 (W - 1)           align_corners=True
    pixel x = ((x + 1) W - 1) / 2           align_corners=False

Bilinear sampling at pixel (x, y), with x0 = floor(x), wx = x - x0 (and the same in y):

    out = (1-wx)(1-wy) I[y0, x0] + wx (1-wy) I[y0, x0+1]
        + (1-wx) wy I[y0+1, x0] + wx wy I[y0+1, x0+1]

corners outside the image read 0 (``padding_mode='zeros'``).  Both are compositions: the
gradient reaches the image through ``gather`` (its backward adds each output back to
the four corners) and the grid through the weights wx, wy.
"""

import numpy

from .. import backend
from ..autograd.function import ShapeError
from ..autograd.tensor import Tensor
from .indexing import gather


def _base(n, align_corners):
    """The n normalised coordinates of the pixel centres."""
    line = numpy.linspace(-1.0, 1.0, n) if n > 1 else numpy.zeros(1)
    return line if align_corners else line * (n - 1) / n


def affine_grid(theta, size, align_corners=False):
    """theta (N, 2, 3), size (N, C, H, W) -> grid (N, H, W, 2): grid[n, h, w] =
    theta[n] @ (x_w, y_h, 1), the point of the input each output pixel reads."""
    op = "affine_grid"
    if len(size) != 4:
        raise ValueError(f"{op}: only 2-d sizes (N, C, H, W) are supported, got {tuple(size)}")
    n, _, h, w = (int(s) for s in size)
    if tuple(theta.shape) != (n, 2, 3):
        raise ShapeError(f"{op}: theta must be (N, 2, 3) = ({n}, 2, 3) for size {tuple(size)}, "
                         f"got {tuple(theta.shape)}")
    xs, ys = _base(w, align_corners), _base(h, align_corners)
    base = numpy.stack([numpy.tile(xs, h), numpy.repeat(ys, w), numpy.ones(h * w)], 1)
    grid = Tensor(base.astype(theta.array.dtype)) @ theta.transpose(1, 2)   # (N, H*W, 2)
    return grid.reshape(n, h, w, 2)


def _pixel(coord, size, align_corners):
    return (coord + 1) * ((size - 1) / 2) if align_corners else ((coord + 1) * size - 1) / 2


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros",  # noqa: A002
                align_corners=None):
    """Bilinear sampling of input (N, C, H, W) at grid (N, Ho, Wo, 2) -> (N, C, Ho, Wo);
    see the module docstring.  Only mode='bilinear' and padding_mode='zeros'."""
    op = "grid_sample"
    if mode != "bilinear" or padding_mode != "zeros":
        raise NotImplementedError(f"{op}: only mode='bilinear' with padding_mode='zeros' is "
                                  f"supported, got mode={mode!r}, padding_mode={padding_mode!r}")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise ShapeError(f"{op}: expected input (N, C, H, W) and grid (N, Ho, Wo, 2), got "
                         f"{tuple(input.shape)} and {tuple(grid.shape)}")
    align_corners = bool(align_corners)
    n, c, h, w = input.shape
    ho, wo = grid.shape[1:3]
    x = _pixel(grid[..., 0], w, align_corners).reshape(n, 1, ho * wo)
    y = _pixel(grid[..., 1], h, align_corners).reshape(n, 1, ho * wo)
    xp = backend.array_module(x.array)
    x0, y0 = xp.floor(x.array), xp.floor(y.array)
    wx, wy = x - Tensor(x0), y - Tensor(y0)              # the weights carry the grid's gradient
    flat = input.reshape(n, c, h * w)
    out = None
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        xi, yi = x0 + dx, y0 + dy
        inside = (xi >= 0) & (xi <= w - 1) & (yi >= 0) & (yi <= h - 1)
        index = (xp.clip(yi, 0, h - 1) * w + xp.clip(xi, 0, w - 1)).astype(numpy.int64)
        values = gather(flat, 2, xp.broadcast_to(index, (n, c, ho * wo)))
        weight = (wx if dx else 1 - wx) * (wy if dy else 1 - wy) * Tensor(inside.astype(x0.dtype))
        term = values * weight
        out = term if out is None else out + term
    return out.reshape(n, c, ho, wo)
