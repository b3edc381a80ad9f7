"""ONNX nodes of the activations: Keras's activation names (``Dense(activation=...)``,
``Activation``, ``ReLU``, ...) and the PyTorch face's activation modules.

``apply(g, x, name, who, **options)`` writes the activation ``name`` on value ``x``; the
course formulas that ONNX has no single node for are written out: GELU
x (1 + erf(x / sqrt 2)) / 2, SiLU x sigmoid(x), Mish x tanh(softplus(x)).
"""

import math

from .. import nn
from ..keras import activations as keras_activations
from ..keras import layers as kl
from .registry import Unsupported, builds


def _gelu(g, x, approximate):
    if approximate:        # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.add("Mul", [g.add("Mul", [x, x]), x])
        inner = g.add("Add", [x, g.add("Mul", [cube, g.scalar(0.044715)])])
        t = g.add("Tanh", [g.add("Mul", [inner, g.scalar(math.sqrt(2 / math.pi))])])
    else:                  # 0.5 x (1 + erf(x / sqrt 2))
        t = g.add("Erf", [g.add("Mul", [x, g.scalar(1 / math.sqrt(2))])])
    return g.add("Mul", [g.add("Mul", [x, g.scalar(0.5)]), g.add("Add", [t, g.scalar(1.0)])])


def _relu(g, x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's relu: negative_slope (x - threshold) below threshold, x above, capped at
    max_value."""
    if threshold:
        shifted = g.add("Mul", [g.add("Sub", [x, g.scalar(threshold)]), g.scalar(negative_slope)])
        y = g.add("Where", [g.add("GreaterOrEqual", [x, g.scalar(threshold)]), x, shifted])
    elif negative_slope:
        y = g.add("LeakyRelu", [x], alpha=float(negative_slope))
    else:
        y = g.add("Relu", [x])
    if max_value is not None:
        y = g.add("Min", [y, g.scalar(max_value)])
    return y


def apply(g, x, name, who, axis=-1, alpha=None, approximate=False):
    """The activation ``name`` (Keras's names) of value ``x``; an ``Unsupported`` error
    naming ``who`` and the activation for one ONNX cannot write."""
    simple = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus",
              "softsign": "Softsign", "exponential": "Exp", "selu": "Selu"}
    if name in (None, "linear"):
        return x
    if name in simple:
        return g.add(simple[name], [x])
    if name in ("softmax", "log_softmax"):
        return g.add("Softmax" if name == "softmax" else "LogSoftmax", [x], axis=int(axis))
    if name == "elu":
        return g.add("Elu", [x], alpha=1.0 if alpha is None else float(alpha))
    if name == "leaky_relu":
        return g.add("LeakyRelu", [x], alpha=0.2 if alpha is None else float(alpha))
    if name == "relu6":
        return g.add("Min", [g.add("Relu", [x]), g.scalar(6.0)])
    if name == "gelu":
        return _gelu(g, x, approximate)
    if name in ("silu", "swish"):
        return g.add("Mul", [x, g.add("Sigmoid", [x])])
    if name == "mish":
        return g.add("Mul", [x, g.add("Tanh", [g.add("Softplus", [x])])])
    if name == "hard_sigmoid":
        return g.add("HardSigmoid", [x], alpha=1 / 6, beta=0.5)
    if name in ("hard_silu", "hard_swish"):
        return g.add("HardSwish", [x])
    if name == "log_sigmoid":    # log sigmoid(x) = -softplus(-x)
        return g.add("Neg", [g.add("Softplus", [g.add("Neg", [x])])])
    raise Unsupported(f"shenjing.onnx.export: {who}: activation {name!r} has no ONNX "
                      f"equivalent here")


def keras_activation(ex, call, x, function):
    """A Keras layer's ``activation`` function (by its registered name) on value ``x``."""
    name = keras_activations.serialize(function)
    return apply(ex.g, x, name, call.who)


# ------------------------------------------------------------------ the layers

@builds(kl.Activation)
def _activation_layer(ex, call):
    ex.unary(call, lambda g, x: keras_activation(ex, call, x, call.module.activation))


@builds(kl.ReLU)
def _keras_relu(ex, call):
    m = call.module
    ex.unary(call, lambda g, x: _relu(g, x, m.negative_slope, m.max_value, m.threshold))


@builds(kl.LeakyReLU, nn.LeakyReLU)
def _leaky_relu(ex, call):
    ex.unary(call, lambda g, x: g.add("LeakyRelu", [x], alpha=float(call.module.negative_slope)))


@builds(kl.ELU, nn.ELU)
def _elu(ex, call):
    ex.unary(call, lambda g, x: g.add("Elu", [x], alpha=float(call.module.alpha)))


@builds(kl.Softmax)
def _keras_softmax(ex, call):
    axis = call.module.axis
    if not isinstance(axis, int):
        raise Unsupported(f"shenjing.onnx.export: {call.who}: Softmax over several axes "
                          f"{axis!r} has no single ONNX node; use one axis")
    ex.unary(call, lambda g, x: g.add("Softmax", [x], axis=axis))


@builds(nn.Softmax, nn.LogSoftmax)
def _torch_softmax(ex, call):
    op = "Softmax" if isinstance(call.module, nn.Softmax) else "LogSoftmax"
    dim = -1 if call.module.dim is None else call.module.dim
    ex.unary(call, lambda g, x: g.add(op, [x], axis=int(dim)))


#: the PyTorch face's activation modules without options, by Keras's name of the function
_TORCH = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh",
          nn.SiLU: "silu", nn.Mish: "mish", nn.SELU: "selu", nn.LogSigmoid: "log_sigmoid",
          nn.Softsign: "softsign", nn.Hardsigmoid: "hard_sigmoid", nn.Hardswish: "hard_silu"}


@builds(*_TORCH)
def _torch_activation(ex, call):
    ex.unary(call, lambda g, x: apply(g, x, _TORCH[type(call.module)], call.who))


@builds(nn.GELU)
def _torch_gelu(ex, call):
    ex.unary(call, lambda g, x: _gelu(g, x, call.module.approximate == "tanh"))


@builds(nn.Softplus)
def _torch_softplus(ex, call):
    beta = float(call.module.beta)

    def build(g, x):       # (1/beta) log(1 + e^(beta x)); past the threshold PyTorch gives x
        if beta == 1.0:
            return g.add("Softplus", [x])
        scaled = g.add("Softplus", [g.add("Mul", [x, g.scalar(beta)])])
        return g.add("Div", [scaled, g.scalar(beta)])
    ex.unary(call, build)


@builds(nn.Hardtanh)
def _hardtanh(ex, call):
    m = call.module
    ex.unary(call, lambda g, x: g.add("Max", [g.add("Min", [x, g.scalar(m.max_val)]),
                                              g.scalar(m.min_val)]))
