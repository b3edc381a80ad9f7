"""``shenjing.vision.transforms``: torchvision's image transforms, on PIL-like arrays.

A **PIL-like array** is what the datasets of ``shenjing.vision.datasets`` give: a uint8
NumPy array ``(H, W)`` (grey) or ``(H, W, C)`` (colour), the pixels of a PIL image.  PIL
images themselves are accepted wherever a PIL-like array is (and come back as PIL images
from the geometric transforms) when Pillow is installed; so are tensors ``(C, H, W)``.

=========================  ================================================================
``Compose(transforms)``    apply in order
``ToTensor()``             PIL-like (H, W[, C]) uint8 -> float32 tensor (C, H, W) = x / 255
``Normalize(mean, std)``   tensor (C, H, W): out[c] = (x[c] - mean[c]) / std[c]
``RandomCrop(size, ...)``  pad by ``padding``, then cut a ``size`` window at a random place
``RandomHorizontalFlip``   mirror left-right with probability ``p``
``RandomRotation(deg)``    rotate by an angle drawn in (-deg, deg), counter-clockwise > 0
``Resize(size)``           bilinear resize (int: the shorter side; (h, w): exactly)
``Lambda(fn)``             any function
=========================  ================================================================

The random transforms draw from shenjing's process generator (``shenjing.manual_seed``).
The pixel work is ``shenjing.image`` (flips, rotations: ``image.transform``) and
``shenjing.ops.interpolate`` (resizing); this module adapts torchvision's conventions.

>>> transform = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(),
...                      Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261))])
"""

import math
import numbers

import numpy

from .. import backend
from ..autograd.tensor import Tensor
from ..image import transform as T

__all__ = ["Compose", "ToTensor", "Normalize", "RandomCrop", "RandomHorizontalFlip",
           "RandomRotation", "Resize", "Lambda"]

_KINDS = "a PIL-like array (H, W) or (H, W, C), a PIL image or a tensor (C, H, W)"


def _is_pil(img):
    return type(img).__module__.startswith("PIL.")


def _describe(img):
    shape = getattr(img, "shape", None)
    return type(img).__name__ + ("" if shape is None else f" of shape {tuple(shape)}")


def _channels_last(img, who):
    """``(array (H, W, C), back)``: ``back(out)`` turns a result into ``img``'s kind."""
    if isinstance(img, Tensor):
        array = img.numpy()
        if array.ndim == 2:
            return array[:, :, None], lambda out: Tensor(numpy.ascontiguousarray(out[:, :, 0]))
        if array.ndim == 3:
            return (array.transpose(1, 2, 0),
                    lambda out: Tensor(numpy.ascontiguousarray(out.transpose(2, 0, 1))))
    elif _is_pil(img) or isinstance(img, numpy.ndarray):
        array = numpy.asarray(img)
        if array.ndim in (2, 3):
            grey = array.ndim == 2

            def back(out):
                out = out[:, :, 0] if grey else out
                if _is_pil(img):
                    from PIL import Image
                    return Image.fromarray(numpy.ascontiguousarray(out))
                return out
            return (array[:, :, None] if grey else array), back
    raise TypeError(f"{who}: expected {_KINDS}, got {_describe(img)}")


def _pair(size, who, name="size"):
    """``size`` as (h, w): an int gives a square."""
    if isinstance(size, numbers.Integral):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (int(size[0]), int(size[0]))
    if not (isinstance(size, (tuple, list)) and len(size) == 2
            and all(isinstance(s, numbers.Integral) and s > 0 for s in size)):
        raise ValueError(f"{who}: {name} must be a positive int or a pair (h, w), got {size!r}")
    return int(size[0]), int(size[1])


def _as_dtype(out, dtype):
    """A resampled float image back in the input's dtype (integers rounded and clipped)."""
    if numpy.issubdtype(dtype, numpy.integer):
        info = numpy.iinfo(dtype)
        return numpy.clip(numpy.rint(out), info.min, info.max).astype(dtype)
    return out.astype(dtype, copy=False)


