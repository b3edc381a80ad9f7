"""ONNX nodes of the convolution and pooling layers of both faces.

ONNX convolves channels-first (N, C, *S) with a kernel (F, C / groups, *k); a Keras layer's
channels-last input is transposed in and out around the node, and its kernel (*k, C / groups,
F) is stored transposed.  Padding is written out as explicit ``pads`` (begin..., end...):
the spatial sizes are fixed by the example input (only the batch axis is dynamic), so
Keras's "same" (``same_padding``: the odd zero after) and "causal" (all before) are exact.
"""

from .. import nn
from ..keras import layers as kl
from ..keras.layers.convolutional import same_padding
from ..ops.conv import ntuple
from .activation import keras_activation
from .registry import builds


def to_channels_first(g, x, d):
    """(N, *S, C) -> (N, C, *S)."""
    return g.add("Transpose", [x], perm=[0, d + 1, *range(1, d + 1)])


def to_channels_last(g, x, d):
    """(N, C, *S) -> (N, *S, C)."""
    return g.add("Transpose", [x], perm=[0, *range(2, d + 2), 1])


def keras_pads(m, size, d):
    """Keras's padding of layer ``m`` for spatial ``size`` as ONNX pads."""
    if m.padding == "same":
        lo, hi = same_padding(size, m.kernel_size, m.strides, m.dilation_rate)
        return list(lo) + list(hi)
    if m.padding == "causal":
        return [m.dilation_rate[0] * (m.kernel_size[0] - 1), 0]
    return [0] * (2 * d)


def keras_layout(ex, call, build):
    """A Keras conv-like layer: ``build(x, spatial_size)`` on channels-first ``x`` between
    the layer's data format and ONNX's, then the layer's activation; binds the output."""
    m, x_in, g = call.module, call.args[0], ex.g
    d = m.rank
    last = m.data_format == "channels_last"
    size = tuple(x_in.shape[1:-1] if last else x_in.shape[2:])
    x = ex.value(x_in, call)
    y = build(to_channels_first(g, x, d) if last else x, size)
    y = to_channels_last(g, y, d) if last else y
    ex.bind(call.output, keras_activation(ex, call, y, m.activation))


@builds(kl.Conv1D, kl.Conv2D)
def _keras_conv(ex, call):
    m, g = call.module, ex.g
    d = m.rank
    kernel = ex.array(m.kernel).transpose(d + 1, d, *range(d))       # (F, C / groups, *k)

    def build(x, size):
        inputs = [x, g.weight(kernel, "kernel")]
        if m.use_bias:
            inputs.append(ex.weight(m.bias, "bias"))
        return g.add("Conv", inputs, kernel_shape=list(m.kernel_size), strides=list(m.strides),
                     dilations=list(m.dilation_rate), group=m.groups,
                     pads=keras_pads(m, size, d))
    keras_layout(ex, call, build)


