"""Keras's depthwise and separable convolutions: ``DepthwiseConv1D``, ``DepthwiseConv2D``,
``SeparableConv1D``, ``SeparableConv2D``, channels-last.

A depthwise convolution filters each input channel on its own: it is the grouped
convolution of ``ops/conv.py`` with groups = C.  Keras keeps its kernel as (*k, C, M)
(M = ``depth_multiplier``); read as (*k, 1, C M) that is the op's grouped, channels-last
weight, output channel c M + m being input channel c's m-th filter, Keras's order, so the
layer hands the op a reshaped view and transposes nothing.

A separable convolution is a depthwise one (no bias) followed by a pointwise 1x1
convolution to ``filters`` channels with the bias: weights ``depthwise_kernel`` (*k, C, M),
``pointwise_kernel`` (1.., C M, filters), ``bias`` (filters,).  Padding, strides and
dilation apply to the depthwise step only, with Keras's "same" rule (``convolutional.py``).

    dw = DepthwiseConv2D(3, padding="same", depth_multiplier=2)
    y = dw(x)                    # x (N, 28, 28, 8) -> (N, 28, 28, 16); kernel (3, 3, 8, 2)
"""

from ...ops import conv as C
from .. import activations, initializers, regularizers
from .convolutional import (WindowLayer, layout, pad_spatial, same_padding,
                            to_channels_first, to_channels_last)
from .core import layer_input

OPS = {1: C.conv1d, 2: C.conv2d}


def keras_conv(x, kernel, bias, strides, padding, dilation, groups):
    """Channels-last convolution (N, *S, C) -> (N, *S', O) with Keras's "valid"/"same"
    padding, ``kernel`` in the op's channels-last layout (*k, C / groups, O)."""
    d = x.ndim - 2
    pad = 0
    if padding == "same" and all(s == 1 for s in strides):
        pad = "same"                             # the op's split is Keras's at stride 1
    elif padding == "same":
        lo, hi = same_padding(tuple(x.shape[1:-1]), tuple(kernel.shape[:d]), strides, dilation)
        if lo == hi:
            pad = lo
        else:
            x = pad_spatial(x, lo, hi)
    return OPS[d](x, kernel, bias, strides, pad, dilation, groups, channels_last=True, name=None)


