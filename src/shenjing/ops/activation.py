"""Activations: relu, leaky_relu, elu, selu, gelu (exact and tanh), silu, mish, softplus,
sigmoid, tanh, hardtanh, hardsigmoid, hardswish, softmax, log_softmax, and a few relatives
composed from them at the end (celu, softmin, glu, tanhshrink, threshold, prelu,
gumbel_softmax).

Each backward is the derivative from the course, written where it is used: for the
sigmoid y = 1 / (1 + e^-x), dy/dx = y (1 - y); for tanh, 1 - y^2; for ReLU the "gate"
passes the gradient where x > 0 and blocks it elsewhere.

ReLU, leaky ReLU, sigmoid, tanh (its backward), softmax and log-softmax have compiled
kernels (``shenjing.kernels.activation``) that make forward and backward one pass each
(NumPy's ``gy * (y > 0)`` is two, with a temporary mask); ``_kernel`` and ``_row_kernel``
decide, and the NumPy code runs wherever they return None.
"""

import math

import numpy

from .. import backend, kernels, parallel
from ..autograd.function import Function
from ._helpers import axis, floating, number
from .special import erf_array

#: arrays of at least this many elements have their kernel pass split over the cores (one
#: pass over memory: on 2 cores a split pays only for arrays well beyond the caches)
SPLIT_SIZE = 1 << 22
#: below this many elements the NumPy calls are as fast as a kernel call's fixed cost
MIN_SIZE = 1 << 14


def _flat(a):
    """a's elements in memory order as a 1-D view, or None when they are not one dense block."""
    if a.flags.c_contiguous:
        return a.reshape(-1)
    if a.flags.f_contiguous:
        return a.T.reshape(-1)
    if min(a.strides) <= 0:
        return None
    t = a.transpose(sorted(range(a.ndim), key=lambda i: -a.strides[i]))
    return t.reshape(-1) if t.flags.c_contiguous else None


def _same_layout(a, b):
    """a and b have one shape and put each element at the same offset (axes of length 1,
    whose strides mean nothing, aside)."""
    return a.shape == b.shape and all(
        sa == sb for sa, sb, n in zip(a.strides, b.strides, a.shape) if n > 1)


def _kernel(name, *arrays, scalars=()):
    """The result of ``kernels.activation.<name>`` over ``arrays`` (a new array of their
    shape and memory layout), or None when the kernels do not apply: kernels off, not one
    float dtype, arrays that do not share one dense layout, or too small to gain."""
    first = arrays[0]
    if first.size < MIN_SIZE or not kernels.usable(*arrays):
        return None
    out = numpy.empty_like(first)
    for a in arrays[1:] + (out,):
        if not _same_layout(a, first):
            return None
    flats = [_flat(a) for a in arrays]
    if flats[0] is None:
        return None
    kernel = getattr(kernels.module("activation"), name)
    flats.append(_flat(out))
    scalars = tuple(first.dtype.type(s) for s in scalars)
    if first.size < SPLIT_SIZE:
        kernel(*flats, *scalars)
    else:
        parallel.map_batch(lambda lo, hi: kernel(*[f[lo:hi] for f in flats], *scalars),
                           first.size)
    return out


def sigmoid_array(x):
    """1 / (1 + e^-x) without overflow, from e = e^-|x| (never above 1):
    sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, i.e. max(e, [x >= 0]) / (1 + e)."""
    xp = backend.array_module(x)
    e = xp.exp(-xp.abs(x))
    numerator = xp.maximum(e, x >= 0)
    e += 1
    numerator /= e
    return numerator