@builds(nn.Conv1d, nn.Conv2d, nn.Conv3d)
def _torch_conv(ex, call):
    m, g = call.module, ex.g
    d = len(m.kernel_size)
    if m.padding_mode != "zeros":
        raise ex.unsupported(call, f"padding_mode={m.padding_mode!r}",
                             "only zero padding is exported")
    if m.padding == "same":
        totals = [dl * (k - 1) for dl, k in zip(m.dilation, m.kernel_size)]
        pads = [t // 2 for t in totals] + [t - t // 2 for t in totals]
    elif m.padding == "valid":
        pads = [0] * (2 * d)
    else:
        pads = list(m.padding) * 2
    inputs = [ex.value(call.args[0], call), ex.weight(m.weight, "weight")]
    if m.bias is not None:
        inputs.append(ex.weight(m.bias, "bias"))
    ex.bind(call.output, g.add("Conv", inputs, kernel_shape=list(m.kernel_size),
                               strides=list(m.stride), dilations=list(m.dilation),
                               group=m.groups, pads=pads))


# ------------------------------------------------------------------ pooling

@builds(kl.MaxPooling1D, kl.MaxPooling2D, kl.AveragePooling1D, kl.AveragePooling2D)
def _keras_pool(ex, call):
    m, x_in, g = call.module, call.args[0], ex.g
    d = m.rank
    last = m.data_format == "channels_last"
    size = tuple(x_in.shape[1:-1] if last else x_in.shape[2:])
    pads = [0] * (2 * d)
    if m.padding == "same":
        lo, hi = same_padding(size, m.pool_size, m.strides)
        pads = list(lo) + list(hi)
    x = ex.value(x_in, call)
    if last:
        x = to_channels_first(g, x, d)
    attributes = dict(kernel_shape=list(m.pool_size), strides=list(m.strides), pads=pads)
    if m.reduce == "max":
        y = g.add("MaxPool", [x], **attributes)
    else:     # the mean of the real inputs of a window, as Keras's "same"
        y = g.add("AveragePool", [x], count_include_pad=0, **attributes)
    ex.bind(call.output, to_channels_last(g, y, d) if last else y)


@builds(kl.GlobalMaxPooling1D, kl.GlobalMaxPooling2D, kl.GlobalAveragePooling1D,
        kl.GlobalAveragePooling2D)
def _keras_global_pool(ex, call):
    m = call.module
    op = "ReduceMax" if "Max" in type(m).__name__ else "ReduceMean"
    axes = list(range(1, m.rank + 1)) if m.data_format == "channels_last" else \
        list(range(2, m.rank + 2))
    ex.unary(call, lambda g, x: g.reduce(op, x, axes, m.keepdims))


@builds(nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
def _torch_pool(ex, call):
    m, who = call.module, type(call.module).__name__
    d = m.d
    kernel = ntuple(m.kernel_size, d, "kernel_size", who)
    stride = ntuple(m.stride, d, "stride", who)
    padding = list(ntuple(m.padding, d, "padding", who))
    attributes = dict(kernel_shape=list(kernel), strides=list(stride), pads=padding * 2,
                      ceil_mode=int(bool(m.ceil_mode)))
    if isinstance(m, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)):
        if m.return_indices:
            raise ex.unsupported(call, "return_indices=True")
        attributes["dilations"] = list(ntuple(m.dilation, d, "dilation", who))
        op = "MaxPool"
    else:
        if m.divisor_override is not None:
            raise ex.unsupported(call, f"divisor_override={m.divisor_override}")
        attributes["count_include_pad"] = int(bool(m.count_include_pad))
        op = "AveragePool"
    ex.unary(call, lambda g, x: g.add(op, [x], **attributes))


@builds(nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d)
def _torch_adaptive_pool(ex, call):
    """Adaptive pooling as a fixed window: global for output size 1, else a window of
    in / out with that stride when the sizes divide."""
    m, x_in = call.module, call.args[0]
    d = m.d
    size = tuple(x_in.shape[-d:])
    out = tuple(call.output.shape[-d:])
    is_max = m.kind == "max"
    if getattr(m, "return_indices", False):
        raise ex.unsupported(call, "return_indices=True")
    if all(o == 1 for o in out):
        op = "GlobalMaxPool" if is_max else "GlobalAveragePool"
        ex.unary(call, lambda g, x: g.add(op, [x]))
        return
    if any(n % o for n, o in zip(size, out)):
        raise ex.unsupported(call, f"adaptive pooling of {size} to {out}",
                             "ONNX pools with one window size; the output must divide the input")
    kernel = [n // o for n, o in zip(size, out)]
    ex.unary(call, lambda g, x: g.add("MaxPool" if is_max else "AveragePool", [x],
                                      kernel_shape=kernel, strides=kernel))


@builds(kl.ZeroPadding2D)
def _zero_padding(ex, call):
    m = call.module
    (top, bottom), (left, right) = m.padding
    if m.data_format == "channels_last":
        pads = [0, top, left, 0, 0, bottom, right, 0]
    else:
        pads = [0, 0, top, left, 0, 0, bottom, right]
    ex.unary(call, lambda g, x: g.add("Pad", [x, g.ints(pads)]))


@builds(nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d)
def _torch_upsample(ex, call):
    """Resize to the traced output's spatial size (PyTorch's nearest reads source
    floor(dst in / out): ONNX's asymmetric coordinates with floor); the batch and channel
    sizes are the input's own, so that the batch stays dynamic."""
    m = call.module
    if m.mode == "nearest":
        attributes = dict(mode="nearest", nearest_mode="floor",
                          coordinate_transformation_mode="asymmetric")
    elif m.mode in ("linear", "bilinear", "trilinear"):
        attributes = dict(mode="linear", coordinate_transformation_mode=(
            "align_corners" if m.align_corners else "pytorch_half_pixel"))
    else:
        raise ex.unsupported(call, f"mode={m.mode!r}", "nearest and (bi/tri)linear are exported")

    def build(g, x):
        sizes = g.add("Concat", [g.add("Shape", [x], start=0, end=2),
                                 g.ints(call.output.shape[2:])], axis=0)
        return g.add("Resize", [x, "", "", sizes], **attributes)
    ex.unary(call, build)


@builds(kl.UpSampling2D)
def _keras_upsampling(ex, call):
    m = call.module
    if m.interpolation != "nearest":
        raise ex.unsupported(call, f"interpolation={m.interpolation!r}",
                             "only 'nearest' is exported")
    sh, sw = m.size
    scales = [1.0, sh, sw, 1.0] if m.data_format == "channels_last" else [1.0, 1.0, sh, sw]
    ex.unary(call, lambda g, x: g.add("Resize", [x, "", g.weight(scales, "scales", "float32")],
                                      mode="nearest", nearest_mode="floor",
                                      coordinate_transformation_mode="asymmetric"))
