"""Keras 3's elementwise math, comparisons and reductions, on shenjing's ops.

Binary ops broadcast NumPy's way and check it first: ``keras.ops.add(a, b)`` with shapes
that do not broadcast names itself and both shapes.  Reductions take Keras's ``axis`` (an
int, a tuple or None for all) and ``keepdims``; ``std`` and ``var`` are the population
forms (divide by n), and the mean of an int tensor is float32, as in Keras.
"""

import numpy

from ... import ops
from ...autograd.tensor import Tensor
from .core import axis_tuple, broadcast_shape, fail, floating, keras_op, tensor

__all__ = ["add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod",
           "negative", "power", "reciprocal", "square", "sqrt", "rsqrt", "exp", "expm1", "log",
           "log1p", "log2", "log10", "abs", "absolute", "sign", "sin", "cos", "tan", "tanh",
           "floor", "ceil", "round", "erf", "clip", "maximum", "minimum", "where",
           "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
           "logical_and", "logical_or", "logical_not", "logical_xor", "isnan", "isinf",
           "isfinite", "sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var",
           "argmax", "argmin", "any", "all", "count_nonzero", "logsumexp", "average", "sinh",
           "cosh", "exp2", "trunc", "logaddexp", "hypot", "nan_to_num", "threshold"]


def _operands(op, x1, x2):
    """The two operands of a binary op, after checking that their shapes broadcast; at
    least one becomes a tensor (a Python number stays a number, so that it takes the
    tensor's dtype)."""
    broadcast_shape(op, x1, x2)
    if not isinstance(x1, Tensor) and not isinstance(x2, Tensor):
        x1 = tensor(x1)
    if isinstance(x1, (numpy.ndarray, list, tuple)):
        x1 = tensor(x1)
    if isinstance(x2, (numpy.ndarray, list, tuple)):
        x2 = tensor(x2)
    return x1, x2


# ------------------------------------------------------------------ arithmetic


@keras_op
def add(x1, x2):
    """x1 + x2 elementwise, broadcasting."""
    return ops.add(*_operands("add", x1, x2))


@keras_op
def subtract(x1, x2):
    """x1 - x2 elementwise, broadcasting."""
    return ops.sub(*_operands("subtract", x1, x2))


@keras_op
def multiply(x1, x2):
    """x1 * x2 elementwise, broadcasting."""
    return ops.mul(*_operands("multiply", x1, x2))


@keras_op
def divide(x1, x2):
    """x1 / x2 elementwise (true division: ints give float32), broadcasting."""
    return ops.div(*_operands("divide", x1, x2))


true_divide = divide


@keras_op
def floor_divide(x1, x2):
    """floor(x1 / x2) elementwise (no gradient)."""
    return ops.div(*_operands("floor_divide", x1, x2), rounding_mode="floor")


@keras_op
def mod(x1, x2):
    """x1 - floor(x1 / x2) x2: the remainder with the sign of x2 (NumPy's ``mod``)."""
    x1, x2 = _operands("mod", x1, x2)
    return ops.remainder(x1, x2)


@keras_op
def negative(x):
    """-x."""
    return ops.neg(tensor(x))


@keras_op
def power(x1, x2):
    """x1 ** x2 elementwise, broadcasting."""
    x1, x2 = _operands("power", x1, x2)
    if not isinstance(x1, Tensor):
        return ops.arithmetic.rpow(x2, x1)
    return ops.pow(x1, x2)


@keras_op
def reciprocal(x):
    """1 / x."""
    return ops.reciprocal(tensor(x))


@keras_op
def square(x):
    """x * x."""
    return ops.square(tensor(x))


# ------------------------------------------------------------------ elementwise functions


def _unary(name, fn, doc):
    def op(x):
        return fn(tensor(x))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return keras_op(op)


