"""Keras 3's convolution and pooling ops: ``conv``, ``depthwise_conv``,
``separable_conv``, ``conv_transpose``, ``max_pool``, ``average_pool``, on shenjing's
conv and pool ops (im2col + one GEMM).

Keras's conventions: images are channels-last unless ``data_format`` says otherwise; a
``conv`` kernel is laid out (*kernel_size, in_channels / groups, out_channels), a
depthwise kernel (*kernel_size, in_channels, multiplier), a transposed one
(*kernel_size, out_channels, in_channels).  ``padding="same"`` follows TensorFlow: the
output has ceil(n / stride) positions and an odd total padding puts the extra row after.
"""

import numpy

from ... import ops
from ...ops import conv as _conv, pool as _pool
from .core import fail, floating, keras_op, tensor
from .creation import ones as _ones

__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool",
           "average_pool"]


def _tuple(value, d, name, op):
    values = (value,) * d if isinstance(value, (int, numpy.integer)) else tuple(value)
    if len(values) != d:
        fail(op, f"{name} needs {d} values for {d}-d inputs, got {value}", ValueError)
    return tuple(int(v) for v in values)


def _channels_last(data_format, op):
    if data_format in (None, "channels_last"):
        return True
    if data_format == "channels_first":
        return False
    fail(op, f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}",
         ValueError)