def softplus_array(x):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|), exact for large |x|."""
    xp = backend.array_module(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def _row_kernel(name, axis, *arrays):
    """The result of ``kernels.activation.<name>`` over the rows of C-contiguous arrays
    reduced along their last ``axis`` (softmax, log-softmax), or None as for ``_kernel``."""
    first = arrays[0]
    if (axis != first.ndim - 1 or not first.size or not kernels.usable(*arrays)
            or not all(a.flags.c_contiguous and a.shape == first.shape for a in arrays)):
        return None
    out = numpy.empty_like(first)
    rows = [a.reshape(-1, first.shape[-1]) for a in arrays + (out,)]
    getattr(kernels.module("activation"), name)(*rows)
    return out


class ReLU(Function):
    """y = max(x, 0);  the gradient passes where x > 0."""
    reads_inputs = False

    def forward(self, x):
        y = _kernel("relu_forward", x)
        if y is None:
            y = backend.array_module(x).maximum(x, 0)
        self.y = y
        return y

    def backward(self, gy):
        gx = _kernel("relu_backward", gy, self.y)
        return gx if gx is not None else gy * (self.y > 0)


class LeakyReLU(Function):
    """y = x if x > 0 else slope * x."""

    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        self.x = x
        y = _kernel("leaky_relu_forward", x, scalars=(self.slope,))
        return y if y is not None else backend.array_module(x).where(x > 0, x, x * self.slope)

    def backward(self, gy):
        gx = _kernel("leaky_relu_backward", gy, self.x, scalars=(self.slope,))
        if gx is not None:
            return gx
        return backend.array_module(gy).where(self.x > 0, gy, gy * self.slope)


class ELU(Function):
    """y = x if x > 0 else alpha (e^x - 1);  dy/dx = 1 or y + alpha.  ``scale`` gives SELU."""

    def __init__(self, alpha, scale=1.0):
        self.alpha, self.scale = alpha, scale

    def forward(self, x):
        xp = backend.array_module(x)
        self.x = x
        neg = self.alpha * xp.expm1(xp.minimum(x, 0))
        self.neg = neg
        y = xp.where(x > 0, x, neg)
        return y * self.scale if self.scale != 1.0 else y

    def backward(self, gy):
        xp = backend.array_module(gy)
        d = xp.where(self.x > 0, 1, self.neg + self.alpha).astype(gy.dtype)
        return gy * d * self.scale if self.scale != 1.0 else gy * d


class GELU(Function):
    """y = x Phi(x), Phi the standard normal CDF (exact, with erf), or its tanh approximation
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        xp = backend.array_module(x)
        self.x = x
        if self.approximate == "tanh":
            self.t = t = xp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))
            return 0.5 * x * (1 + t)
        self.cdf = cdf = 0.5 * (1 + erf_array(x * (1 / math.sqrt(2))))
        return x * cdf

    def backward(self, gy):
        xp = backend.array_module(gy)
        x = self.x
        if self.approximate == "tanh":
            t = self.t
            dinner = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x * x)
            return gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner)
        pdf = xp.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return gy * (self.cdf + x * pdf)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x);  dy/dx = y (1 - y)."""
    reads_inputs = False

    def forward(self, x):
        y = _kernel("sigmoid_forward", x)
        self.y = y = y if y is not None else sigmoid_array(x)
        return y

    def backward(self, gy):
        gx = _kernel("sigmoid_backward", gy, self.y)
        if gx is not None:
            return gx
        y = self.y
        return gy * y * (1 - y)


class Tanh(Function):
    """y = tanh x;  dy/dx = 1 - y^2."""
    reads_inputs = False

    def forward(self, x):
        self.y = y = backend.array_module(x).tanh(x)   # NumPy's own tanh is vectorised
        return y

    def backward(self, gy):
        gx = _kernel("tanh_backward", gy, self.y)
        if gx is not None:
            return gx
        y = self.y
        return gy * (1 - y * y)


class SiLU(Function):
    """y = x sigmoid(x) (swish);  dy/dx = s (1 + x (1 - s))."""

    def forward(self, x):
        self.x = x
        self.s = s = sigmoid_array(x)
        return x * s

    def backward(self, gy):
        s = self.s
        return gy * s * (1 + self.x * (1 - s))


class Mish(Function):
    """y = x tanh(softplus(x));  dy/dx = t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x))."""

    def forward(self, x):
        xp = backend.array_module(x)
        self.x = x
        self.t = t = xp.tanh(softplus_array(x))
        return x * t

    def backward(self, gy):
        t = self.t
        return gy * (t + self.x * sigmoid_array(self.x) * (1 - t * t))


class Softplus(Function):
    """y = (1/beta) log(1 + e^(beta x)), linear where beta x > threshold;  dy/dx = sigmoid(beta x)."""

    def __init__(self, beta, threshold):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        xp = backend.array_module(x)
        self.z = z = x * self.beta if self.beta != 1 else x
        y = softplus_array(z)
        if self.beta != 1:
            y = y / self.beta
        return xp.where(z > self.threshold, x, y)

    def backward(self, gy):
        z = self.z
        return gy * backend.array_module(gy).where(z > self.threshold, 1, sigmoid_array(z)).astype(gy.dtype)


class Hardtanh(Function):
    """y = clamp(x, low, high);  the gradient passes where low < x < high."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def forward(self, x):
        self.x = x
        return backend.array_module(x).clip(x, self.low, self.high)

    def backward(self, gy):
        x = self.x
        return gy * ((x > self.low) & (x < self.high))


