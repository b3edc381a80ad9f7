"""Random image augmentations, the computations of Keras's preprocessing layers.

``RandomFlip``, ``RandomRotation``, ``RandomTranslation``, ``RandomZoom`` and
``RandomRot90`` draw one random transformation per image from shenjing's process
generator (``shenjing.backend.generator()``, seeded by ``shenjing.manual_seed``) or from
their own ``seed``, and apply it with ``transform.py``.  Like Keras's layers they change
images only when ``training`` is true, take channels-last ``(H, W, C)`` / ``(N, H, W, C)``
NumPy arrays or shenjing tensors, and return float32 (a tensor for a tensor).  Factors are
Keras's: a float ``f`` means the range ``(-f, f)``, a pair ``(lower, upper)`` the range.

>>> flip = RandomFlip("horizontal", seed=0)
>>> rotate = RandomRotation(0.05, fill_mode="nearest")   # up to +-18 degrees
>>> batch = rotate(flip(images))
"""

import math

import numpy

from .. import backend
from . import transform as T


def _to_numpy(images):
    """``(array, was_tensor)``; tensors are read without copying."""
    from ..autograd.tensor import Tensor
    if isinstance(images, Tensor):
        return images.numpy(), True
    return numpy.asarray(images), False


def _like(array, was_tensor):
    if was_tensor:
        from ..autograd.tensor import Tensor
        return Tensor(array)
    return array


def _range(factor, name, who, symmetric_only=False):
    """Keras's factor: ``f`` -> ``(-f, f)``; a pair as given."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"{who}: `{name}` must be a float or a pair (lower, upper), got "
                             f"{factor!r}")
        lower, upper = float(factor[0]), float(factor[1])
    else:
        lower, upper = -abs(float(factor)), abs(float(factor))
    if lower > upper:
        raise ValueError(f"{who}: `{name}` lower bound {lower} is above upper bound {upper}")
    return lower, upper


class _RandomLayer:
    """Shared: the random generator, the training switch, array/tensor in and out."""

    def __init__(self, seed=None):
        self.seed = seed
        self._rng = None if seed is None else numpy.random.default_rng(seed)

    @property
    def rng(self):
        return backend.generator() if self._rng is None else self._rng

    def __call__(self, images, training=True):
        array, was_tensor = _to_numpy(images)
        batch, single = T.as_batch(array, type(self).__name__)
        batch = batch.astype(numpy.float32, copy=False)
        if training:
            batch = self.transform(batch)
        return _like(batch[0] if single else batch, was_tensor)

    def transform(self, batch):  # pragma: no cover - every subclass defines it
        raise NotImplementedError


class RandomFlip(_RandomLayer):
    """Flip each image with probability 1/2 along the chosen axes.

    ``mode``: ``"horizontal"`` (left-right), ``"vertical"`` (up-down) or
    ``"horizontal_and_vertical"`` (each axis decided separately).
    """

    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None):
        if mode not in self.MODES:
            raise ValueError(f"RandomFlip: mode must be one of {self.MODES}, got {mode!r}")
        super().__init__(seed)
        self.mode = mode

    def transform(self, batch):
        out = batch.copy()
        n = len(batch)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            flip = self.rng.random(n) < 0.5
            out[flip] = out[flip][:, :, ::-1]
        if self.mode in ("vertical", "horizontal_and_vertical"):
            flip = self.rng.random(n) < 0.5
            out[flip] = out[flip][:, ::-1]
        return out


class RandomRot90(_RandomLayer):
    """Rotate each image by a random number of quarter turns (0-3), exactly.

    Square images only (a quarter turn swaps height and width).
    """

    def transform(self, batch):
        if batch.shape[1] != batch.shape[2]:
            raise ValueError(f"RandomRot90: images must be square, got {batch.shape[1]}x"
                             f"{batch.shape[2]}")
        ks = self.rng.integers(0, 4, len(batch))
        out = batch.copy()
        for k in range(1, 4):
            chosen = ks == k
            if chosen.any():
                out[chosen] = T.rot90(batch[chosen], k)
        return out


class _Resampling(_RandomLayer):
    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0):
        if fill_mode not in T.FILL_MODES:
            raise ValueError(f"{type(self).__name__}: fill_mode must be one of {T.FILL_MODES}, "
                             f"got {fill_mode!r}")
        if interpolation not in T.INTERPOLATIONS:
            raise ValueError(f"{type(self).__name__}: interpolation must be one of "
                             f"{T.INTERPOLATIONS}, got {interpolation!r}")
        super().__init__(seed)
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value

    def _apply(self, batch, transforms):
        return T.affine_transform(batch, transforms, self.interpolation, self.fill_mode,
                                  self.fill_value)


class RandomRotation(_Resampling):
    """Rotate each image by a random angle: ``factor`` is a fraction of a full turn
    (``0.1`` -> up to +-36 degrees); positive angles turn counter-clockwise."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0):
        super().__init__(fill_mode, interpolation, seed, fill_value)
        self.factor = factor
        self.lower, self.upper = _range(factor, "factor", "RandomRotation")

    def transform(self, batch):
        angles = self.rng.uniform(self.lower, self.upper, len(batch)) * 2 * math.pi
        return self._apply(batch, T.rotation_transform(angles, *batch.shape[1:3]))


class RandomTranslation(_Resampling):
    """Shift each image by random fractions of its height and width (positive: down /
    right)."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0):
        super().__init__(fill_mode, interpolation, seed, fill_value)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = _range(height_factor, "height_factor", "RandomTranslation")
        self.width_range = _range(width_factor, "width_factor", "RandomTranslation")

    def transform(self, batch):
        n, h, w = batch.shape[:3]
        dy = self.rng.uniform(*self.height_range, n) * h
        dx = self.rng.uniform(*self.width_range, n) * w
        return self._apply(batch, T.translation_transform(dx, dy))


class RandomZoom(_Resampling):
    """Zoom each image by ``1 + u``, ``u`` drawn in the factor range: positive zooms out,
    negative in.  ``width_factor=None`` keeps the aspect ratio (one zoom for both axes)."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0):
        super().__init__(fill_mode, interpolation, seed, fill_value)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = _range(height_factor, "height_factor", "RandomZoom")
        self.width_range = (None if width_factor is None
                            else _range(width_factor, "width_factor", "RandomZoom"))
        for lower, upper in filter(None, (self.height_range, self.width_range)):
            if lower < -1.0:
                raise ValueError(f"RandomZoom: factors must be >= -1 (a zoom of 1 + factor > 0), "
                                 f"got {lower}")

    def transform(self, batch):
        n, h, w = batch.shape[:3]
        zoom_y = 1.0 + self.rng.uniform(*self.height_range, n)
        zoom_x = zoom_y if self.width_range is None else 1.0 + self.rng.uniform(
            *self.width_range, n)
        return self._apply(batch, T.zoom_transform(zoom_x, zoom_y, h, w))
