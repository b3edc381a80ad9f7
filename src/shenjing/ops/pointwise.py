"""More elementwise math: tan, the inverse and hyperbolic trigonometric functions, atan2,
expm1, log2/log10/exp2, trunc/frac, fmod/remainder, floor_divide, nan_to_num, lerp.

The primitives keep what their derivative needs:
d tan x = 1 + tan^2 x,  d atan x = 1 / (1 + x^2),  d asin x = 1 / sqrt(1 - x^2) = -d acos x,
d sinh x = cosh x,  d cosh x = sinh x,  d expm1 x = e^x = y + 1,
d atan2(y, x) = (x dy - y dx) / (x^2 + y^2),  d fmod(a, b) = (1, -trunc(a / b)).
The others are compositions: log2 x = ln x / ln 2, exp2 x = e^(x ln 2), frac x = x - trunc x,
lerp = start + weight (end - start).
"""

import math

import numpy

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._helpers import as_tensor, floating, operands, sum_to


class _Unary(Function):
    """y = f(x) with dy/dx from the saved x and y (subclasses set ``f`` and ``dydx``)."""

    def forward(self, x):
        self.x = x
        self.y = y = self.f(backend.array_module(x), x)
        return y

    def backward(self, gy):
        return gy * self.dydx(backend.array_module(gy), self.x, self.y)


class Tan(_Unary):
    """y = tan x;  dy/dx = 1 + y^2."""
    f = staticmethod(lambda xp, x: xp.tan(x))
    dydx = staticmethod(lambda xp, x, y: 1 + y * y)


class Atan(_Unary):
    """y = atan x;  dy/dx = 1 / (1 + x^2)."""
    f = staticmethod(lambda xp, x: xp.arctan(x))
    dydx = staticmethod(lambda xp, x, y: 1 / (1 + x * x))


class Asin(_Unary):
    """y = asin x;  dy/dx = 1 / sqrt(1 - x^2)."""
    f = staticmethod(lambda xp, x: xp.arcsin(x))
    dydx = staticmethod(lambda xp, x, y: 1 / xp.sqrt(1 - x * x))


class Acos(_Unary):
    """y = acos x;  dy/dx = -1 / sqrt(1 - x^2)."""
    f = staticmethod(lambda xp, x: xp.arccos(x))
    dydx = staticmethod(lambda xp, x, y: -1 / xp.sqrt(1 - x * x))


class Sinh(_Unary):
    """y = sinh x;  dy/dx = cosh x."""
    f = staticmethod(lambda xp, x: xp.sinh(x))
    dydx = staticmethod(lambda xp, x, y: xp.cosh(x))


class Cosh(_Unary):
    """y = cosh x;  dy/dx = sinh x."""
    f = staticmethod(lambda xp, x: xp.cosh(x))
    dydx = staticmethod(lambda xp, x, y: xp.sinh(x))


class Expm1(_Unary):
    """y = e^x - 1, accurate for small x;  dy/dx = y + 1."""
    f = staticmethod(lambda xp, x: xp.expm1(x))
    dydx = staticmethod(lambda xp, x, y: y + 1)


class Atan2(Function):
    """z = atan2(y, x), the angle of the point (x, y);
    dz/dy = x / (x^2 + y^2),  dz/dx = -y / (x^2 + y^2)."""

    def forward(self, y, x):
        self.y, self.x = y, x
        return backend.array_module(y).arctan2(y, x)

    def backward(self, gz):
        y, x = self.y, self.x
        g = gz / (x * x + y * y)
        need_y, need_x = self.needs_input_grad
        return (sum_to(g * x, y.shape) if need_y else None), \
               (sum_to(-g * y, x.shape) if need_x else None)


class Modulo(Function):
    """r = a - q b with q = trunc(a / b) (``fmod``, the sign of a) or floor(a / b)
    (``remainder``, the sign of b);  dr/da = 1,  dr/db = -q."""

    def __init__(self, floor):
        self.floor = floor

    def forward(self, a, b):
        xp = backend.array_module(a)
        self.shapes = a.shape, b.shape
        with xp.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad is not None:
                q = a / b
                self.q = xp.floor(q) if self.floor else xp.trunc(q)
            return (xp.remainder if self.floor else xp.fmod)(a, b)

    def backward(self, gy):
        need_a, need_b = self.needs_input_grad
        sa, sb = self.shapes
        return (sum_to(gy, sa) if need_a else None), \
               (sum_to(-gy * self.q, sb) if need_b else None)