def _same_pads(size, span, stride):
    """TensorFlow's 'same' padding of one axis: out = ceil(n / s), the odd one after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def _pad_spatial(x, pads, channels_last, value=0.0):
    """x padded on its spatial axes by (before, after) pairs, as one ``ops.pad``."""
    widths = [(0, 0)] + list(pads) + [(0, 0)] if channels_last else [(0, 0), (0, 0)] + list(pads)
    flat = [int(w) for pair in reversed(widths) for w in pair]
    return ops.pad(x, flat, value=value)


@keras_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-d convolution: inputs (N, *spatial, C) (channels-last) with a kernel
    (*kernel_size, C / groups, O) -> (N, *spatial', O); groups = C / kernel.shape[-2]."""
    op = "conv"
    x, w = floating(inputs), tensor(kernel)
    d = x.ndim - 2
    if d not in (1, 2, 3) or w.ndim != x.ndim:
        fail(op, f"inputs of shape {x.shape} and kernel of shape {w.shape}: expected 3-d to "
                 f"5-d inputs (N, *spatial, C) and a kernel of the same rank "
                 f"(*kernel_size, C / groups, O)")
    last = _channels_last(data_format, op)
    channels = x.shape[-1] if last else x.shape[1]
    if channels % w.shape[-2] or w.shape[-1] % (channels // w.shape[-2]):
        fail(op, f"inputs of shape {x.shape} have {channels} channels, which the kernel of "
                 f"shape {w.shape} (in_channels / groups = {w.shape[-2]}, out_channels = "
                 f"{w.shape[-1]}) cannot take")
    groups = channels // w.shape[-2]
    strides = _tuple(strides, d, "strides", op)
    dilation = _tuple(dilation_rate, d, "dilation_rate", op)
    if padding not in ("valid", "same"):
        fail(op, f"padding must be 'valid' or 'same', got {padding!r}", ValueError)
    if padding == "same" and any(s != 1 for s in strides):
        spatial = x.shape[1:-1] if last else x.shape[2:]
        spans = [dl * (k - 1) + 1 for k, dl in zip(w.shape[:d], dilation)]
        x = _pad_spatial(x, [_same_pads(n, sp, s) for n, sp, s in zip(spatial, spans, strides)],
                         last)
        padding = "valid"
    if not last:  # the engine's channels-first kernel is (O, C / groups, *kernel_size)
        w = ops.permute(w, (d + 1, d) + tuple(range(d)))
    fn = (_conv.conv1d, _conv.conv2d, _conv.conv3d)[d - 1]
    return fn(x, w, None, strides, padding, dilation, groups, channels_last=last,
              name="keras.ops.conv")


@keras_op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Each input channel convolved with its own ``multiplier`` filters: inputs
    (N, *spatial, C), kernel (*kernel_size, C, M) -> (N, *spatial', C * M); a ``conv``
    with C groups (output channel c * M + m is channel c's filter m)."""
    x, w = floating(inputs), tensor(kernel)
    channels = x.shape[-1] if _channels_last(data_format, "depthwise_conv") else x.shape[1]
    if w.ndim != x.ndim or w.shape[-2] != channels:
        fail("depthwise_conv", f"inputs of shape {x.shape} need a kernel (*kernel_size, "
                               f"{channels}, multiplier), got shape {w.shape}")
    w = ops.reshape(w, tuple(w.shape[:-2]) + (1, w.shape[-2] * w.shape[-1]))
    return conv(x, w, strides, padding, data_format, dilation_rate)


@keras_op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a pointwise (1 x 1) one: depthwise kernel
    (*kernel_size, C, M), pointwise kernel (1, ..., C * M, O) -> (N, *spatial', O)."""
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


def _transpose_window(n, span, stride, padding, output_padding):
    """(start, length) of Keras's transposed-convolution output within the full one of
    length (n - 1) stride + span (TensorFlow's rule; past the end means zeros)."""
    if padding == "valid":
        extra = max(stride - span, 0) if output_padding is None else output_padding
        return 0, (n - 1) * stride + span + extra
    length = n * stride if output_padding is None else \
        (n - 1) * stride + span - 2 * (span // 2) + output_padding
    # the 'same' padding of the forward convolution from ``length`` back to n positions
    return max((n - 1) * stride + span - length, 0) // 2, length


@keras_op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the gradient of ``conv`` with respect to its input): inputs
    (N, *spatial, C), kernel (*kernel_size, O, C) -> (N, *spatial', O).  Output sizes as
    Keras: 'same' gives n * stride, 'valid' (n - 1) stride + max(span, stride), and
    ``output_padding`` adds rows after."""
    op = "conv_transpose"
    x, w = floating(inputs), tensor(kernel)
    d = x.ndim - 2
    last = _channels_last(data_format, op)
    channels = x.shape[-1] if last else x.shape[1]
    if d not in (1, 2, 3) or w.ndim != x.ndim or w.shape[-1] != channels:
        fail(op, f"inputs of shape {x.shape} need a kernel (*kernel_size, out_channels, "
                 f"{channels}) of the same rank, got shape {w.shape}")
    if padding not in ("valid", "same"):
        fail(op, f"padding must be 'valid' or 'same', got {padding!r}", ValueError)
    strides = _tuple(strides, d, "strides", op)
    dilation = _tuple(dilation_rate, d, "dilation_rate", op)
    extra = (None,) * d if output_padding is None else _tuple(output_padding, d,
                                                              "output_padding", op)
    if not last:  # the engine's channels-first kernel is (C_in, C_out, *kernel_size)
        w = ops.permute(w, (d + 1, d) + tuple(range(d)))
    fn = (_conv.conv_transpose1d, _conv.conv_transpose2d, _conv.conv_transpose3d)[d - 1]
    y = fn(x, w, None, strides, 0, 0, 1, dilation, channels_last=last,
           name="keras.ops.conv_transpose")
    spatial = x.shape[1:-1] if last else x.shape[2:]
    full = y.shape[1:-1] if last else y.shape[2:]
    windows = [_transpose_window(n, dl * (k - 1) + 1, s, padding, p) for n, k, s, dl, p in
               zip(spatial, w.shape[:d] if last else w.shape[2:], strides, dilation, extra)]
    short = [max(start + length - f, 0) for (start, length), f in zip(windows, full)]
    if any(short):
        y = _pad_spatial(y, [(0, s) for s in short], last)
    crop = tuple(slice(start, start + length) for start, length in windows)
    index = (slice(None),) + crop + (slice(None),) if last else (slice(None),) * 2 + crop
    return y if all(f == length and not start for f, (start, length) in zip(full, windows)) \
        else y[index]


def _pool_setup(inputs, pool_size, strides, padding, data_format, op):
    x = floating(inputs)
    d = x.ndim - 2
    if d not in (1, 2, 3):
        fail(op, f"expected 3-d to 5-d inputs (N, *spatial, C), got shape {x.shape}")
    last = _channels_last(data_format, op)
    size = _tuple(pool_size, d, "pool_size", op)
    stride = size if strides is None else _tuple(strides, d, "strides", op)
    if padding not in ("valid", "same"):
        fail(op, f"padding must be 'valid' or 'same', got {padding!r}", ValueError)
    spatial = x.shape[1:-1] if last else x.shape[2:]
    pads = [_same_pads(n, k, s) for n, k, s in zip(spatial, size, stride)] \
        if padding == "same" else None
    return x, d, last, size, stride, pads


@keras_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max over windows of ``pool_size`` (stride = pool_size unless given):
    (N, *spatial, C) -> (N, *spatial', C); 'same' pads with -inf."""
    x, d, last, size, stride, pads = _pool_setup(inputs, pool_size, strides, padding,
                                                 data_format, "max_pool")
    if pads:
        x = _pad_spatial(x, pads, last, value=-numpy.inf)
    fn = (_pool.max_pool1d, _pool.max_pool2d, _pool.max_pool3d)[d - 1]
    return fn(x, size, stride, channels_last=last, name="keras.ops.max_pool")


@keras_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Mean over windows of ``pool_size``: (N, *spatial, C) -> (N, *spatial', C); with
    'same' the padding is not counted: mean = avg(padded x) / avg(padded ones)."""
    x, d, last, size, stride, pads = _pool_setup(inputs, pool_size, strides, padding,
                                                 data_format, "average_pool")
    fn = (_pool.avg_pool1d, _pool.avg_pool2d, _pool.avg_pool3d)[d - 1]

    def pool(t):
        return fn(t, size, stride, channels_last=last, name="keras.ops.average_pool")
    if not pads:
        return pool(x)
    ones_shape = (1,) + tuple(x.shape[1:-1]) + (1,) if last else (1, 1) + tuple(x.shape[2:])
    coverage = pool(_pad_spatial(_ones(ones_shape, dtype=x.dtype), pads, last))
    return pool(_pad_spatial(x, pads, last)) / coverage
