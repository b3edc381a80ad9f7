"""Geometric transforms of channels-last images, on NumPy arrays.

Images are ``(H, W, C)`` or a batch ``(N, H, W, C)``, as Keras lays them out.  Exact
transforms (flips, quarter turns) permute pixels and keep the dtype; the others resample:

``affine_transform(images, transforms)`` -- Keras's ``ops.image.affine_transform`` -- reads,
for each output pixel ``(x, y)`` (column, row), the input at::

    k = c0 x + c1 y + 1,   x_in = (a0 x + a1 y + a2) / k,   y_in = (b0 x + b1 y + b2) / k

with ``transform = [a0, a1, a2, b0, b1, b2, c0, c1]``.  Points outside the image are
filled by ``fill_mode``, as Keras defines the modes (``abcd`` a row of pixels):

- ``"constant"``: ``kkkk|abcd|kkkk``, ``fill_value`` beyond the edges
- ``"reflect"``:  ``dcba|abcd|dcba``, reflected about the outer edge of the last pixel
- ``"mirror"``:   ``cbab|abcd|cbab``... reflected about the centre of the last pixel
- ``"wrap"``:     ``abcd|abcd|abcd``
- ``"nearest"``:  ``aaaa|abcd|dddd``

``interpolation="nearest"`` rounds the coordinates (halves away from zero);
``"bilinear"`` blends the 4 neighbours, each read as above (so with ``"constant"`` the
border blends towards ``fill_value``).  Coordinates are computed in float64.

The matrices of Keras's random layers: ``rotation_transform`` (about the centre,
counter-clockwise for positive angles), ``translation_transform`` (positive = right /
down), ``zoom_transform`` (factor > 1 zooms out).
"""

import numpy

FILL_MODES = ("constant", "reflect", "mirror", "wrap", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def as_batch(images, who="image transform"):
    """``(batch (N, H, W, C), was_single)``; a single ``(H, W, C)`` image gets N = 1."""
    images = numpy.asarray(images)
    if images.ndim == 3:
        return images[None], True
    if images.ndim != 4:
        raise ValueError(f"{who}: expected channels-last images (H, W, C) or a batch "
                         f"(N, H, W, C); got shape {images.shape}")
    return images, False


def flip_left_right(images):
    """Mirror along the width axis (``(…, H, W, C)``)."""
    return numpy.asarray(images)[..., :, ::-1, :].copy()


def flip_up_down(images):
    """Mirror along the height axis."""
    return numpy.asarray(images)[..., ::-1, :, :].copy()


def rot90(images, k=1):
    """Rotate by ``k`` quarter turns counter-clockwise (exact; H and W swap for odd k)."""
    images = numpy.asarray(images)
    return numpy.rot90(images, k, axes=(images.ndim - 3, images.ndim - 2)).copy()


def rotation_transform(angles, height, width):
    """Transforms ``(N, 8)`` rotating by ``angles`` (radians, counter-clockwise) about the
    image centre ``((W-1)/2, (H-1)/2)`` (Keras's ``RandomRotation`` matrix)."""
    angles = numpy.atleast_1d(numpy.asarray(angles, dtype=numpy.float64))
    cos, sin = numpy.cos(angles), numpy.sin(angles)
    x_offset = ((width - 1) - (cos * (width - 1) - sin * (height - 1))) / 2.0
    y_offset = ((height - 1) - (sin * (width - 1) + cos * (height - 1))) / 2.0
    zeros = numpy.zeros_like(angles)
    return numpy.stack([cos, -sin, x_offset, sin, cos, y_offset, zeros, zeros], axis=1)


def translation_transform(dx, dy):
    """Transforms ``(N, 8)`` shifting images by ``dx`` pixels right and ``dy`` down."""
    dx = numpy.atleast_1d(numpy.asarray(dx, dtype=numpy.float64))
    dy = numpy.broadcast_to(numpy.asarray(dy, dtype=numpy.float64), dx.shape)
    ones, zeros = numpy.ones_like(dx), numpy.zeros_like(dx)
    return numpy.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)


def zoom_transform(zoom_x, zoom_y, height, width):
    """Transforms ``(N, 8)`` scaling about the centre: output ``(x, y)`` reads the input at
    ``zoom * (x - centre) + centre``; zoom > 1 shows more of the image (zoom out)."""
    zx = numpy.atleast_1d(numpy.asarray(zoom_x, dtype=numpy.float64))
    zy = numpy.broadcast_to(numpy.asarray(zoom_y, dtype=numpy.float64), zx.shape)
    x_offset = (width - 1.0) / 2.0 * (1.0 - zx)
    y_offset = (height - 1.0) / 2.0 * (1.0 - zy)
    zeros = numpy.zeros_like(zx)
    return numpy.stack([zx, zeros, x_offset, zeros, zy, y_offset, zeros, zeros], axis=1)