class Hardsigmoid(Function):
    """y = relu6(x + 3) / 6, a piecewise-linear sigmoid;  dy/dx = 1/6 where -3 < x < 3, else 0."""

    def forward(self, x):
        self.x = x
        return backend.array_module(x).clip(x + 3, 0, 6) / 6

    def backward(self, gy):
        x = self.x
        return gy * (((x > -3) & (x < 3)) / 6).astype(gy.dtype)


class Hardswish(Function):
    """y = x relu6(x + 3) / 6 (MobileNetV3);  dy/dx = 0 for x <= -3, x/3 + 1/2 for
    -3 < x < 3, 1 for x >= 3 (PyTorch's choice at the two kinks)."""

    def forward(self, x):
        self.x = x
        return x * backend.array_module(x).clip(x + 3, 0, 6) / 6

    def backward(self, gy):
        return gy * hardswish_slope(self.x)


def hardswish_slope(x):
    """dy/dx of hardswish at the array x (the same piecewise formula as the class docstring)."""
    xp = backend.array_module(x)
    return xp.where(x <= -3, 0, xp.where(x < 3, x / 3 + 0.5, 1)).astype(x.dtype, copy=False)


class Softmax(Function):
    """y_i = e^(x_i - m) / sum_j e^(x_j - m) along ``axis`` (m the max, for stability);
    dL/dx = y (g - sum(g y))."""
    reads_inputs = False

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        e = _row_kernel("softmax_forward", self.axis, x)
        if e is None:
            xp = backend.array_module(x)
            e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
            e /= e.sum(axis=self.axis, keepdims=True)
        self.y = e
        return e

    def backward(self, gy):
        gx = _row_kernel("softmax_backward", self.axis, gy, self.y)
        if gx is not None:
            return gx
        y = self.y
        gy_y = gy * y
        return gy_y - y * gy_y.sum(axis=self.axis, keepdims=True)


class LogSoftmax(Function):
    """y = x - logsumexp(x) along ``axis``;  dL/dx = g - softmax(x) sum(g)."""
    reads_inputs = False

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        y = _row_kernel("log_softmax_forward", self.axis, x)
        if y is None:
            xp = backend.array_module(x)
            shifted = x - x.max(axis=self.axis, keepdims=True)
            y = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        self.y = y
        return y

    def backward(self, gy):
        gx = _row_kernel("log_softmax_backward", self.axis, gy, self.y)
        if gx is not None:
            return gx
        return gy - backend.array_module(gy).exp(self.y) * gy.sum(axis=self.axis, keepdims=True)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def relu(x):
    """max(x, 0)."""
    return ReLU()(x)


def relu6(x):
    """min(max(x, 0), 6)."""
    return Hardtanh(0.0, 6.0)(x)


