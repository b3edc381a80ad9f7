"""Keras's reshaping layers: ``UpSampling2D``, ``ZeroPadding2D``, ``Permute``,
``RepeatVector``.

Each is one shenjing op on the channels-last input as it lies: ``interpolate`` (its
``channels_last`` mode) for up-sampling, ``pad`` for zero padding, ``permute`` and
``expand`` (a broadcast view, whose gradient sums over the copies) for the others.

    UpSampling2D(2)(x)              # (N, H, W, C) -> (N, 2H, 2W, C)
    ZeroPadding2D(((1, 0), (2, 2)))(x)   # (N, H, W, C) -> (N, H + 1, W + 4, C)
    RepeatVector(3)(v)              # (N, F) -> (N, 3, F)
"""

from ... import ops
from ...ops.upsample import interpolate
from .convolutional import check_data_format
from .core import layer_input
from .layer import Layer


def _pair(value, what, who):
    """A pair of non-negative ints from an int or a 2-sequence."""
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if (not isinstance(pair, (tuple, list)) or len(pair) != 2
            or any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in pair)):
        raise ValueError(f"{who}: {what} must be an int or a pair of non-negative ints, got "
                         f"{value!r}")
    return tuple(pair)


class UpSampling2D(Layer):
    """Repeats rows and columns (``interpolation="nearest"``) or blends them bilinearly
    (``"bilinear"``, half-pixel centres as Keras 3's image resize and PyTorch's
    ``align_corners=False``): (N, H, W, C) -> (N, H * size[0], W * size[1], C), or
    (N, C, H, W) with ``data_format="channels_first"``."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = _pair(size, "size", self.who)
        if min(self.size) < 1:
            raise ValueError(f"{self.who}: size must be positive, got {size!r}")
        self.data_format = check_data_format(data_format, self.who)
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(f"{self.who}: interpolation must be 'nearest' or "
                                      f"'bilinear', got {interpolation!r}")
        self.interpolation = interpolation

    @property
    def who(self):
        return f"{self.name} (UpSampling2D)"

    def call(self, inputs):
        x = layer_input(inputs, self)
        if x.ndim != 4:
            form = "(N, H, W, C)" if self.data_format == "channels_last" else "(N, C, H, W)"
            raise ValueError(f"{self.who}: expected 4-d inputs {form}, got shape "
                             f"{tuple(x.shape)}")
        return interpolate(x, scale_factor=self.size, mode=self.interpolation,
                           channels_last=self.data_format == "channels_last", name=self.who)

    def get_config(self):
        return {**super().get_config(), "size": list(self.size), "data_format": self.data_format,
                "interpolation": self.interpolation}


class ZeroPadding2D(Layer):
    """Pads rows and columns with zeros: (N, H, W, C) -> (N, top + H + bottom,
    left + W + right, C).  ``padding``: an int (all four sides), a pair (rows, columns)
    (symmetric), or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = f"{self.name} (ZeroPadding2D)"
        if (isinstance(padding, (tuple, list)) and len(padding) == 2
                and all(isinstance(p, (tuple, list)) for p in padding)):
            self.padding = (_pair(padding[0], "padding", who), _pair(padding[1], "padding", who))
        else:
            rows, cols = _pair(padding, "padding", who)
            self.padding = ((rows, rows), (cols, cols))
        self.data_format = check_data_format(data_format, who)

    def call(self, inputs):
        x = layer_input(inputs, self)
        if x.ndim != 4:
            form = "(N, H, W, C)" if self.data_format == "channels_last" else "(N, C, H, W)"
            raise ValueError(f"{self.name} (ZeroPadding2D): expected 4-d inputs {form}, got "
                             f"shape {tuple(x.shape)}")
        (top, bottom), (left, right) = self.padding
        widths = (left, right, top, bottom)           # the op lists dims from the last back
        if self.data_format == "channels_last":
            widths = (0, 0) + widths
        return ops.pad(x, widths)

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding],
                "data_format": self.data_format}


class Permute(Layer):
    """Permutes the axes of each sample: ``dims`` is a permutation of 1..ndim-1 (the batch
    axis 0 stays), e.g. ``Permute((2, 1))``: (N, T, F) -> (N, F, T)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"{self.name} (Permute): dims must be a permutation of 1..{len(dims)} "
                             f"(the batch axis is not counted), got {dims}")
        self.dims = dims

    def call(self, inputs):
        x = layer_input(inputs, self)
        if x.ndim != len(self.dims) + 1:
            raise ValueError(f"{self.name} (Permute): dims {self.dims} expect inputs of "
                             f"{len(self.dims) + 1} dims (batch first), got shape "
                             f"{tuple(x.shape)}")
        return x.permute((0,) + self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeats each sample ``n`` times along a new axis: (N, F) -> (N, n, F)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{self.name} (RepeatVector): n must be a positive int, got {n!r}")
        self.n = n

    def call(self, inputs):
        x = layer_input(inputs, self)
        if x.ndim != 2:
            raise ValueError(f"{self.name} (RepeatVector): expected inputs of shape (N, F), got "
                             f"shape {tuple(x.shape)}")
        return x.unsqueeze(1).expand(x.shape[0], self.n, x.shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