sqrt = _unary("sqrt", ops.sqrt, "Square root.")
rsqrt = _unary("rsqrt", ops.rsqrt, "1 / sqrt(x).")
exp = _unary("exp", ops.exp, "e^x.")
expm1 = _unary("expm1", ops.expm1, "e^x - 1, accurate for small x.")
log = _unary("log", ops.log, "Natural logarithm.")
log1p = _unary("log1p", ops.log1p, "log(1 + x), accurate for small x.")
log2 = _unary("log2", ops.log2, "Base-2 logarithm: ln x / ln 2.")
log10 = _unary("log10", ops.log10, "Base-10 logarithm: ln x / ln 10.")
abs = _unary("abs", ops.abs, "|x|.")  # noqa: A001 - Keras's name
absolute = abs
sign = _unary("sign", ops.sign, "-1, 0 or 1 by the sign of x (no gradient).")
sin = _unary("sin", ops.sin, "Sine.")
cos = _unary("cos", ops.cos, "Cosine.")
tan = _unary("tan", ops.tan, "Tangent.")
tanh = _unary("tanh", ops.tanh, "Hyperbolic tangent.")
floor = _unary("floor", ops.floor, "Round down (no gradient).")
ceil = _unary("ceil", ops.ceil, "Round up (no gradient).")
erf = _unary("erf", ops.erf, "The error function 2/sqrt(pi) int_0^x e^(-t^2) dt.")
isnan = _unary("isnan", ops.isnan, "True where NaN.")
isinf = _unary("isinf", ops.isinf, "True where +-inf.")
isfinite = _unary("isfinite", ops.isfinite, "True where finite.")
logical_not = _unary("logical_not", ops.logical_not, "not x elementwise (bool).")


sinh = _unary("sinh", ops.sinh, "Hyperbolic sine: (e^x - e^-x) / 2.")
cosh = _unary("cosh", ops.cosh, "Hyperbolic cosine: (e^x + e^-x) / 2.")
exp2 = _unary("exp2", ops.exp2, "2^x = e^(x ln 2).")
trunc = _unary("trunc", ops.trunc, "Round towards zero (no gradient).")


@keras_op
def logaddexp(x1, x2):
    """log(e^x1 + e^x2), stable for large values (``logsumexp`` of the pair), broadcasting."""
    shape = broadcast_shape("logaddexp", x1, x2)
    pair = [ops.broadcast_to(floating(x), shape) for x in (x1, x2)]
    return ops.logsumexp(ops.stack(pair), 0)


@keras_op
def hypot(x1, x2):
    """sqrt(x1^2 + x2^2) elementwise, broadcasting."""
    x1, x2 = _operands("hypot", x1, x2)
    return ops.sqrt(ops.add(ops.square(floating(x1)), ops.square(floating(x2))))


@keras_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """``x`` with NaN replaced by ``nan`` and +-inf by ``posinf`` / ``neginf`` (the dtype's
    largest finite values unless given); the gradient flows through the kept elements."""
    return ops.nan_to_num(tensor(x), nan, posinf, neginf)


@keras_op
def threshold(x, threshold, default_value):
    """x where x > threshold, else ``default_value``."""
    x = floating(x)
    return ops.where(ops.gt(x, threshold), x, default_value)


@keras_op
def round(x, decimals=0):  # noqa: A001 - Keras's name
    """Round half to even, to ``decimals`` decimal places (no gradient)."""
    x = tensor(x)
    if decimals == 0:
        return ops.round(x)
    scale = 10.0 ** decimals
    return ops.round(floating(x) * scale) / scale


@keras_op
def clip(x, x_min, x_max):
    """x limited to [x_min, x_max]."""
    return ops.clamp(tensor(x), x_min, x_max)


@keras_op
def maximum(x1, x2):
    """The larger of x1 and x2 elementwise, broadcasting."""
    return ops.maximum(*_operands("maximum", x1, x2))


@keras_op
def minimum(x1, x2):
    """The smaller of x1 and x2 elementwise, broadcasting."""
    return ops.minimum(*_operands("minimum", x1, x2))


