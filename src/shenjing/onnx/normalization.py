"""ONNX nodes of the normalization layers.

Batch norm at inference is an affine map per channel with the moving statistics:
y = (x - mean) / sqrt(var + eps) gamma + beta = x a + b,  a = gamma / sqrt(var + eps),
b = beta - mean a; written as one Mul and one Add broadcast along the channel axis, so
that Keras's channels-last axis needs no transposes.  Layer norm is ONNX's
LayerNormalization (opset 17) over the trailing axes.
"""

import numpy

from .. import nn
from ..keras import layers as kl
from .registry import builds


def _affine(ex, call, x, mean, var, gamma, beta, eps, axis, rank):
    """The batch-norm affine map of value ``x`` (rank ``rank``) along ``axis``."""
    mean, var = numpy.asarray(mean, numpy.float64), numpy.asarray(var, numpy.float64)
    a = 1.0 / numpy.sqrt(var + eps)
    if gamma is not None:
        a = a * ex.array(gamma)
    b = -mean * a
    if beta is not None:
        b = b + ex.array(beta)
    shape = [1] * rank
    shape[axis % rank] = a.size
    g = ex.g
    y = g.add("Mul", [x, g.weight(a.reshape(shape), "bn_scale")])
    return g.add("Add", [y, g.weight(b.reshape(shape), "bn_shift")])


@builds(kl.BatchNormalization)
def _keras_batch_norm(ex, call):
    m, x_in = call.module, call.args[0]
    gamma = m.gamma if m.scale else None
    beta = m.beta if m.center else None
    ex.unary(call, lambda g, x: _affine(ex, call, x, ex.array(m.moving_mean),
                                        ex.array(m.moving_variance), gamma, beta, m.epsilon,
                                        m.axis, x_in.ndim))


@builds(nn.BatchNorm1d, nn.BatchNorm2d)
def _torch_batch_norm(ex, call):
    m, x_in = call.module, call.args[0]
    if m.running_mean is None:
        raise ex.unsupported(call, "batch norm without running statistics "
                                   "(track_running_stats=False)",
                             "it normalises with the batch's own statistics at inference")
    ex.unary(call, lambda g, x: _affine(ex, call, x, ex.array(m.running_mean),
                                        ex.array(m.running_var), m.weight, m.bias, m.eps, 1,
                                        x_in.ndim))


@builds(nn.InstanceNorm1d, nn.InstanceNorm2d)
def _instance_norm(ex, call):
    m = call.module
    if m.track_running_stats:
        raise ex.unsupported(call, "instance norm with running statistics")
    c = m.num_features
    scale = ex.array(m.weight) if m.weight is not None else numpy.ones(c)
    bias = ex.array(m.bias) if m.bias is not None else numpy.zeros(c)
    ex.unary(call, lambda g, x: g.add("InstanceNormalization",
                                      [x, g.weight(scale, "scale"), g.weight(bias, "bias")],
                                      epsilon=float(m.eps)))


@builds(nn.GroupNorm)
def _group_norm(ex, call):
    """Each sample's groups of channels standardised: (N, C, *S) seen as (N, G, C/G * S) is
    an instance norm with G channels; then the per-channel affine map."""
    m, rank = call.module, call.args[0].ndim
    groups = m.num_groups

    def build(g, x):
        grouped = g.add("Reshape", [x, g.ints([0, groups, -1])])
        y = g.add("InstanceNormalization", [grouped, g.weight(numpy.ones(groups), "ones"),
                                            g.weight(numpy.zeros(groups), "zeros")],
                  epsilon=float(m.eps))
        y = g.add("Reshape", [y, g.add("Shape", [x])])
        if m.weight is None:
            return y
        shape = (m.num_channels,) + (1,) * (rank - 2)
        y = g.add("Mul", [y, g.weight(ex.array(m.weight).reshape(shape), "gamma")])
        return g.add("Add", [y, g.weight(ex.array(m.bias).reshape(shape), "beta")])
    ex.unary(call, build)


def _layer_norm(ex, call, axis, shape, gamma, beta, eps):
    scale = ex.array(gamma) if gamma is not None else numpy.ones(shape)
    bias = ex.array(beta) if beta is not None else numpy.zeros(shape)
    ex.unary(call, lambda g, x: g.add("LayerNormalization",
                                      [x, g.weight(scale, "gamma"), g.weight(bias, "beta")],
                                      axis=axis, epsilon=float(eps)))


@builds(kl.LayerNormalization)
def _keras_layer_norm(ex, call):
    m, rank = call.module, call.args[0].ndim
    axes = sorted(a % rank for a in (m.axis if isinstance(m.axis, list) else [m.axis]))
    if axes != list(range(axes[0], rank)):
        raise ex.unsupported(call, f"layer norm over axes {m.axis}",
                             "ONNX normalises over trailing axes only")
    shape = tuple(call.args[0].shape[axes[0]:])
    _layer_norm(ex, call, axes[0], shape, m.gamma if m.scale else None,
                m.beta if m.center else None, m.epsilon)


@builds(nn.LayerNorm)
def _torch_layer_norm(ex, call):
    m = call.module
    shape = m.normalized_shape
    weight = m.weight if m.elementwise_affine else None
    bias = getattr(m, "bias", None) if m.elementwise_affine else None
    _layer_norm(ex, call, -len(shape), shape, weight, bias, m.eps)
