"""ONNX nodes of the transposed, depthwise and separable convolutions.

- Transposed: ONNX's ConvTranspose takes PyTorch's weight (C_in, F / groups, *k) as it is;
  Keras's kernel (*k, F, C_in) is transposed to it.  Keras's output cuts (``output_crops``:
  cut before and after the full (n - 1) s + span output; a negative cut adds positions
  that get only the bias) are ONNX's ``pads`` and ``output_padding``.
- Depthwise: a grouped Conv with one group per input channel; Keras's kernel (*k, C, M)
  becomes (C M, 1, *k), output channel c M + m as Keras orders them.  Separable: that, then
  the pointwise (1 x 1) convolution.
"""

import numpy

from .. import nn
from ..keras import layers as kl
from ..keras.layers.convolutional_transpose import output_crops
from .conv import keras_pads, keras_layout
from .registry import builds


@builds(kl.Conv1DTranspose, kl.Conv2DTranspose, kl.Conv3DTranspose)
def _keras_conv_transpose(ex, call):
    m, g = call.module, ex.g
    d = m.rank
    crops = output_crops(m.kernel_size, m.strides, m.dilation_rate, m.padding,
                         m.output_padding or (None,) * d)
    kernel = ex.array(m.kernel).transpose(d + 1, d, *range(d))        # (C_in, F, *k)

    def build(x, size):
        inputs = [x, g.weight(kernel, "kernel")]
        if m.use_bias:
            inputs.append(ex.weight(m.bias, "bias"))
        return g.add("ConvTranspose", inputs, kernel_shape=list(m.kernel_size),
                     strides=list(m.strides), dilations=list(m.dilation_rate),
                     pads=[max(lo, 0) for lo, _ in crops] + [max(hi, 0) for _, hi in crops],
                     output_padding=[max(-hi, 0) for _, hi in crops])
    keras_layout(ex, call, build)


@builds(nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
def _torch_conv_transpose(ex, call):
    m, g = call.module, ex.g
    if len(call.args) > 1 or call.kwargs.get("output_size") is not None:
        raise ex.unsupported(call, "output_size=", "give output_padding in the constructor")
    inputs = [ex.value(call.args[0], call), ex.weight(m.weight, "weight")]
    if m.bias is not None:
        inputs.append(ex.weight(m.bias, "bias"))
    ex.bind(call.output, g.add("ConvTranspose", inputs, kernel_shape=list(m.kernel_size),
                               strides=list(m.stride), dilations=list(m.dilation),
                               group=m.groups, pads=list(m.padding) * 2,
                               output_padding=list(m.output_padding)))


def _depthwise(ex, g, x, m, kernel, size, bias):
    """The grouped Conv of a Keras depthwise kernel (*k, C, M) on channels-first ``x``."""
    d = m.rank
    c, multiplier = kernel.shape[-2:]
    weight = kernel.transpose(d, d + 1, *range(d)).reshape((c * multiplier, 1) + kernel.shape[:d])
    inputs = [x, g.weight(weight, "depthwise")] + ([ex.weight(bias, "bias")]
                                                    if bias is not None else [])
    return g.add("Conv", inputs, kernel_shape=list(m.kernel_size), strides=list(m.strides),
                 dilations=list(m.dilation_rate), group=c, pads=keras_pads(m, size, d))


@builds(kl.DepthwiseConv1D, kl.DepthwiseConv2D)
def _keras_depthwise(ex, call):
    m = call.module
    keras_layout(ex, call, lambda x, size: _depthwise(ex, ex.g, x, m, ex.array(m.kernel), size,
                                                       m.bias if m.use_bias else None))


@builds(kl.SeparableConv1D, kl.SeparableConv2D)
def _keras_separable(ex, call):
    m, g = call.module, ex.g
    d = m.rank

    def build(x, size):
        y = _depthwise(ex, g, x, m, ex.array(m.depthwise_kernel), size, None)
        point = ex.array(m.pointwise_kernel)                     # (1, ..., C M, F)
        weight = point.reshape(point.shape[-2:]).T.reshape(point.shape[-1], point.shape[-2],
                                                           *(1,) * d)
        inputs = [y, g.weight(numpy.ascontiguousarray(weight), "pointwise")]
        if m.use_bias:
            inputs.append(ex.weight(m.bias, "bias"))
        return g.add("Conv", inputs, kernel_shape=[1] * d)
    keras_layout(ex, call, build)
