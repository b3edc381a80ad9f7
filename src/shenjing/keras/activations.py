"""``keras.activations``: Keras's activation functions by name, on shenjing's ops.

Each function takes a tensor and returns a tensor of the same shape, with gradient; each is
the op of the same meaning (``shenjing.ops.activation``), under Keras's name and defaults
(``leaky_relu``'s slope is 0.2, ``gelu`` is exact unless ``approximate=True``), or, where
no op exists, a composition of ops (``hard_sigmoid``, ``hard_silu``, ``relu``'s options).

    act = get("relu")                    # as Dense(activation="relu") finds it
    y = softmax(logits)                  # over the last axis
"""

from .. import ops
from ..autograd.tensor import Tensor

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh", "softmax",
           "log_softmax", "softplus", "softsign", "silu", "swish", "mish", "exponential",
           "hard_sigmoid", "hard_silu", "hard_swish", "linear", "get", "serialize",
           "deserialize"]


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0) by default.  Keras's options: values below ``threshold`` become
    ``negative_slope * (x - threshold)`` (0 by default), and values above ``max_value`` are
    cut to it: y = min(x, max_value) for x > threshold."""
    x = _tensor(x)
    if max_value is None and threshold == 0:
        return ops.relu(x) if negative_slope == 0 else ops.leaky_relu(x, negative_slope)
    if threshold == 0:
        y = ops.relu(x)
    else:
        y = ops.where(x > threshold, x, 0.0)
    if max_value is not None:
        y = ops.clamp(y, max=max_value)
    if negative_slope != 0:
        y = y - negative_slope * ops.relu(threshold - x)
    return y


def relu6(x):
    """min(max(x, 0), 6)."""
    return ops.relu6(_tensor(x))


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, else negative_slope * x (Keras's default slope: 0.2)."""
    return ops.leaky_relu(_tensor(x), negative_slope)


def elu(x, alpha=1.0):
    """x for x > 0, else alpha (e^x - 1)."""
    return ops.elu(_tensor(x), alpha)


def selu(x):
    """scale * elu(x, alpha), alpha = 1.6733 and scale = 1.0507 (self-normalising)."""
    return ops.selu(_tensor(x))


def gelu(x, approximate=False):
    """x Phi(x) = x (1 + erf(x / sqrt 2)) / 2; ``approximate=True`` uses the tanh formula."""
    return ops.gelu(_tensor(x), "tanh" if approximate else "none")


def sigmoid(x):
    """1 / (1 + e^-x)."""
    return ops.sigmoid(_tensor(x))


def tanh(x):
    """(e^x - e^-x) / (e^x + e^-x)."""
    return ops.tanh(_tensor(x))


def softmax(x, axis=-1):
    """e^x / sum(e^x) along ``axis`` (the last by default): each slice sums to 1."""
    return ops.softmax(_tensor(x), axis)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``, computed without forming the softmax."""
    return ops.log_softmax(_tensor(x), axis)


def softplus(x):
    """log(e^x + 1), a smooth ReLU."""
    return ops.softplus(_tensor(x))


def softsign(x):
    """x / (|x| + 1)."""
    return ops.softsign(_tensor(x))


def silu(x):
    """x sigmoid(x), also called swish."""
    return ops.silu(_tensor(x))


swish = silu


def mish(x):
    """x tanh(softplus(x))."""
    return ops.mish(_tensor(x))


def exponential(x):
    """e^x."""
    return ops.exp(_tensor(x))


def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 for x <= -3, 1 for x >= 3, x / 6 + 1/2 between (Keras 3's)."""
    return ops.relu6(_tensor(x) + 3.0) / 6.0


def hard_silu(x):
    """x hard_sigmoid(x), also called hard swish."""
    x = _tensor(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def linear(x):
    """The identity: x unchanged."""
    return x


#: every name ``get`` knows
NAMES = {f.__name__: f for f in (relu, relu6, leaky_relu, elu, selu, gelu, sigmoid, tanh,
                                 softmax, log_softmax, softplus, softsign, silu, mish,
                                 exponential, hard_sigmoid, hard_silu, linear)}
NAMES.update(swish=silu, hard_swish=hard_silu)


def deserialize(config):
    """The activation of a name, or of a config dict: ``{"class_name": "relu"}`` or Keras 3's
    ``{"class_name": "function", "config": "relu"}``."""
    if isinstance(config, dict):
        name = config.get("class_name")
        if name == "function":
            name = config.get("config")
        config = name
    if config not in NAMES:
        raise ValueError(f"unknown activation {config!r}; known names: "
                         f"{', '.join(sorted(NAMES))}")
    return NAMES[config]


def serialize(activation):
    """The name of one of these activations (``"linear"`` for None); any other callable is
    returned as is (it cannot be written to JSON)."""
    if activation is None:
        return "linear"
    for name, function in NAMES.items():
        if function is activation:
            return name
    return activation


def get(identifier):
    """The activation function for ``identifier``: None or ``"linear"`` (the identity), a
    name such as ``"relu"``, a config dict, or any callable (returned as is)."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"could not interpret activation {identifier!r}: give a name such as "
                     f"'relu', None, or a callable tensor -> tensor")
