"""Keras's pooling layers: ``MaxPooling1D/2D``, ``AveragePooling1D/2D``,
``GlobalMaxPooling1D/2D`` and ``GlobalAveragePooling1D/2D``.

Each calls shenjing's pooling op (``ops/pool.py``) on the channels-last input as it is:
the op pools channels-last natively (``channels_last=True``; ``data_format=
"channels_first"`` passes ``False``), one strided view per window offset, so nothing is
transposed or copied before the pooling itself.

Keras's ``padding="same"`` (ceil(n / stride) outputs, padding split with the odd one
after, padded places never chosen by the max nor counted in the mean) is the op's
``ceil_mode`` with the smaller half as its padding: for strides above 1, ceil mode extends
the last window past the end exactly as far as Keras pads there.  With stride 1 and an odd
total the op pads the larger half on both sides and the layer drops the first output
(a view), whose window started one place too early.  ``count_include_pad=False`` divides
each mean by the number of real inputs in its window.

    pool = MaxPooling2D(2)
    pool(x).shape                # x (N, 28, 28, 32) -> (N, 14, 14, 32)
"""

from ...autograd.tensor import Tensor
from ...ops import pool as P
from ...ops.conv import ntuple
from .convolutional import check_data_format, layout, same_padding
from .core import layer_input
from .layer import Layer


class _Pooling(Layer):
    """Windowed pooling of rank ``rank`` by ``op``; ``reduce`` is "max" or "average"."""

    rank = 2
    reduce = "max"
    op = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        who, d = self.who, self.rank
        self.pool_size = ntuple(pool_size, d, "pool_size", who)
        self.strides = self.pool_size if strides is None else ntuple(strides, d, "strides", who)
        if min(self.pool_size + self.strides) < 1:
            raise ValueError(f"{who}: pool_size and strides must be positive, got "
                             f"{self.pool_size} and {self.strides}")
        padding = padding.lower() if isinstance(padding, str) else padding
        if padding not in ("valid", "same"):
            raise ValueError(f"{who}: padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.data_format = check_data_format(data_format, who)

    @property
    def who(self):
        """``name (Class)``, how errors name the layer."""
        return f"{self.name} ({type(self).__name__})"

    def call(self, inputs):
        x, d = layer_input(inputs, self), self.rank
        if x.ndim != d + 2:
            raise ValueError(f"{self.who}: expected a {d + 2}-d input "
                             f"{layout(d, self.data_format)}, got shape {tuple(x.shape)}")
        last = self.data_format == "channels_last"
        size = tuple(x.shape[1:-1] if last else x.shape[2:])
        padding, ceil, crop = 0, False, ()
        if self.padding == "same":
            padding, crop = self._same(size)
            ceil = True
        # padded places are -inf for the max; the mean divides by its real inputs only
        extra = {} if self.reduce == "max" else {"count_include_pad": False}
        y = self.op(x, self.pool_size, self.strides, padding, ceil_mode=ceil,
                    channels_last=last, name=None, **extra)
        if crop:
            index = [slice(None)] * y.ndim
            for i in crop:
                index[1 + i if last else 2 + i] = slice(1, None)
            y = y[tuple(index)]
        return y

    def _same(self, size):
        """Keras's "same" as the op's padding (with ceil mode) per dim, and the dims whose
        first output is to be dropped (stride 1, odd total padding)."""
        lo, hi = same_padding(size, self.pool_size, self.strides)
        padding, crop = [], []
        for i, (before, after, s) in enumerate(zip(lo, hi, self.strides)):
            if s == 1 and after > before:
                padding.append(after)
                crop.append(i)
            else:
                padding.append(before)
        return tuple(padding), tuple(crop)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format}

    def extra_repr(self):
        return (f"name={self.name!r}, pool_size={self.pool_size}, strides={self.strides}, "
                f"padding={self.padding!r}")


class MaxPooling1D(_Pooling):
    """Max over windows of ``pool_size`` steps: (N, L, C) -> (N, L', C); strides default to
    pool_size; L' = (L - pool_size) // strides + 1 ("valid") or ceil(L / strides) ("same")."""
    rank, reduce, op = 1, "max", staticmethod(P.max_pool1d)


class MaxPooling2D(_Pooling):
    """Max over windows of ``pool_size``: (N, H, W, C) -> (N, H', W', C); the gradient goes
    to each window's first largest input.  ``MaxPooling2D(2)`` halves H and W."""
    rank, reduce, op = 2, "max", staticmethod(P.max_pool2d)


class AveragePooling1D(_Pooling):
    """Mean over windows of ``pool_size`` steps: (N, L, C) -> (N, L', C); with "same" a
    window's mean counts only its real (unpadded) inputs."""
    rank, reduce, op = 1, "average", staticmethod(P.avg_pool1d)


class AveragePooling2D(_Pooling):
    """Mean over windows of ``pool_size``: (N, H, W, C) -> (N, H', W', C); with "same" a
    window's mean counts only its real (unpadded) inputs."""
    rank, reduce, op = 2, "average", staticmethod(P.avg_pool2d)


class _GlobalPooling(Layer):
    """Pooling over every spatial position: (N, *S, C) -> (N, C), or (N, 1, ..., 1, C) with
    ``keepdims=True``."""

    rank = 2
    op = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, self.who)
        self.keepdims = bool(keepdims)

    who = _Pooling.who

    def call(self, inputs):
        x, d = layer_input(inputs, self), self.rank
        if x.ndim != d + 2:
            raise ValueError(f"{self.who}: expected a {d + 2}-d input "
                             f"{layout(d, self.data_format)}, got shape {tuple(x.shape)}")
        return self.op(x, channels_last=self.data_format == "channels_last",
                       keepdim=self.keepdims, name=None)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over time: (N, L, C) -> (N, C) (or (N, 1, C) with ``keepdims``)."""
    rank, op = 1, staticmethod(P.global_max_pool)


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over height and width: (N, H, W, C) -> (N, C) (or (N, 1, 1, C))."""
    rank, op = 2, staticmethod(P.global_max_pool)


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over time: (N, L, C) -> (N, C) (or (N, 1, C) with ``keepdims``).  With a mask
    (N, L) (True = a real step, from ``Embedding(mask_zero=True)`` or ``Masking``) the mean
    is over the real steps only, sum(m x) / sum(m), as Keras's; the output has no mask."""
    rank, op = 1, staticmethod(P.global_avg_pool)
    supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        x = layer_input(inputs, self)
        steps = 1 if self.data_format == "channels_last" else 2
        if x.ndim != 3 or tuple(mask.shape) != (x.shape[0], x.shape[steps]):
            raise ValueError(f"{self.who}: expected a mask of shape (batch, steps) = "
                             f"{(x.shape[0], x.shape[steps]) if x.ndim == 3 else '(N, L)'}, got "
                             f"mask shape {tuple(mask.shape)} for inputs of shape "
                             f"{tuple(x.shape)}")
        m = mask.array[:, :, None] if steps == 1 else mask.array[:, None, :]
        m = Tensor(m.astype(x.dtype))
        return (x * m).sum(steps, keepdim=self.keepdims) / m.sum(steps, keepdim=self.keepdims)

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width: (N, H, W, C) -> (N, C) (or (N, 1, 1, C))."""
    rank, op = 2, staticmethod(P.global_avg_pool)
