"""Arithmetic with broadcasting: add, sub, mul, div, pow, neg.

Each backward undoes broadcasting with ``sum_to``:  for y = a * b,
dL/da = sum_to(dL/dy * b, a.shape) and dL/db = sum_to(dL/dy * a, b.shape).
"""

import numpy

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
    """y = x^p for a number p;  dy/dx = p x^(p-1) (0 for p = 0, also at x = 0, as PyTorch)."""

    def __init__(self, p):
        self.p = p

    def forward(self, x):
        self.x = x
        return x ** self.p

    def backward(self, gy):
        p = self.p
        if p == 0:
            return backend.array_module(gy).zeros_like(gy)
        if p == 2:
            return gy * (2 * self.x)
        return gy * (p * self.x ** (p - 1))


class Pow(Function):
    """y = a^b elementwise;  dy/da = b a^(b-1),  dy/db = a^b ln a.

    As PyTorch: dy/da is 0 where b == 0 (even at a == 0), and dy/db is 0 where a == 0 and
    b >= 0; for a < 0, ln a is NaN.
    """

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = y = a ** b
        return y

    def backward(self, gy):
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        xp = backend.array_module(a)
        ga = gb = None
        if need_a:
            with xp.errstate(divide="ignore", invalid="ignore"):
                da = xp.where(b == 0, 0, b * a ** (b - 1))
            ga = sum_to(gy * da, a.shape)
        if need_b:
            with xp.errstate(divide="ignore", invalid="ignore"):
                log_a = xp.log(xp.where(a == 0, 1, a))
            db = xp.where((a == 0) & (b >= 0), 0, self.y * log_a)
            gb = sum_to(gy * db, b.shape)
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
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got "
                             f"{rounding_mode!r}")
        xp = backend.array_module(a.array)
        x, y = a.array, b.array
        if x.dtype.kind == "b":
            x, y = x.astype("int64"), y.astype("int64")
        q = xp.floor_divide(x, y)  # exact for integers (a / b in floats is not)
        if rounding_mode == "trunc":
            if q.dtype.kind == "f":
                q = xp.trunc(x / y)
            else:  # floor rounds towards -inf: step back up where the signs differ
                q = q + ((q < 0) & (q * y != x))
        return type(a).from_node(q, None, 0)
    if a.array.dtype.kind != "f":
        dtype = backend.get_default_dtype()
        a, b = a.type(dtype), b.type(dtype)
    return Div()(a, b)


def neg(x):
    """-x."""
    return Neg()(x)


def pow(x, exponent):  # noqa: A001 - torch.pow
    """x ** exponent elementwise; a number exponent takes the cheaper path.

    An integer tensor raised to a float power gives the default float dtype, as PyTorch.
    """
    if isinstance(x, Tensor) and isinstance(exponent, (int, float, numpy.number)) \
            and not isinstance(exponent, numpy.complexfloating):
        # a NumPy scalar exponent would promote float32 to float64 (NumPy 2): use the number
        exponent = exponent.item() if isinstance(exponent, numpy.generic) else exponent
        if x.array.dtype.kind in "biu" and not isinstance(exponent, int):
            x = x.type(backend.get_default_dtype())
        return PowScalar(exponent)(x)
    return Pow()(*operands(x, exponent))


def rsub(a, b):
    """b - a (for ``number - tensor``)."""
    return sub(b, a)


def rdiv(a, b):
    """b / a (for ``number / tensor``)."""
    return div(b, a)


def rfloordiv(a, b):
    """b // a (for ``number // tensor``)."""
    return div(b, a, rounding_mode="floor")


def rpow(a, b):
    """b ** a (for ``number ** tensor``)."""
    return pow(*operands(b, a))
