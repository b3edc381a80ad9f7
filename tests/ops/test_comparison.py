"""Comparisons and logic (bool results, no gradient) through the shared harness, and
allclose/equal/isclose."""

import operator

import numpy
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError

from .harness import OpInfo, S, mask, op_tests, torch_ref as T


def rounded(rng, shape, position=0):
    """Values in {-1, -0.5, 0, 0.5, 1}: plenty of equal pairs for == and <=."""
    return rng.integers(-2, 3, shape) / 2


BINARY = [S((3, 4), (3, 4)), S((3, 4), (4,)), S((2, 1, 4), (3, 1)), S((), (2, 3))]
TABLE = []
for name, op in (("eq", operator.eq), ("ne", operator.ne), ("lt", operator.lt),
                 ("le", operator.le), ("gt", operator.gt), ("ge", operator.ge)):
    TABLE += [
        OpInfo(name, getattr(sj, name), getattr(T, name), BINARY, grad=False, gen=rounded),
        OpInfo(f"{name}_operator", op, op, BINARY[:2], grad=False, gen=rounded),
        OpInfo(f"{name}_scalar", lambda x, op=op: op(x, 0.5), lambda x, op=op: op(x, 0.5), [S((3, 4))],
               grad=False, gen=rounded),
        OpInfo(f"{name}_method", lambda x, y, name=name: getattr(x, name)(y),
               lambda x, y, name=name: getattr(x, name)(y), [S((3, 4), (4,))], grad=False, gen=rounded),
    ]
TABLE += [
    OpInfo("logical_and", sj.logical_and, T.logical_and,
           [S(mask((3, 4)), mask((3, 4))), S(mask((3, 4)), mask((4,))), S((3, 4), (3, 4))],
           grad=False, gen=rounded),
    OpInfo("logical_or", sj.logical_or, T.logical_or, [S(mask((3, 4)), mask((3, 1))), S((3, 4), (4,))],
           grad=False, gen=rounded),
    OpInfo("logical_xor", sj.logical_xor, T.logical_xor, [S(mask((3, 4)), mask((3, 4)))], grad=False),
    OpInfo("logical_not", sj.logical_not, T.logical_not, [S(mask((3, 4))), S((3, 4))], grad=False,
           gen=rounded),
    OpInfo("and_operator", operator.and_, operator.and_, [S(mask((3, 4)), mask((4,)))], grad=False),
    OpInfo("or_operator", operator.or_, operator.or_, [S(mask((3, 4)), mask((4,)))], grad=False),
    OpInfo("xor_operator", operator.xor, operator.xor, [S(mask((3, 4)), mask((4,)))], grad=False),
    OpInfo("invert_operator", operator.invert, operator.invert,
           [S(mask((3, 4))), S(numpy.array([0, 5, -3]))], grad=False),
    OpInfo("isclose", sj.isclose, T.isclose,
           [S((3, 4), (3, 4)), S((3, 4), (4,), rtol=0.5, atol=0.1)], grad=False, gen=rounded),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_allclose_and_equal_give_python_bools():
    a = sj.tensor([1.0, 2.0])
    assert sj.allclose(a, a + 1e-9) is True
    assert sj.allclose(a, a + 1.0) is False
    assert sj.equal(a, sj.tensor([1.0, 2.0])) is True
    assert sj.equal(a, sj.tensor([1.0, 2.0, 3.0])) is False
    assert a.allclose(a) and a.equal(a)


def test_comparisons_carry_no_gradient():
    x = sj.ones(3, requires_grad=True)
    y = x > 0.5
    assert y.dtype == numpy.bool_ and not y.requires_grad


def test_comparison_shape_mismatch_names_op_and_shapes():
    with pytest.raises(ShapeError, match=r"lt.*\(2, 3\).*\(4,\)"):
        sj.lt(sj.ones(2, 3), sj.ones(4))
