"""Arithmetic with broadcasting: add, sub, mul, div, pow, neg.

Each backward undoes broadcasting with ``sum_to``:  for y = a * b,
dL/da = sum_to(dL/dy * b, a.shape) and dL/db = sum_to(dL/dy * a, b.shape).
"""

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._helpers import operands, sum_to


class Add(Function):
    """y = a + b."""
    reads_inputs = False

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, gy):
        sa, sb = self.shapes
        need_a, need_b = self.needs_input_grad
        return (sum_to(gy, sa) if need_a else None), (sum_to(gy, sb) if need_b else None)


class Sub(Function):
    """y = a - b."""
    reads_inputs = False

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, gy):
        sa, sb = self.shapes
        need_a, need_b = self.needs_input_grad
        return (sum_to(gy, sa) if need_a else None), (sum_to(-gy, sb) if need_b else None)


class Mul(Function):
    """y = a * b."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, gy):
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        return (sum_to(gy * b, a.shape) if need_a else None), \
               (sum_to(gy * a, b.shape) if need_b else None)


class Div(Function):
    """y = a / b;  dy/da = 1/b,  dy/db = -a/b^2."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, gy):
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        ga = gy / b
        return (sum_to(ga, a.shape) if need_a else None), \
               (sum_to(-ga * a / b, b.shape) if need_b else None)


class Neg(Function):
    """y = -x."""
    reads_inputs = False

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class PowScalar(Function):
    """y = x^p for a number p;  dy/dx = p x^(p-1)."""

    def __init__(self, p):
        self.p = p

    def forward(self, x):
        self.x = x
        return x ** self.p

    def backward(self, gy):
        p = self.p
        if p == 2:
            return gy * (2 * self.x)
        return gy * (p * self.x ** (p - 1))


class Pow(Function):
    """y = a^b elementwise;  dy/da = b a^(b-1),  dy/db = a^b ln a."""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = y = a ** b
        return y

    def backward(self, gy):
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        ga = sum_to(gy * b * a ** (b - 1), a.shape) if need_a else None
        gb = None
        if need_b:
            xp = backend.array_module(a)
            safe_log = xp.log(xp.where(a > 0, a, 1))  # a^b ln a -> 0 where a == 0
            gb = sum_to(gy * self.y * safe_log, b.shape)
        return ga, gb


def add(a, b, alpha=1):
    """a + alpha * b, broadcasting."""
    if alpha != 1:
        b = mul(b, alpha)
    return Add()(*operands(a, b))


def sub(a, b, alpha=1):
    """a - alpha * b, broadcasting."""
    if alpha != 1:
        b = mul(b, alpha)
    return Sub()(*operands(a, b))


def mul(a, b):
    """a * b elementwise, broadcasting."""
    return Mul()(*operands(a, b))


def div(a, b, rounding_mode=None):
    """a / b, broadcasting; integers divide to the default float dtype (true division).

    ``rounding_mode="floor"`` or ``"trunc"`` gives integer-style division (no gradient).
    """
    a, b = operands(a, b)
    if rounding_mode is not None:
        xp = backend.array_module(a.array)
        q = a.array / b.array
        q = xp.floor(q) if rounding_mode == "floor" else xp.trunc(q)
        return type(a).from_node(q.astype(a.dtype), None, 0)
    if a.array.dtype.kind != "f":
        dtype = backend.get_default_dtype()
        a, b = a.type(dtype), b.type(dtype)
    return Div()(a, b)


def neg(x):
    """-x."""
    return Neg()(x)


def pow(x, exponent):  # noqa: A001 - torch.pow
    """x ** exponent elementwise; a number exponent takes the cheaper path."""
    if isinstance(x, Tensor) and isinstance(exponent, (int, float)):
        return PowScalar(exponent)(x)
    return Pow()(*operands(x, exponent))


def rsub(a, b):
    """b - a (for ``number - tensor``)."""
    return sub(b, a)


def rdiv(a, b):
    """b / a (for ``number / tensor``)."""
    return div(b, a)


def rpow(a, b):
    """b ** a (for ``number ** tensor``)."""
    return pow(*operands(b, a))
