"""Comparisons and logic: ==, !=, <, <=, >, >=, and/or/not.  They give bool tensors and
carry no gradient (a step function has derivative zero wherever it has one)."""

from .. import backend
from ..autograd.tensor import Tensor
from ._helpers import operands


def _compare(name, fn, doc):
    def op(a, b):
        a, b = operands(a, b)
        try:
            return Tensor.from_node(fn(a.array, b.array), None, 0)
        except ValueError as e:
            from ..autograd.function import ShapeError
            raise ShapeError(f"{name}: shapes {a.shape} and {b.shape} do not broadcast: {e}") from None
    op.__name__ = name
    op.__doc__ = doc
    return op


eq = _compare("eq", lambda a, b: a == b, "a == b elementwise.")
ne = _compare("ne", lambda a, b: a != b, "a != b elementwise.")
lt = _compare("lt", lambda a, b: a < b, "a < b elementwise.")
le = _compare("le", lambda a, b: a <= b, "a <= b elementwise.")
gt = _compare("gt", lambda a, b: a > b, "a > b elementwise.")
ge = _compare("ge", lambda a, b: a >= b, "a >= b elementwise.")
logical_and = _compare("logical_and", lambda a, b: (a != 0) & (b != 0), "a and b elementwise.")
logical_or = _compare("logical_or", lambda a, b: (a != 0) | (b != 0), "a or b elementwise.")
logical_xor = _compare("logical_xor", lambda a, b: (a != 0) ^ (b != 0), "a xor b elementwise.")


def logical_not(x):
    """not x elementwise."""
    return Tensor.from_node(x.array == 0, None, 0)


def invert(x):
    """~x: logical not for bools, bitwise not for ints."""
    return Tensor.from_node(~x.array, None, 0)


def equal(a, b):
    """True if a and b have the same shape and elements."""
    return a.shape == b.shape and bool((a.array == b.array).all())


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if |a - b| <= atol + rtol |b| everywhere."""
    a, b = operands(a, b)
    return bool(backend.array_module(a.array).allclose(a.array, b.array, rtol, atol, equal_nan))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol |b| elementwise."""
    a, b = operands(a, b)
    return Tensor.from_node(backend.array_module(a.array).isclose(a.array, b.array, rtol, atol,
                                                                  equal_nan), None, 0)