class Compose:
    """Apply ``transforms`` one after the other: ``Compose([ToTensor(), Normalize(m, s)])``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"Compose: transforms[{i}] is not callable, got "
                                f"{type(t).__name__}")

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t!r}\n" for t in self.transforms) + ")"


class ToTensor:
    """PIL-like array or PIL image ``(H, W)`` / ``(H, W, C)`` -> tensor ``(C, H, W)``.

    uint8 pixels become float32 ``x / 255`` in [0, 1]; other dtypes keep their values and
    dtype (torchvision's rule).  A tensor is refused: it has been converted already.
    """

    def __call__(self, pic):
        if not (isinstance(pic, numpy.ndarray) or _is_pil(pic)):
            raise TypeError(f"ToTensor: expected a PIL-like array (H, W) or (H, W, C) or a PIL "
                            f"image, got {_describe(pic)}")
        array = numpy.asarray(pic)
        if array.ndim == 2:
            array = array[:, :, None]
        if array.ndim != 3:
            raise ValueError(f"ToTensor: expected a PIL-like array (H, W) or (H, W, C), got "
                             f"shape {array.shape}")
        chw = numpy.ascontiguousarray(array.transpose(2, 0, 1))
        if chw.dtype == numpy.uint8:
            chw = chw.astype(numpy.float32) / numpy.float32(255)
        return Tensor(chw)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """Per-channel standardisation of a float tensor ``(..., C, H, W)``::

        out[c] = (x[c] - mean[c]) / std[c]

    ``mean`` and ``std`` have one value per channel (or one for all).  Written with tensor
    arithmetic, so it is differentiable; it always returns a new tensor (``inplace`` is
    accepted for torchvision's signature).
    """

    def __init__(self, mean, std, inplace=False):
        self.mean = tuple(float(m) for m in numpy.atleast_1d(mean))
        self.std = tuple(float(s) for s in numpy.atleast_1d(std))
        self.inplace = inplace
        if len(self.mean) != len(self.std) and 1 not in (len(self.mean), len(self.std)):
            raise ValueError(f"Normalize: mean has {len(self.mean)} values and std "
                             f"{len(self.std)}; expected one per channel")
        if any(numpy.float32(s) == 0 for s in self.std):
            raise ValueError(f"Normalize: std={self.std} holds a zero (division by zero)")

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Normalize: expected a float tensor (C, H, W) (apply ToTensor "
                            f"first), got {_describe(tensor)}")
        if tensor.dtype.kind != "f" or tensor.ndim < 3:
            raise TypeError(f"Normalize: expected a float tensor (..., C, H, W), got a "
                            f"{tensor.dtype} tensor of shape {tuple(tensor.shape)}")
        channels = tensor.shape[-3]
        for name, values in (("mean", self.mean), ("std", self.std)):
            if len(values) not in (1, channels):
                raise ValueError(f"Normalize: {name} has {len(values)} values for a tensor with "
                                 f"{channels} channels (shape {tuple(tensor.shape)})")
        xp = backend.array_module(tensor.array)
        mean = Tensor(xp.asarray(self.mean, dtype=tensor.dtype).reshape(-1, 1, 1))
        std = Tensor(xp.asarray(self.std, dtype=tensor.dtype).reshape(-1, 1, 1))
        return (tensor - mean) / std

    def __repr__(self):
        return f"Normalize(mean={list(self.mean)}, std={list(self.std)})"


class RandomCrop:
    """Cut a ``size`` window (int: square, or (h, w)) at a random place, after padding.

    ``padding``: int (all sides), (left/right, top/bottom) or (left, top, right, bottom);
    ``padding_mode``: 'constant' (``fill``), 'edge', 'reflect' or 'symmetric';
    ``pad_if_needed`` pads an image smaller than ``size``.  Output ``(h, w[, C])``.
    """

    MODES = ("constant", "edge", "reflect", "symmetric")

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = _pair(size, "RandomCrop")
        if padding_mode not in self.MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {self.MODES}, got "
                             f"{padding_mode!r}")
        self.padding = self._sides(padding)
        self.pad_if_needed, self.fill, self.padding_mode = pad_if_needed, fill, padding_mode

    @staticmethod
    def _sides(padding):
        """(left, top, right, bottom)."""
        if padding is None:
            return (0, 0, 0, 0)
        if isinstance(padding, numbers.Integral):
            return (int(padding),) * 4
        padding = tuple(int(p) for p in padding)
        if len(padding) == 2:
            return padding * 2
        if len(padding) == 4:
            return padding
        raise ValueError(f"RandomCrop: padding must be an int or a sequence of 2 or 4 ints, got "
                         f"{padding!r}")

    def _pad(self, array, left, top, right, bottom):
        widths = ((top, bottom), (left, right), (0, 0))
        if self.padding_mode == "constant":
            return numpy.pad(array, widths, mode="constant", constant_values=self.fill)
        return numpy.pad(array, widths, mode=self.padding_mode)

    def __call__(self, img):
        array, back = _channels_last(img, "RandomCrop")
        array = self._pad(array, *self.padding)
        th, tw = self.size
        h, w = array.shape[:2]
        if self.pad_if_needed and (h < th or w < tw):
            dw, dh = max(tw - w, 0), max(th - h, 0)
            array = self._pad(array, dw, dh, dw, dh)
            h, w = array.shape[:2]
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: the crop size {self.size} is larger than the (padded) "
                             f"image {h}x{w}")
        rng = backend.generator()
        i = int(rng.integers(0, h - th + 1))
        j = int(rng.integers(0, w - tw + 1))
        return back(array[i:i + th, j:j + tw].copy())

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p`` (``image.flip_left_right``)."""

    def __init__(self, p=0.5):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p!r}")
        self.p = p

    def __call__(self, img):
        array, back = _channels_last(img, "RandomHorizontalFlip")
        if backend.generator().random() < self.p:
            return back(T.flip_left_right(array))
        return img

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class RandomRotation:
    """Rotate by an angle drawn uniformly in ``(-degrees, degrees)`` (or ``(lo, hi)``),
    counter-clockwise for positive angles, about the image centre; corners are ``fill``.

    ``interpolation``: 'nearest' (torchvision's default) or 'bilinear'.  The output keeps
    the input's size and dtype (integers rounded).  Uses ``image.transform.rotate``.
    """

    def __init__(self, degrees, interpolation="nearest", expand=False, center=None, fill=0):
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError(f"RandomRotation: degrees must be >= 0 when a single number, "
                                 f"got {degrees!r}")
            degrees = (-degrees, degrees)
        if len(degrees) != 2 or degrees[0] > degrees[1]:
            raise ValueError(f"RandomRotation: degrees must be a number or a pair (min, max), "
                             f"got {degrees!r}")
        interpolation = getattr(interpolation, "value", interpolation)
        if interpolation not in T.INTERPOLATIONS:
            raise ValueError(f"RandomRotation: interpolation must be one of {T.INTERPOLATIONS}, "
                             f"got {interpolation!r}")
        if expand or center is not None:
            raise NotImplementedError("RandomRotation: expand=True and center are not supported "
                                      "(the image turns about its centre, keeping its size)")
        self.degrees = (float(degrees[0]), float(degrees[1]))
        self.interpolation, self.fill = interpolation, fill

    def __call__(self, img):
        array, back = _channels_last(img, "RandomRotation")
        angle = float(backend.generator().uniform(*self.degrees))
        out = T.rotate(array, math.radians(angle), interpolation=self.interpolation,
                       fill_mode="constant", fill_value=float(self.fill))
        return back(_as_dtype(out, array.dtype))

    def __repr__(self):
        return f"RandomRotation(degrees={self.degrees}, interpolation={self.interpolation})"


class Resize:
    """Resize to ``size``: ``(h, w)`` exactly, or an int for the shorter side (the longer one
    keeps the aspect ratio: ``long * size // short``).

    Bilinear with half-pixel centres, ``shenjing.ops.interpolate(mode="bilinear",
    align_corners=False)`` (no antialiasing when shrinking); integer images are rounded
    back to their dtype.
    """

    def __init__(self, size, interpolation="bilinear", max_size=None, antialias=None):
        if isinstance(size, numbers.Integral):
            if size <= 0:
                raise ValueError(f"Resize: size must be positive, got {size!r}")
            self.size = int(size)
        else:
            self.size = _pair(size, "Resize")
        interpolation = getattr(interpolation, "value", interpolation)
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resize: interpolation must be 'bilinear' or 'nearest', got "
                             f"{interpolation!r}")
        self.interpolation, self.max_size = interpolation, max_size

    def output_size(self, h, w):
        """The (h, w) an ``h`` x ``w`` image is resized to."""
        if not isinstance(self.size, int):
            return self.size
        short, long = (h, w) if h <= w else (w, h)
        new_short, new_long = self.size, int(self.size * long / short)
        if self.max_size is not None and new_long > self.max_size:
            new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_short, new_long) if h <= w else (new_long, new_short)

    def __call__(self, img):
        from ..ops.upsample import interpolate
        array, back = _channels_last(img, "Resize")
        size = self.output_size(*array.shape[:2])
        if size == array.shape[:2]:
            return img
        x = Tensor(array[None].astype(numpy.float32 if array.dtype != numpy.float64
                                      else numpy.float64))
        mode = "nearest" if self.interpolation == "nearest" else "bilinear"
        out = interpolate(x, size=size, mode=mode, channels_last=True,
                          align_corners=None if mode == "nearest" else False, name="Resize")
        return back(_as_dtype(out.numpy()[0], array.dtype))

    def __repr__(self):
        return f"Resize(size={self.size}, interpolation={self.interpolation})"


class Lambda:
    """Apply any function: ``Lambda(lambda x: x.repeat(3, 1, 1))``."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: the argument should be callable, got "
                            f"{type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"
