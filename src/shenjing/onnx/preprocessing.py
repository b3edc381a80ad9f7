"""ONNX nodes of Keras's preprocessing layers that are arithmetic at inference:
``Rescaling`` (x scale + offset) and ``Normalization`` ((x - mean) / max(sqrt(var), eps),
or its inverse).  The random augmentations pass images through at inference; the text
layers have no ONNX node."""

import numpy

from ..image.normalization import EPSILON
from ..keras import layers as kl
from .registry import builds


@builds(kl.Rescaling)
def _rescaling(ex, call):
    op = call.module.op
    scale = numpy.asarray(op.scale, numpy.float32)
    offset = numpy.asarray(op.offset, numpy.float32)

    def build(g, x):
        x = g.add("Cast", [x], to=g.onnx.TensorProto.FLOAT)    # the layer computes in float32
        return g.add("Add", [g.add("Mul", [x, g.weight(scale, "scale", numpy.float32)]),
                             g.weight(offset, "offset", numpy.float32)])
    ex.unary(call, build)


@builds(kl.Normalization)
def _normalization(ex, call):
    m, x_in = call.module, call.args[0]
    op = m.op
    if op.input_mean is None and op.mean is None:
        raise ex.unsupported(call, "Normalization before adapt()", "it has no statistics yet")
    if op.input_mean is not None:          # given statistics, broadcast as the layer does
        mean = op._broadcast(op.input_mean, x_in.shape)
        var = op._broadcast(op.input_variance, x_in.shape)
    else:
        mean, var = op.mean, op.variance
    mean = numpy.broadcast_to(numpy.asarray(mean, numpy.float64), x_in.shape)
    var = numpy.broadcast_to(numpy.asarray(var, numpy.float64), x_in.shape)
    # the statistics do not vary along the batch axis: one row of them broadcasts to any batch
    mean, std = mean[:1], numpy.maximum(numpy.sqrt(var[:1]), EPSILON)

    def build(g, x):
        x = g.add("Cast", [x], to=g.onnx.TensorProto.FLOAT)
        mean_, std_ = (g.weight(a, stem, numpy.float32) for a, stem in ((mean, "mean"),
                                                                        (std, "std")))
        if op.invert:
            return g.add("Add", [g.add("Mul", [x, std_]), mean_])
        return g.add("Div", [g.add("Sub", [x, mean_]), std_])
    ex.unary(call, build)


# the random augmentations are the identity at inference (training=False)
@builds(kl.RandomFlip, kl.RandomRotation, kl.RandomTranslation, kl.RandomZoom)
def _augmentation(ex, call):
    ex.unary(call, lambda g, x: g.add("Identity", [x]))