def leaky_relu(x, negative_slope=0.01):
    """x if x > 0 else negative_slope * x."""
    return LeakyReLU(number(negative_slope))(x)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha (e^x - 1)."""
    return ELU(number(alpha))(floating(x))


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    return ELU(SELU_ALPHA, SELU_SCALE)(floating(x))


def gelu(x, approximate="none"):
    """x Phi(x); ``approximate="tanh"`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU(approximate)(floating(x))


def sigmoid(x):
    """1 / (1 + e^-x)."""
    return Sigmoid()(floating(x))


def tanh(x):
    """Hyperbolic tangent."""
    return Tanh()(floating(x))


def silu(x):
    """x sigmoid(x), also called swish."""
    return SiLU()(floating(x))


swish = silu


def mish(x):
    """x tanh(softplus(x))."""
    return Mish()(floating(x))


def softplus(x, beta=1.0, threshold=20.0):
    """(1/beta) log(1 + e^(beta x)), a smooth ReLU."""
    return Softplus(number(beta), number(threshold))(floating(x))


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """clamp(x, min_val, max_val)."""
    return Hardtanh(number(min_val), number(max_val))(x)


def hardsigmoid(x, inplace=False):
    """relu6(x + 3) / 6 elementwise: 0 below -3, 1 above 3, linear between.  Any shape.
    ``inplace`` is accepted for PyTorch's signature; the result is always a new tensor."""
    return Hardsigmoid()(floating(x))


def hardswish(x, inplace=False):
    """x relu6(x + 3) / 6 elementwise (MobileNetV3's swish).  Any shape.
    ``inplace`` is accepted for PyTorch's signature; the result is always a new tensor."""
    return Hardswish()(floating(x))


def softmax(x, dim=-1):
    """e^x normalised to sum to 1 along ``dim``."""
    return Softmax(axis(dim, x.ndim, "softmax"))(x)


def log_softmax(x, dim=-1):
    """log(softmax(x)) along ``dim``, computed without forming the softmax."""
    return LogSoftmax(axis(dim, x.ndim, "log_softmax"))(x)


def logsigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return -softplus(-x)


def softsign(x):
    """x / (1 + |x|)."""
    from .elementwise import abs as abs_
    return x / (1 + abs_(x))


# ---------------------------------------------------------------- compositions (issue 23)
# Each is written on the primitives above, so its gradient comes from theirs.


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: max(0, x) + min(0, alpha (e^(x/alpha) - 1)),
    which is alpha * elu(x / alpha).  Any shape in, same shape out."""
    alpha = number(alpha)
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x)")
    return ELU(1.0, alpha)(floating(x) / alpha)


def softmin(x, dim=-1):
    """softmax(-x) along ``dim``: the smallest entries get the largest weights."""
    return softmax(-x, dim)


def glu(x, dim=-1):
    """Gated linear unit: split x in halves a, b along ``dim``; a * sigmoid(b).
    (..., 2k, ...) -> (..., k, ...)."""
    d = axis(dim, x.ndim, "glu")
    if x.shape[d] % 2:
        raise ValueError(f"glu: dim {dim} must have an even size to split in halves, got "
                         f"{x.shape[d]} (input shape {tuple(x.shape)})")
    half = x.shape[d] // 2
    lead = (slice(None),) * d
    return x[lead + (slice(0, half),)] * sigmoid(x[lead + (slice(half, None),)])


def tanhshrink(x):
    """x - tanh(x)."""
    return x - tanh(x)


def threshold(x, threshold, value):  # noqa: A002 - torch's name
    """x where x > threshold, else ``value``."""
    from .elementwise import where
    return where(x > threshold, x, value)


def prelu(x, weight):
    """Parametric ReLU: x where x > 0, else weight * x, with ``weight`` (1,) shared or (C,)
    one slope per channel of dim 1.  (N, C, ...) or (C,) in, same shape out."""
    from .elementwise import where
    w = weight
    if w.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-d, (1,) or (C,), got shape {tuple(w.shape)}")
    if w.shape[0] != 1:
        channels = x.shape[1] if x.ndim >= 2 else 1     # as torch: a 1-d x is one channel
        if w.shape[0] != channels:
            raise ValueError(f"prelu: weight has {w.shape[0]} slopes but the input "
                             f"{tuple(x.shape)} has {channels} channels (dim 1)")
        if x.ndim >= 2:
            w = w.reshape((-1,) + (1,) * (x.ndim - 2))
    return where(x > 0, x, w * x)


def gumbel_softmax(logits, tau=1.0, hard=False, dim=-1):
    """Samples from the Gumbel-softmax (Concrete) distribution: softmax((logits + g) / tau)
    with g = -log(-log(u)), u ~ U(0, 1).  ``hard``: the one-hot of the argmax in the forward,
    the soft sample's gradient in the backward (straight-through: y_hard - y.detach() + y)."""
    xp = backend.array_module(logits.array)
    u = backend.generator().random(logits.shape)
    tiny = numpy.finfo(logits.array.dtype).tiny
    g = -numpy.log(-numpy.log(numpy.clip(u, tiny, 1.0)) + tiny)
    from ..autograd.tensor import Tensor
    y = softmax((logits + Tensor(xp.asarray(g, dtype=logits.array.dtype))) / tau, dim)
    if not hard:
        return y
    d = axis(dim, y.ndim, "gumbel_softmax")
    index = xp.expand_dims(y.array.argmax(axis=d), d)
    one_hot = xp.zeros_like(y.array)
    xp.put_along_axis(one_hot, index, 1, axis=d)
    return Tensor(one_hot) - y.detach() + y
