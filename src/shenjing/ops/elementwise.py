"""Elementwise math: exp, log, log1p, sqrt, abs, sign, clamp, maximum, minimum, where, ...

Each op keeps what its derivative needs, often its own output:
d exp(x) = exp(x), d sqrt(x) = 1 / (2 sqrt(x)).
"""

from .. import backend
from ..autograd.function import Function, ShapeError
from ..autograd.tensor import Tensor
from . import comparison
from ._helpers import as_tensor, floating, number, operands, sum_to


class Exp(Function):
    """y = e^x;  dy/dx = y."""
    reads_inputs = False

    def forward(self, x):
        self.y = y = backend.array_module(x).exp(x)
        return y

    def backward(self, gy):
        return gy * self.y


class Log(Function):
    """y = ln x;  dy/dx = 1/x."""

    def forward(self, x):
        self.x = x
        return backend.array_module(x).log(x)

    def backward(self, gy):
        return gy / self.x


class Log1p(Function):
    """y = ln(1 + x);  dy/dx = 1/(1 + x)."""

    def forward(self, x):
        self.x = x
        return backend.array_module(x).log1p(x)

    def backward(self, gy):
        return gy / (1 + self.x)


class Sqrt(Function):
    """y = sqrt(x);  dy/dx = 1/(2y)."""
    reads_inputs = False

    def forward(self, x):
        self.y = y = backend.array_module(x).sqrt(x)
        return y

    def backward(self, gy):
        return gy / (2 * self.y)


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at 0, as PyTorch)."""

    def forward(self, x):
        self.x = x
        return backend.array_module(x).abs(x)

    def backward(self, gy):
        return gy * backend.array_module(self.x).sign(self.x)


class Sin(Function):
    """y = sin x;  dy/dx = cos x."""

    def forward(self, x):
        self.x = x
        return backend.array_module(x).sin(x)

    def backward(self, gy):
        return gy * backend.array_module(self.x).cos(self.x)


class Cos(Function):
    """y = cos x;  dy/dx = -sin x."""

    def forward(self, x):
        self.x = x
        return backend.array_module(x).cos(x)

    def backward(self, gy):
        return -gy * backend.array_module(self.x).sin(self.x)


class Clamp(Function):
    """y = min(max(x, low), high);  the gradient passes where low <= x <= high."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def forward(self, x):
        xp = backend.array_module(x)
        self.x = x
        return xp.clip(x, self.low, self.high)

    def backward(self, gy):
        x = self.x
        inside = True
        if self.low is not None:
            inside = x >= self.low
        if self.high is not None:
            inside = inside & (x <= self.high)
        return gy * inside


class Maximum(Function):
    """y = max(a, b) elementwise; at ties the gradient is split evenly, as PyTorch."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return backend.array_module(a).maximum(a, b)

    def backward(self, gy):
        return _select_grads(self, gy, self.a > self.b)


class Minimum(Function):
    """y = min(a, b) elementwise; at ties the gradient is split evenly, as PyTorch."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return backend.array_module(a).minimum(a, b)

    def backward(self, gy):
        return _select_grads(self, gy, self.a < self.b)


def _select_grads(op, gy, a_wins):
    a, b = op.a, op.b
    tie = (a == b) * 0.5
    wa = (a_wins + tie).astype(gy.dtype)
    need_a, need_b = op.needs_input_grad
    return (sum_to(gy * wa, a.shape) if need_a else None), \
           (sum_to(gy * (1 - wa), b.shape) if need_b else None)


class Where(Function):
    """y = a where condition else b (the condition carries no gradient)."""
    reads_inputs = False

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        try:
            return backend.array_module(a).where(self.condition, a, b)
        except ValueError:  # name the condition's shape too, which the inputs do not show
            raise ShapeError(f"where: condition of shape {self.condition.shape} and inputs of "
                             f"shapes {a.shape} and {b.shape} cannot be broadcast together") from None

    def backward(self, gy):
        sa, sb = self.shapes
        c = self.condition
        need_a, need_b = self.needs_input_grad
        zero = gy.dtype.type(0)
        xp = backend.array_module(gy)
        return (sum_to(xp.where(c, gy, zero), sa) if need_a else None), \
               (sum_to(xp.where(c, zero, gy), sb) if need_b else None)


