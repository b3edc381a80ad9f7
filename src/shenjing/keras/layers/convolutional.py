"""Keras's convolution layers: ``Conv1D`` and ``Conv2D``, channels-last.

Each layer holds Keras's weights, ``kernel`` (*kernel_size, in_channels / groups, filters)
and ``bias`` (filters,), and calls shenjing's convolution op (``ops/conv.py``, im2col + one
GEMM) with ``channels_last=True``: the op reads the kernel in Keras's layout as its GEMM
operand and its GEMM output is the channels-last result, so the layer transposes nothing.
``data_format="channels_first"`` inputs are read through a transposed view (the op copies
them once, channels-last, in its im2col) and the output is handed back as a view.

Padding as Keras's (TensorFlow's): ``"valid"`` none; ``"same"`` gives ceil(n / stride)
outputs, the total padding split with the odd one *after* (with stride 1 that is the op's
own ``"same"``); ``"causal"`` (Conv1D) pads dilation (k - 1) zeros before the sequence only.
Where the split is uneven and the stride is above 1, the input is padded once with
shenjing's pad op and convolved unpadded, which is the same single copy the op would make.

    conv = Conv2D(32, 3, padding="same", activation="relu")
    y = conv(x)                  # x (N, 28, 28, 1) -> (N, 28, 28, 32); kernel (3, 3, 1, 32)
"""

from ... import ops
from ...ops import conv as C
from .. import activations, initializers, regularizers
from .core import kernel_config, layer_input
from .layer import Layer

DATA_FORMATS = ("channels_last", "channels_first")


def check_data_format(data_format, who):
    """``data_format`` (None: channels-last, Keras's default) as one of ``DATA_FORMATS``."""
    data_format = data_format or "channels_last"
    if data_format not in DATA_FORMATS:
        raise ValueError(f"{who}: data_format must be 'channels_last' or 'channels_first', "
                         f"got {data_format!r}")
    return data_format


def layout(d, data_format, channels="C"):
    """``'(N, H, W, C)'`` (or channels-first) for ``d`` spatial dims, for error messages."""
    return C.layout_string(d, data_format == "channels_last", channels)


def to_channels_last(x, d):
    """(N, C, *S) -> (N, *S, C) as a view (no copy)."""
    return x.permute(0, *range(2, d + 2), 1)


def to_channels_first(x, d):
    """(N, *S, C) -> (N, C, *S) as a view (no copy)."""
    return x.permute(0, d + 1, *range(1, d + 1))


