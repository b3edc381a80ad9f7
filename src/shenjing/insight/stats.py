"""Numbers that describe one array of a network: what the monitors record each sampled step.

    activation_stats(a, "sigmoid")  -> {"mean", "std", "zeros", "saturated"}
    rms(a), norm(a)

An activation is *saturated* where its slope is almost zero, so that backprop passes almost
nothing through it: |tanh(z)| > 0.99, sigmoid(z) < 0.01 or > 0.99.  A ReLU unit outputs an
exact zero where it is off; one that is zero for every input is *dead*.
"""

from .. import backend

#: how a saturated output looks, by activation kind; the slope there is below ~0.02.
SATURATION = {"tanh": lambda xp, a: xp.abs(a) > 0.99,
              "sigmoid": lambda xp, a: (a < 0.01) | (a > 0.99)}

#: activation names (Keras function names, PyTorch module classes) by the kind we measure
KINDS = {"relu": "relu", "relu6": "relu", "elu": "relu", "selu": "relu", "gelu": "relu",
         "leakyrelu": "relu", "leaky_relu": "relu", "silu": "relu", "swish": "relu",
         "sigmoid": "sigmoid", "hard_sigmoid": "sigmoid", "hardsigmoid": "sigmoid",
         "tanh": "tanh", "softmax": "softmax", "logsoftmax": None}


def activation_kind(module):
    """``"relu"``, ``"sigmoid"``, ``"tanh"`` or ``"softmax"`` for a module that ends in that
    activation (a Keras layer's ``activation=``, or PyTorch's ``nn.ReLU``...), else None."""
    own = getattr(module, "__dict__", {}).get("activation")
    if callable(own):
        name = getattr(own, "__name__", "")
    else:
        name = type(module).__name__
    return KINDS.get(name.lower())


def activation_stats(a, kind=None):
    """Mean, standard deviation, fraction of exact zeros and (for sigmoid/tanh) fraction of
    saturated entries of the array ``a`` (any shape); values are Python floats, and
    ``saturated`` is None for other kinds."""
    xp = backend.array_module(a)
    a = a.astype("float64", copy=False)
    saturate = SATURATION.get(kind)
    return {"mean": float(a.mean()), "std": float(a.std()),
            "zeros": float((a == 0).mean()),
            "saturated": float(saturate(xp, a).mean()) if saturate else None}


def active_units(a, axis):
    """Which units (entries along ``axis``: features, or channels) are non-zero for at least one
    sample and position of ``a``: a bool array of length ``a.shape[axis]``."""
    xp = backend.array_module(a)
    axis = axis % a.ndim
    others = tuple(i for i in range(a.ndim) if i != axis)
    return xp.asarray((a != 0).any(axis=others))


def norm(a):
    """The Euclidean (Frobenius) norm of the array, as a float: sqrt(sum a^2)."""
    xp = backend.array_module(a)
    return float(xp.sqrt((a.astype("float64", copy=False) ** 2).sum()))


def rms(a):
    """Root mean square of the array, sqrt(mean a^2): a size-independent gradient scale."""
    return norm(a) / max(a.size, 1) ** 0.5