def conv_output_size(n, k, s, dl, padding):
    """Keras's output length of a convolution: ceil(n / s) ("same") or
    (n - dl (k - 1) - 1) // s + 1 ("valid"); None stays None."""
    if n is None:
        return None
    return -(-n // s) if padding == "same" else (n - dl * (k - 1) - 1) // s + 1


class _DepthwiseConv(WindowLayer):
    """What the depthwise and separable layers share: arguments, the depthwise kernel, the
    input checks and the depthwise step."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, int) \
                or depth_multiplier < 1:
            raise ValueError(f"{self.who}: depth_multiplier must be a positive int, got "
                             f"{depth_multiplier!r}")
        self.set_window(kernel_size, strides, padding, data_format, dilation_rate, activation,
                        use_bias, activity_regularizer,
                        {"depthwise": depthwise_constraint, "bias": bias_constraint})
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def _out_channels(self, channels):
        return channels * self.depth_multiplier

    def compute_output_shape(self, input_shape):
        """(N, *S, C) -> (N, *S', C M) (separable: filters), S' by Keras's conv rule."""
        d, last = self.rank, self.data_format == "channels_last"
        if len(input_shape) != d + 2:
            raise ValueError(f"{self.who}: expected a {d + 2}-d input shape, got {input_shape}")
        spatial = input_shape[1:-1] if last else input_shape[2:]
        out = tuple(conv_output_size(n, k, s, dl, self.padding) for n, k, s, dl in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        c = self._channels(input_shape)
        c = None if c is None else self._out_channels(c)
        return (input_shape[0],) + (out + (c,) if last else (c,) + out)

    def _depthwise_weight(self, channels, name):
        return self.add_weight(shape=self.kernel_size + (channels, self.depth_multiplier),
                               initializer=self.depthwise_initializer,
                               regularizer=self.depthwise_regularizer, name=name)

    def _check_build(self, input_shape):
        d = self.rank
        if input_shape is None or len(input_shape) != d + 2 or self._channels(input_shape) is None:
            raise ValueError(f"{self.who}: expected a {d + 2}-d input "
                             f"{layout(d, self.data_format)}, got shape {input_shape}")
        return self._channels(input_shape)

    def _input(self, inputs, channels):
        """The input, checked and channels-last."""
        x, d = layer_input(inputs, self), self.rank
        if x.ndim != d + 2 or self._channels(x.shape) != channels:
            raise ValueError(f"{self.who}: expected a {d + 2}-d input "
                             f"{layout(d, self.data_format, channels)}, got shape "
                             f"{tuple(x.shape)}")
        return to_channels_last(x, d) if self.data_format == "channels_first" else x

    def _depthwise(self, x, kernel, bias):
        """The depthwise step: kernel (*k, C, M) as the op's grouped (*k, 1, C M)."""
        c = kernel.shape[-2]
        grouped = kernel.reshape(self.kernel_size + (1, c * self.depth_multiplier))
        return keras_conv(x, grouped, bias, self.strides, self.padding, self.dilation_rate, c)

    def _output(self, y):
        if self.data_format == "channels_first":
            y = to_channels_first(y, self.rank)
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": None, "depthwise_constraint": None,
                "bias_constraint": None}

    def extra_repr(self):
        return (f"name={self.name!r}, kernel_size={self.kernel_size}, "
                f"depth_multiplier={self.depth_multiplier}, strides={self.strides}, "
                f"padding={self.padding!r}")


class _Depthwise(_DepthwiseConv):
    def build(self, input_shape):
        channels = self._check_build(input_shape)
        self.kernel = self._depthwise_weight(channels, "kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(channels * self.depth_multiplier,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, name="bias")
        else:
            self.bias = None

    def call(self, inputs):
        x = self._input(inputs, self.kernel.shape[-2])
        return self._output(self._depthwise(x, self.kernel, self.bias))


class DepthwiseConv1D(_Depthwise):
    """Depthwise 1-d convolution: each of the C channels filtered on its own by M filters,
    (N, L, C) -> (N, L', C M), kernel (k, C, M), bias (C M,);
    y[..., c M + m] = activation(x[..., c] * kernel[:, c, m] + bias[c M + m])."""

    rank = 1


class DepthwiseConv2D(_Depthwise):
    """Depthwise 2-d convolution: (N, H, W, C) -> (N, H', W', C M), kernel (kh, kw, C, M),
    bias (C M,); output channel c M + m is input channel c convolved with kernel[..., c, m]
    (M = depth_multiplier).  H' as Conv2D's."""

    rank = 2


class _Separable(_DepthwiseConv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters < 1:
            raise ValueError(f"{self.who}: filters must be a positive int, got {filters!r}")
        if pointwise_constraint is not None:
            raise NotImplementedError(f"{self.who}: pointwise_constraint is not supported yet")
        self.filters = filters
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)

    def _out_channels(self, channels):
        return self.filters

    def build(self, input_shape):
        channels = self._check_build(input_shape)
        self.depthwise_kernel = self._depthwise_weight(channels, "depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            name="pointwise_kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, name="bias")
        else:
            self.bias = None

    def call(self, inputs):
        x = self._input(inputs, self.depthwise_kernel.shape[-2])
        h = self._depthwise(x, self.depthwise_kernel, None)
        ones = (1,) * self.rank
        y = keras_conv(h, self.pointwise_kernel, self.bias, ones, "valid", ones, 1)
        return self._output(y)

    def get_config(self):
        config = super().get_config()
        return {**config, "filters": self.filters,
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "pointwise_constraint": None}


class SeparableConv1D(_Separable):
    """Separable 1-d convolution: depthwise (k, C, M) then pointwise (1, C M, filters),
    (N, L, C) -> (N, L', filters); y = activation(pointwise(depthwise(x)) + bias)."""

    rank = 1


class SeparableConv2D(_Separable):
    """Separable 2-d convolution: depthwise (kh, kw, C, M), then pointwise
    (1, 1, C M, filters) with bias (filters,): (N, H, W, C) -> (N, H', W', filters), far
    fewer weights than a Conv2D (kh kw C M + C M filters against kh kw C filters)."""

    rank = 2
