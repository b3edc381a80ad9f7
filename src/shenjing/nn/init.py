"""Weight initialisation (``nn.init``), as the course teaches it.

Keep the variance of activations and gradients steady from layer to layer:

* Xavier/Glorot (tanh, sigmoid):  Var(W) = gain^2 * 2 / (fan_in + fan_out)
  uniform bound a = gain * sqrt(6 / (fan_in + fan_out));
* He/Kaiming (ReLU):  Var(W) = gain^2 / fan,  gain = sqrt(2) for ReLU,
  uniform bound a = gain * sqrt(3 / fan).

fan_in = in_features * receptive field (kernel size), fan_out = out_features * receptive
field.  Every function fills the tensor in place (no graph) from the process generator.
"""

import math

import numpy

from .. import backend
from ..autograd import grad_mode


def calculate_gain(nonlinearity, param=None):
    """The gain that keeps the variance steady through ``nonlinearity``: 1 for linear and
    sigmoid, 5/3 for tanh, sqrt(2) for ReLU, sqrt(2 / (1 + slope^2)) for leaky ReLU, 3/4 for SELU."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid", "identity")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out need a tensor of at least 2 dims, got shape "
                         f"{tuple(tensor.shape)}")
    receptive = 1
    for n in tensor.shape[2:]:
        receptive *= n
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    with grad_mode.no_grad():
        tensor.array[...] = values
        tensor._version += 1
    return tensor


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with U(a, b)."""
    return _fill(tensor, backend.generator().uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with N(mean, std^2)."""
    return _fill(tensor, backend.generator().normal(mean, std, tensor.shape))


def truncated_normal(rng, shape, mean, std, a, b):
    """An array of draws of N(mean, std^2) from ``rng`` (a NumPy generator), those outside
    [a, b] drawn again until inside (the Keras face's initializers use it too)."""
    values = rng.normal(mean, std, shape)
    bad = (values < a) | (values > b)
    while bad.any():
        values[bad] = rng.normal(mean, std, int(bad.sum()))
        bad = (values < a) | (values > b)
    return values


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """Fill with N(mean, std^2) redrawn until inside [a, b] (absolute bounds, as PyTorch)."""
    return _fill(tensor, truncated_normal(backend.generator(), tensor.shape, mean, std, a, b))


def constant_(tensor, val):
    """Fill with ``val``."""
    return _fill(tensor, val)


def zeros_(tensor):
    """Fill with 0."""
    return _fill(tensor, 0)


def ones_(tensor):
    """Fill with 1."""
    return _fill(tensor, 1)


def eye_(tensor):
    """Fill a 2-d tensor with the identity."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: expects a 2-d tensor, got shape {tuple(tensor.shape)}")
    return _fill(tensor, numpy.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0):
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a)


def xavier_normal_(tensor, gain=1.0):
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan)."""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He normal: N(0, std^2) with std = gain / sqrt(fan)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


def orthogonal(rng, rows, cols, gain=1.0):
    """A (rows, cols) array with orthonormal columns (or rows, if fewer) times ``gain``: the
    Q of the QR decomposition of a normal draw from ``rng``."""
    flat = rng.standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = numpy.linalg.qr(flat)
    q *= numpy.sign(numpy.diag(r))  # makes the decomposition unique (uniform distribution)
    return gain * (q.T if rows < cols else q)


def orthogonal_(tensor, gain=1.0):
    """Fill with a (semi-)orthogonal matrix, the weight seen as (shape[0], the rest)."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: expects at least 2 dims, got shape {tuple(tensor.shape)}")
    rows = tensor.shape[0]
    q = orthogonal(backend.generator(), rows, tensor.numel() // rows, gain)
    return _fill(tensor, q.reshape(tensor.shape))


def dirac_(tensor, groups=1):
    """Fill a 3-, 4- or 5-d conv weight (O, C, *k) with the Dirac delta: the convolution
    then passes its input through, channel i of each group to output i (the rest 0);
    ``groups`` splits the O outputs in that many identity blocks."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: expects a 3-, 4- or 5-d tensor, got shape "
                         f"{tuple(tensor.shape)}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or \
            tensor.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 ({tensor.shape[0]}) must be divisible by groups, got "
                         f"groups={groups!r}")
    per_group = tensor.shape[0] // groups
    values = numpy.zeros(tensor.shape)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(g * per_group + d, d) + centre] = 1
    return _fill(tensor, values)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-d tensor with N(0, std^2) values and zero ``ceil(sparsity * rows)`` random
    entries of every column (Martens 2010's sparse initialisation)."""
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: expects a 2-d tensor, got shape {tuple(tensor.shape)}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be in [0, 1], got {sparsity!r}")
    rows, cols = tensor.shape
    rng = backend.generator()
    values = rng.normal(0.0, std, (rows, cols))
    zeros = int(math.ceil(sparsity * rows))
    for c in range(cols):
        values[rng.permutation(rows)[:zeros], c] = 0
    return _fill(tensor, values)


# PyTorch's old names without the trailing underscore
uniform, normal, constant = uniform_, normal_, constant_
xavier_uniform, xavier_normal = xavier_uniform_, xavier_normal_
kaiming_uniform, kaiming_normal = kaiming_uniform_, kaiming_normal_
