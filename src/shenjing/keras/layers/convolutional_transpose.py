"""Keras's transposed convolutions: ``Conv1DTranspose``, ``Conv2DTranspose``,
``Conv3DTranspose`` (learned upsampling), channels-last.

Each holds Keras's weights, ``kernel`` (*kernel_size, filters, in_channels) and ``bias``
(filters,), and calls shenjing's transposed-convolution op (``ops/conv.py``: the adjoint of
the convolution, GEMM + col2im) with ``channels_last=True``, whose weight layout is Keras's.

Output size as Keras's, per spatial dim with the dilated kernel span e = dl (k - 1) + 1:

    "valid":  (n - 1) s + e + output_padding    (output_padding None: max(e, s) - e)
    "same":   n s                               (output_padding None)
              (n - 1) s + e % 2 + output_padding

Keras reaches it by cutting the op's unpadded output, (n - 1) s + e long, asymmetrically:
(left, right) = (e - 1 - pad_left, e - 1 - pad_right) with the padding of ``keras_pads``;
a negative cut is zeros added after (the positions no window reaches; the bias still adds).
The common part of the two cuts is the op's own symmetric ``padding``, so that only an odd
remainder is sliced off.

    up = Conv2DTranspose(16, 3, strides=2, padding="same")
    y = up(x)                    # x (N, 14, 14, 32) -> (N, 28, 28, 16); kernel (3, 3, 16, 32)
"""

from ...ops import conv as C
from .convolutional import _Conv, pad_spatial, to_channels_first, to_channels_last
from .core import layer_input


def keras_pads(kernel, stride, dilation, padding, output_padding):
    """Keras's (pad_left, pad_right) of one dim of a transposed convolution, as the padding
    of the equivalent stride-1 convolution over the input dilated by ``stride``."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return span - 1, span - 1 + extra
    total = stride + span - 2 if output_padding is None else \
        span + span % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, span - 1)
    return left, total - left


def output_crops(kernel, stride, dilation, padding, output_padding):
    """Per dim, (cut before, cut after) of the op's unpadded output; negative: zeros added."""
    crops = []
    for k, s, dl, op in zip(kernel, stride, dilation, output_padding):
        span = (k - 1) * dl + 1
        left, right = keras_pads(k, s, dl, padding, op)
        crops.append((span - 1 - left, span - 1 - right))
    return crops


class _ConvTranspose(_Conv):
    """What Conv1DTranspose, Conv2DTranspose and Conv3DTranspose share."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=1,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)
        who, d = self.who, self.rank
        if output_padding is not None:
            output_padding = C.ntuple(output_padding, d, "output_padding", who)
            if any(not 0 <= p < s for p, s in zip(output_padding, self.strides)):
                raise ValueError(f"{who}: each output_padding must be in [0, stride), got "
                                 f"output_padding={output_padding} with strides={self.strides}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{who}: strides > 1 together with dilation_rate > 1 is not "
                             f"supported (as in Keras), got strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}")
        self.output_padding = output_padding

    def _crops(self):
        return output_crops(self.kernel_size, self.strides, self.dilation_rate, self.padding,
                            self.output_padding or (None,) * self.rank)

    def compute_output_shape(self, input_shape):
        """(N, *S, C) -> (N, *S', filters) (or channels-first), S' by Keras's rule (see the
        module docstring); None stays None."""
        d, last = self.rank, self.data_format == "channels_last"
        if len(input_shape) != d + 2:
            raise ValueError(f"{self.who}: expected a {d + 2}-d input shape, got {input_shape}")
        spatial = input_shape[1:-1] if last else input_shape[2:]
        out = tuple(None if n is None else (n - 1) * s + (k - 1) * dl + 1 - lo - hi
                    for n, k, s, dl, (lo, hi) in zip(spatial, self.kernel_size, self.strides,
                                                     self.dilation_rate, self._crops()))
        return (input_shape[0],) + (out + (self.filters,) if last else (self.filters,) + out)

    def build(self, input_shape):
        d = self.rank
        if input_shape is None or len(input_shape) != d + 2 or self._channels(input_shape) is None:
            raise ValueError(f"{self.who}: expected a {d + 2}-d input "
                             f"{C.layout_string(d, self.data_format == 'channels_last')}, "
                             f"got shape {input_shape}")
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters,
                                                                self._channels(input_shape)),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, name="bias")
        else:
            self.bias = None

    def call(self, inputs):
        x, d = layer_input(inputs, self), self.rank
        channels = self.kernel.shape[-1]
        if x.ndim != d + 2 or self._channels(x.shape) != channels:
            raise ValueError(f"{self.who}: expected a {d + 2}-d input "
                             f"{C.layout_string(d, self.data_format == 'channels_last', channels)}"
                             f", got shape {tuple(x.shape)}")
        if self.data_format == "channels_first":
            x = to_channels_last(x, d)
        crops = self._crops()
        common = tuple(max(min(lo, hi), 0) for lo, hi in crops)
        pads = any(hi < 0 for _, hi in crops)
        y = self.op(x, self.kernel, None if pads else self.bias, self.strides, common, 0, 1,
                    self.dilation_rate, channels_last=True, name=None)
        rest = [(lo - p, hi - p) for (lo, hi), p in zip(crops, common)]
        if any(lo > 0 or hi > 0 for lo, hi in rest):
            y = y[(slice(None),) + tuple(slice(max(lo, 0), n - max(hi, 0)) for (lo, hi), n in
                                         zip(rest, y.shape[1:-1])) + (slice(None),)]
        if pads:
            y = pad_spatial(y, (0,) * d, tuple(max(-hi, 0) for _, hi in rest))
            if self.bias is not None:
                y = y + self.bias
        if self.data_format == "channels_first":
            y = to_channels_first(y, d)
        return self.activation(y)

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-d convolution: (N, L, C) -> (N, L', filters), kernel (k, filters, C);
    L' = L * stride with ``padding="same"``, (L - 1) stride + max(k, stride) with "valid"."""

    rank = 1
    op = staticmethod(C.conv_transpose1d)
    paddings = ("valid", "same")


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-d convolution (learned upsampling): (N, H, W, C) -> (N, H', W', filters),
    kernel (kh, kw, filters, C); H' = H * stride with ``padding="same"``,
    (H - 1) stride + max(kh, stride) with "valid" (the adjoint of Conv2D in x)."""

    rank = 2
    op = staticmethod(C.conv_transpose2d)
    paddings = ("valid", "same")


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-d convolution: (N, D, H, W, C) -> (N, D', H', W', filters), kernel
    (kd, kh, kw, filters, C); sizes as Conv2DTranspose's, per dim."""

    rank = 3
    op = staticmethod(C.conv_transpose3d)
    paddings = ("valid", "same")