def map_coordinates(coord, length, fill_mode):
    """Coordinates outside ``[0, length - 1]`` folded back in by ``fill_mode`` (not for
    ``"constant"``, where they stay outside and read ``fill_value``)."""
    if fill_mode == "constant":
        return coord
    if length <= 1:
        return numpy.zeros_like(coord)
    if fill_mode == "reflect":
        period = 2 * length
        t = numpy.mod(coord + 0.5, period)
        coord = numpy.where(t >= length, period - t, t) - 0.5
    elif fill_mode == "mirror":
        period = 2 * (length - 1)
        t = numpy.mod(coord, period)
        coord = numpy.where(t > length - 1, period - t, t)
    elif fill_mode == "wrap":
        coord = numpy.mod(coord, length)
    elif fill_mode != "nearest":
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    return numpy.clip(coord, 0, length - 1)


def affine_transform(images, transforms, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0):
    """Resample ``images`` by projective ``transforms`` (``(8,)`` or ``(N, 8)``).

    Returns float32 (float64 stays float64), same shape as ``images``.
    """
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"affine_transform: interpolation must be one of {INTERPOLATIONS}, "
                         f"got {interpolation!r}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"affine_transform: fill_mode must be one of {FILL_MODES}, got "
                         f"{fill_mode!r}")
    batch, single = as_batch(images, "affine_transform")
    dtype = numpy.dtype(numpy.float64 if batch.dtype == numpy.float64 else numpy.float32)
    batch = batch.astype(dtype, copy=False)
    n, h, w, c = batch.shape
    t = numpy.asarray(transforms, dtype=numpy.float64).reshape(-1, 8)
    if len(t) == 1 and n > 1:
        t = numpy.repeat(t, n, axis=0)
    if len(t) != n:
        raise ValueError(f"affine_transform: {len(t)} transforms for {n} images")
    ys, xs = numpy.meshgrid(numpy.arange(h, dtype=numpy.float64),
                            numpy.arange(w, dtype=numpy.float64), indexing="ij")
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, i, None, None] for i in range(8))
    k = c0 * xs + c1 * ys + 1.0
    x_in = map_coordinates((a0 * xs + a1 * ys + a2) / k, w, fill_mode)
    y_in = map_coordinates((b0 * xs + b1 * ys + b2) / k, h, fill_mode)
    image_index = numpy.arange(n)[:, None, None]

    def read(yi, xi):
        inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        values = batch[image_index, numpy.clip(yi, 0, h - 1), numpy.clip(xi, 0, w - 1)]
        return numpy.where(inside[..., None], values, dtype.type(fill_value))

    if interpolation == "nearest":
        out = read(_round_half_away(y_in).astype(numpy.int64),
                   _round_half_away(x_in).astype(numpy.int64))
    else:
        x0, y0 = numpy.floor(x_in), numpy.floor(y_in)
        wx, wy = (x_in - x0)[..., None], (y_in - y0)[..., None]
        x0, y0 = x0.astype(numpy.int64), y0.astype(numpy.int64)
        top = (1 - wx) * read(y0, x0) + wx * read(y0, x0 + 1)
        bottom = (1 - wx) * read(y0 + 1, x0) + wx * read(y0 + 1, x0 + 1)
        out = (1 - wy) * top + wy * bottom
    out = out.astype(dtype, copy=False)
    return out[0] if single else out


def _round_half_away(x):
    return numpy.where(x >= 0, numpy.floor(x + 0.5), numpy.ceil(x - 0.5))


def rotate(images, angle, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Rotate by ``angle`` radians counter-clockwise about the centre (one angle for all,
    or one per image)."""
    batch, single = as_batch(images, "rotate")
    angles = numpy.broadcast_to(numpy.asarray(angle, dtype=numpy.float64), (len(batch),))
    out = affine_transform(batch, rotation_transform(angles, *batch.shape[1:3]),
                           interpolation, fill_mode, fill_value)
    return out[0] if single else out


def translate(images, dx, dy, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Shift by ``dx`` pixels right and ``dy`` down (scalars or one per image)."""
    batch, single = as_batch(images, "translate")
    n = len(batch)
    out = affine_transform(batch, translation_transform(numpy.broadcast_to(dx, (n,)),
                                                        numpy.broadcast_to(dy, (n,))),
                           interpolation, fill_mode, fill_value)
    return out[0] if single else out


def zoom(images, zoom_x, zoom_y=None, interpolation="bilinear", fill_mode="constant",
         fill_value=0.0):
    """Scale about the centre: zoom > 1 zooms out (shows more), < 1 zooms in."""
    batch, single = as_batch(images, "zoom")
    n = len(batch)
    zoom_y = zoom_x if zoom_y is None else zoom_y
    out = affine_transform(batch, zoom_transform(numpy.broadcast_to(zoom_x, (n,)),
                                                 numpy.broadcast_to(zoom_y, (n,)),
                                                 *batch.shape[1:3]),
                           interpolation, fill_mode, fill_value)
    return out[0] if single else out