@keras_op
def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` else ``x2`` (broadcasting all three); with only
    ``condition``, the indices of its non-zero elements, one int64 tensor per axis."""
    if x1 is None and x2 is None:
        found = numpy.nonzero(numpy.asarray(tensor(condition)))
        return tuple(Tensor(i.astype(numpy.int64)) for i in found)
    if x1 is None or x2 is None:
        fail("where", "give both x1 and x2, or neither", ValueError)
    broadcast_shape("where", condition, x1, x2)
    x1, x2 = _operands("where", x1, x2)
    return ops.where(tensor(condition), x1, x2)


# ------------------------------------------------------------------ comparisons


def _comparison(name, fn, doc):
    def op(x1, x2):
        return fn(*_operands(name, x1, x2))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return keras_op(op)


equal = _comparison("equal", ops.eq, "x1 == x2 elementwise (bool), broadcasting.")
not_equal = _comparison("not_equal", ops.ne, "x1 != x2 elementwise (bool), broadcasting.")
greater = _comparison("greater", ops.gt, "x1 > x2 elementwise (bool), broadcasting.")
greater_equal = _comparison("greater_equal", ops.ge, "x1 >= x2 elementwise (bool).")
less = _comparison("less", ops.lt, "x1 < x2 elementwise (bool), broadcasting.")
less_equal = _comparison("less_equal", ops.le, "x1 <= x2 elementwise (bool).")
logical_and = _comparison("logical_and", ops.logical_and, "x1 and x2 elementwise (bool).")
logical_or = _comparison("logical_or", ops.logical_or, "x1 or x2 elementwise (bool).")
logical_xor = _comparison("logical_xor", ops.logical_xor, "x1 xor x2 elementwise (bool).")


# ------------------------------------------------------------------ reductions


def _axes(x, axis, op):
    return axis_tuple(axis, x.ndim, op)


@keras_op
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Sum over ``axis`` (int, tuple, or None for all axes)."""
    x = tensor(x)
    return ops.sum(x, _axes(x, axis, "sum"), keepdims)


@keras_op
def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``; ints and bools average to float32."""
    x = floating(x)
    return ops.mean(x, _axes(x, axis, "mean"), keepdims)


@keras_op
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's name
    """Largest element over ``axis`` (values only); ``initial`` takes part in the max."""
    x = tensor(x)
    y = ops.amax(x, _axes(x, axis, "max"), keepdims)
    return y if initial is None else ops.maximum(y, initial)


@keras_op
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's name
    """Smallest element over ``axis`` (values only); ``initial`` takes part in the min."""
    x = tensor(x)
    y = ops.amin(x, _axes(x, axis, "min"), keepdims)
    return y if initial is None else ops.minimum(y, initial)


amax = keras_op(lambda x, axis=None, keepdims=False: max(x, axis, keepdims))
amax.__name__ = amax.__qualname__ = "amax"
amax.__doc__ = "Largest element over ``axis`` (``max``)."
amin = keras_op(lambda x, axis=None, keepdims=False: min(x, axis, keepdims))
amin.__name__ = amin.__qualname__ = "amin"
amin.__doc__ = "Smallest element over ``axis`` (``min``)."


@keras_op
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product over ``axis``."""
    x = tensor(x, dtype)
    return ops.prod(x, _axes(x, axis, "prod"), keepdims)


@keras_op
def var(x, axis=None, keepdims=False):
    """Population variance over ``axis``: mean((x - mean x)^2), dividing by n."""
    x = floating(x)
    return ops.var(x, _axes(x, axis, "var"), keepdim=keepdims, correction=0)


@keras_op
def std(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis``: sqrt(var)."""
    x = floating(x)
    return ops.std(x, _axes(x, axis, "std"), keepdim=keepdims, correction=0)


def _index(x, axis, keepdims, fn, op):
    x = tensor(x)
    if axis is not None:
        axis = _axes(x, axis, op)[0]
    return fn(x, axis, keepdims).type("int32")


@keras_op
def argmax(x, axis=None, keepdims=False):
    """Index (int32) of the largest element along ``axis`` (of the flattened x if None)."""
    return _index(x, axis, keepdims, ops.argmax, "argmax")


@keras_op
def argmin(x, axis=None, keepdims=False):
    """Index (int32) of the smallest element along ``axis`` (of the flattened x if None)."""
    return _index(x, axis, keepdims, ops.argmin, "argmin")


@keras_op
def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """True where some element over ``axis`` is non-zero."""
    x = tensor(x)
    return ops.any(x, _axes(x, axis, "any"), keepdims)


@keras_op
def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """True where every element over ``axis`` is non-zero."""
    x = tensor(x)
    return ops.all(x, _axes(x, axis, "all"), keepdims)


@keras_op
def count_nonzero(x, axis=None):
    """The number of non-zero elements over ``axis`` (int32)."""
    x = tensor(x)
    return ops.count_nonzero(x, _axes(x, axis, "count_nonzero")).type("int32")


@keras_op
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, stable for large x."""
    x = floating(x)
    return ops.logsumexp(x, _axes(x, axis, "logsumexp"), keepdims)


@keras_op
def average(x, axis=None, weights=None):
    """Mean over ``axis``, or the weighted mean sum(w x) / sum(w) with ``weights`` (of x's
    shape, or 1-d along ``axis``)."""
    x = floating(x)
    if weights is None:
        return mean(x, axis)
    w = tensor(weights, x.dtype)
    if w.shape != x.shape:
        if axis is None or w.ndim != 1 or w.shape[0] != x.shape[axis]:
            fail("average", f"weights of shape {w.shape} need x's shape {x.shape} or, with "
                            f"an axis, the length of that axis")
        shape = [1] * x.ndim
        shape[axis] = w.shape[0]
        w = ops.reshape(w, tuple(shape))
    return sum(x * w, axis) / sum(ops.broadcast_to(w, x.shape), axis)