def exp(x):
    """e^x elementwise."""
    return Exp()(floating(x))


def log(x):
    """Natural logarithm elementwise."""
    return Log()(floating(x))


def log1p(x):
    """ln(1 + x), accurate for small x."""
    return Log1p()(floating(x))


def sqrt(x):
    """Square root elementwise."""
    return Sqrt()(floating(x))


def rsqrt(x):
    """1 / sqrt(x) elementwise."""
    return Sqrt()(floating(x)) ** -1


def abs(x):  # noqa: A001 - torch.abs
    """|x| elementwise."""
    return Abs()(x)


def sin(x):
    """Sine elementwise."""
    return Sin()(floating(x))


def cos(x):
    """Cosine elementwise."""
    return Cos()(floating(x))


def sign(x):
    """-1, 0 or 1 by the sign of each element (no gradient: it is flat almost everywhere)."""
    return Tensor.from_node(backend.array_module(x.array).sign(x.array), None, 0)


def clamp(x, min=None, max=None):  # noqa: A002 - torch.clamp's names
    """Limit x to [min, max]; either bound may be None, a number or a tensor (broadcast).

    With tensor bounds the gradient also flows to the bound that is taken, as PyTorch.
    """
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # y = min(max(x, low), high) in two selections, so the bounds get their gradients
        y = x
        if min is not None:
            y = where(comparison.lt(y, min), min, y)
        if max is not None:
            y = where(comparison.gt(y, max), max, y)
        return y
    min, max = number(min), number(max)
    if x.array.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        x = x.type(backend.get_default_dtype())
    return Clamp(min, max)(x)


clip = clamp


def clamp_min(x, min):  # noqa: A002 - torch's name
    """max(x, min): ``clamp(x, min=min)``."""
    return clamp(x, min=min)


def clamp_max(x, max):  # noqa: A002 - torch's name
    """min(x, max): ``clamp(x, max=max)``."""
    return clamp(x, max=max)


def square(x):
    """x * x elementwise;  d/dx = 2x."""
    from .arithmetic import pow
    return pow(x, 2)


def reciprocal(x):
    """1 / x elementwise (integers give the default float dtype);  d/dx = -1/x^2."""
    from .arithmetic import pow
    return pow(floating(x), -1)


def maximum(a, b):
    """Elementwise max of a and b, broadcasting."""
    return Maximum()(*operands(a, b))


def minimum(a, b):
    """Elementwise min of a and b, broadcasting."""
    return Minimum()(*operands(a, b))


def where(condition, a, b):
    """Elementwise ``a if condition else b``, broadcasting all three."""
    condition = as_tensor(condition).array
    if condition.dtype.kind != "b":
        condition = condition != 0
    return Where(condition)(*operands(a, b))


def _no_grad_unary(name, fn, doc):
    def op(x):
        return Tensor.from_node(fn(backend.array_module(x.array), x.array), None, 0)
    op.__name__ = name
    op.__doc__ = doc
    return op


floor = _no_grad_unary("floor", lambda xp, a: xp.floor(a), "Round down (no gradient).")
ceil = _no_grad_unary("ceil", lambda xp, a: xp.ceil(a), "Round up (no gradient).")
round = _no_grad_unary("round", lambda xp, a: xp.round(a), "Round half to even (no gradient).")  # noqa: A001
isnan = _no_grad_unary("isnan", lambda xp, a: xp.isnan(a), "True where NaN.")
isinf = _no_grad_unary("isinf", lambda xp, a: xp.isinf(a), "True where +-inf.")
isfinite = _no_grad_unary("isfinite", lambda xp, a: xp.isfinite(a), "True where finite.")