def same_padding(size, kernel, stride, dilation=None):
    """Keras's "same" padding per spatial dim, as ``(before, after)`` tuples: ceil(n / s)
    outputs and a total of max((out - 1) s + span - n, 0) zeros, the odd one after."""
    dilation = dilation or (1,) * len(size)
    lo, hi = [], []
    for n, k, s, dl in zip(size, kernel, stride, dilation):
        out = -(-n // s)
        total = max((out - 1) * s + dl * (k - 1) + 1 - n, 0)
        lo.append(total // 2)
        hi.append(total - total // 2)
    return tuple(lo), tuple(hi)


def pad_spatial(x, lo, hi):
    """Channels-last (N, *S, C) padded with zeros by ``lo`` before and ``hi`` after each
    spatial dim (shenjing's pad op, which lists the dims from the last backwards)."""
    widths = [0, 0]
    for before, after in zip(reversed(lo), reversed(hi)):
        widths += [before, after]
    return ops.pad(x, tuple(widths))


class WindowLayer(Layer):
    """What the convolution layers (plain, transposed, depthwise, separable) share: the
    window options, their checks, and how errors name the layer."""

    rank = 2
    paddings = ("valid", "same")

    @property
    def who(self):
        """``name (Class)``, how errors name the layer."""
        return f"{self.name} ({type(self).__name__})"

    def _channels(self, shape):
        return shape[-1] if self.data_format == "channels_last" else shape[1]

    def set_window(self, kernel_size, strides, padding, data_format, dilation_rate, activation,
                   use_bias, activity_regularizer, constraints):
        """Check and keep the options every convolution takes; ``constraints`` maps a weight
        name to its constraint argument (none is supported yet)."""
        who, d = self.who, self.rank
        padding = padding.lower() if isinstance(padding, str) else padding
        if padding not in self.paddings:
            raise ValueError(f"{who}: padding must be one of {', '.join(map(repr, self.paddings))}"
                             f", got {padding!r}")
        if activity_regularizer is not None:
            raise NotImplementedError(f"{who}: activity_regularizer is not supported yet; add "
                                      f"a penalty on the outputs to the loss")
        for what, constraint in constraints.items():
            if constraint is not None:
                raise NotImplementedError(f"{who}: {what}_constraint is not supported yet")
        self.padding = padding
        self.kernel_size = C.ntuple(kernel_size, d, "kernel_size", who)
        self.strides = C.ntuple(strides, d, "strides", who)
        self.dilation_rate = C.ntuple(dilation_rate, d, "dilation_rate", who)
        if min(self.kernel_size + self.strides + self.dilation_rate) < 1:
            raise ValueError(f"{who}: kernel_size, strides and dilation_rate must be positive, "
                             f"got {self.kernel_size}, {self.strides}, {self.dilation_rate}")
        self.data_format = check_data_format(data_format, who)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)


class _Conv(WindowLayer):
    """What Conv1D and Conv2D share: arguments, weights, padding and the op call."""

    op = None                          # the op of this rank, C.conv1d or C.conv2d

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        who = self.who
        if isinstance(filters, bool) or not isinstance(filters, int) or filters < 1:
            raise ValueError(f"{who}: filters must be a positive int, got {filters!r}")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 \
                or filters % groups:
            raise ValueError(f"{who}: groups must be a positive int that divides filters "
                             f"({filters}), got {groups!r}")
        self.set_window(kernel_size, strides, padding, data_format, dilation_rate, activation,
                        use_bias, activity_regularizer,
                        {"kernel": kernel_constraint, "bias": bias_constraint})
        self.filters, self.groups = filters, groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build(self, input_shape):
        d = self.rank
        if input_shape is None or len(input_shape) != d + 2 or self._channels(input_shape) is None:
            raise ValueError(f"{self.who}: expected a {d + 2}-d input "
                             f"{layout(d, self.data_format)}, got shape {input_shape}")
        channels = self._channels(input_shape)
        if channels % self.groups:
            raise ValueError(f"{self.who}: the {channels} input channels are not divisible by "
                             f"groups={self.groups} (input shape {input_shape})")
        self.kernel = self.add_weight(shape=self.kernel_size + (channels // self.groups,
                                                                self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, name="bias")
        else:
            self.bias = None

    def call(self, inputs):
        x, d = layer_input(inputs, self), self.rank
        channels = self.kernel.shape[-2] * self.groups
        if x.ndim != d + 2 or self._channels(x.shape) != channels:
            raise ValueError(f"{self.who}: expected a {d + 2}-d input "
                             f"{layout(d, self.data_format, channels)}, got shape "
                             f"{tuple(x.shape)}")
        if self.data_format == "channels_first":
            x = to_channels_last(x, d)
        padding = 0
        if self.padding == "same" and all(s == 1 for s in self.strides):
            padding = "same"                      # the op's split is Keras's at stride 1
        elif self.padding == "same":
            lo, hi = same_padding(tuple(x.shape[1:-1]), self.kernel_size, self.strides,
                                  self.dilation_rate)
            if lo == hi:
                padding = lo
            else:
                x = pad_spatial(x, lo, hi)
        elif self.padding == "causal":
            x = pad_spatial(x, (self.dilation_rate[0] * (self.kernel_size[0] - 1),), (0,))
        y = self.op(x, self.kernel, self.bias, self.strides, padding, self.dilation_rate,
                    self.groups, channels_last=True, name=None)
        if self.data_format == "channels_first":
            y = to_channels_first(y, d)
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": self.groups,
                **kernel_config(self)}

    def extra_repr(self):
        return (f"name={self.name!r}, filters={self.filters}, kernel_size={self.kernel_size}, "
                f"strides={self.strides}, padding={self.padding!r}")


class Conv1D(_Conv):
    """1-d convolution over time: (N, L, C) -> (N, L', filters), kernel (k, C / groups,
    filters); y = activation(conv(x, kernel) + bias).  ``padding`` ``"valid"``, ``"same"``
    or ``"causal"`` (output t sees inputs up to t only); L' = ceil(L / stride) for both.
    """

    rank = 1
    op = staticmethod(C.conv1d)
    paddings = ("valid", "same", "causal")


class Conv2D(_Conv):
    """2-d convolution over images: (N, H, W, C) -> (N, H', W', filters), kernel
    (kh, kw, C / groups, filters); y = activation(conv(x, kernel) + bias).  With
    ``padding="same"``, H' = ceil(H / stride); with ``"valid"``,
    H' = (H - dilation (kh - 1) - 1) // stride + 1."""

    rank = 2
    op = staticmethod(C.conv2d)