def _unary(op_class, name, doc):
    def op(x):
        return op_class()(floating(x))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


tan = _unary(Tan, "tan", "Tangent elementwise.")
atan = arctan = _unary(Atan, "atan", "Inverse tangent elementwise, in (-pi/2, pi/2).")
asin = arcsin = _unary(Asin, "asin",
                       "Inverse sine elementwise, in [-pi/2, pi/2] (NaN outside [-1, 1]).")
acos = arccos = _unary(Acos, "acos",
                       "Inverse cosine elementwise, in [0, pi] (NaN outside [-1, 1]).")
sinh = _unary(Sinh, "sinh", "Hyperbolic sine elementwise: (e^x - e^-x) / 2.")
cosh = _unary(Cosh, "cosh", "Hyperbolic cosine elementwise: (e^x + e^-x) / 2.")
expm1 = _unary(Expm1, "expm1", "e^x - 1 elementwise, accurate for small x.")


def atan2(input, other):  # noqa: A002 - torch's names
    """The angle atan(input / other) of the point (other, input), in (-pi, pi], broadcasting."""
    y, x = operands(input, other)
    if y.dtype.kind != "f":
        y, x = floating(y), floating(x)
    return Atan2()(y, x)


arctan2 = atan2


def log2(x):
    """Base-2 logarithm elementwise: ln x / ln 2."""
    from .elementwise import log
    return log(x) / math.log(2.0)


def log10(x):
    """Base-10 logarithm elementwise: ln x / ln 10."""
    from .elementwise import log
    return log(x) / math.log(10.0)


def exp2(x):
    """2^x elementwise: e^(x ln 2)."""
    from .elementwise import exp
    return exp(floating(x) * math.log(2.0))


def trunc(x):
    """Round towards zero (no gradient: flat almost everywhere)."""
    x = as_tensor(x)
    return Tensor.from_node(backend.array_module(x.array).trunc(x.array), None, 0)


fix = trunc


def frac(x):
    """The fractional part x - trunc(x), with the sign of x;  d/dx = 1."""
    x = as_tensor(x)
    return x - trunc(x)


def _modulo(a, b, floor):
    a, b = operands(a, b)
    return Modulo(floor)(a, b)


def fmod(input, other):  # noqa: A002 - torch's names
    """The remainder of input / other with the sign of input (C's fmod), broadcasting."""
    return _modulo(input, other, False)


def remainder(input, other):  # noqa: A002 - torch's names
    """The remainder of input / other with the sign of other (Python's %), broadcasting."""
    return _modulo(input, other, True)


def floor_divide(input, other):  # noqa: A002 - torch's names
    """input / other rounded down (no gradient)."""
    from .arithmetic import div
    return div(input, other, rounding_mode="floor")


def true_divide(input, other):  # noqa: A002 - torch's names
    """input / other in floating point (integers divide to the default float dtype)."""
    from .arithmetic import div
    return div(input, other)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """x with NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (the
    dtype's largest and smallest finite values unless given); the gradient flows through
    the kept elements.  Integer tensors are returned as they are."""
    from .comparison import eq
    from .elementwise import isnan, where
    x = as_tensor(x)
    if x.dtype.kind != "f":
        return x
    big = float(numpy.finfo(x.dtype).max)
    x = where(isnan(x), float(nan), x)
    x = where(eq(x, numpy.inf), big if posinf is None else float(posinf), x)
    return where(eq(x, -numpy.inf), -big if neginf is None else float(neginf), x)


def lerp(input, end, weight):  # noqa: A002 - torch's names
    """Linear interpolation start + weight (end - start), broadcasting; ``weight`` is a
    number or a tensor (which gets its gradient too)."""
    return input + weight * (end - input)
