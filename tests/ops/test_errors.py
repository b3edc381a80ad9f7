"""Shape mismatches raise ``ShapeError`` naming the op and both shapes, never a bare NumPy
broadcast message."""

import re

import pytest

import shenjing as sj
from shenjing.autograd import ShapeError


def _shape(shape):
    return re.escape(str(tuple(shape)))


BINARY = {
    "add": sj.add, "sub": sj.sub, "mul": sj.mul, "div": sj.div, "pow": sj.pow,
    "maximum": sj.maximum, "minimum": sj.minimum,
    "add_operator": lambda a, b: a + b, "sub_operator": lambda a, b: a - b,
    "mul_operator": lambda a, b: a * b, "div_operator": lambda a, b: a / b,
    "pow_operator": lambda a, b: a ** b,
    "where": lambda a, b: sj.where(sj.ones(1).bool(), a, b),
    "eq": sj.eq, "lt": sj.lt, "ge": sj.ge, "logical_and": sj.logical_and,
}


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("shapes", [((2, 3), (4,)), ((2, 3), (3, 2)), ((5, 1, 3), (4, 2))])
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_shape_mismatch(name, shapes, requires_grad):
    sa, sb = shapes
    a = sj.ones(*sa, requires_grad=requires_grad)
    b = sj.ones(*sb, dtype=sj.float64)  # a dtype cast on the way must not hide the shapes
    with pytest.raises(ShapeError) as info:
        BINARY[name](a, b)
    message = str(info.value)
    op = name.split("_operator")[0]
    assert op.lower() in message.lower(), message
    assert str(tuple(sa)) in message and str(tuple(sb)) in message, message
    assert not message.startswith("operands could not"), message


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3, 4), (5, 4, 2)),
                                   ((2, 3, 4), (3, 4, 2)), ((4,), (2, 5, 3)), ((), (3,))])
def test_matmul_shape_mismatch(sa, sb):
    with pytest.raises(ShapeError, match=rf"(?i)matmul.*{_shape(sa)}.*{_shape(sb)}"):
        sj.matmul(sj.ones(*sa), sj.ones(*sb))
    with pytest.raises(ShapeError, match=r"(?i)matmul"):
        sj.ones(*sa) @ sj.ones(*sb)


def test_linear_shape_mismatch():
    with pytest.raises(ShapeError, match=r"linear.*\(2, 5\).*\(3, 4\)"):
        sj.linear(sj.ones(2, 5), sj.ones(3, 4))
    with pytest.raises(ShapeError, match=r"linear.*\(3,\).*\(4,\)"):
        sj.linear(sj.ones(2, 4), sj.ones(3, 4), sj.ones(4))
    with pytest.raises(ShapeError, match=r"linear.*\(3, 4, 1\)"):
        sj.linear(sj.ones(2, 4), sj.ones(3, 4, 1))


def test_cat_shape_mismatch():
    with pytest.raises(ShapeError, match=r"cat.*\(2, 4\).*\(2, 3\)"):
        sj.cat([sj.ones(2, 3), sj.ones(2, 4)])
    with pytest.raises(ShapeError, match=r"cat.*\(2, 3, 1\).*\(2, 3\)"):
        sj.cat([sj.ones(2, 3), sj.ones(2, 3, 1)], dim=1)
    with pytest.raises(ShapeError, match="cat"):
        sj.cat([])


def test_stack_shape_mismatch():
    with pytest.raises(ShapeError, match=r"stack.*\(3, 2\).*\(2, 3\)"):
        sj.stack([sj.ones(2, 3), sj.ones(3, 2)])
    with pytest.raises(ShapeError, match="stack"):
        sj.stack([])


def test_broadcast_to_and_expand_mismatch():
    with pytest.raises(ShapeError, match=r"broadcast_to.*\(3,\).*\(2, 4\)"):
        sj.broadcast_to(sj.ones(3), (2, 4))
    with pytest.raises(ShapeError, match=r"expand.*\(3, 2\).*\(3, 4\)"):
        sj.ones(3, 2).expand(3, 4)


def test_where_condition_mismatch_names_its_shape():
    with pytest.raises(ShapeError, match=r"where.*\(5,\).*\(2, 3\)"):
        sj.where(sj.ones(5).bool(), sj.ones(2, 3), sj.ones(2, 3))


def test_shape_error_is_a_value_error():
    # code that catches ValueError (as it would for NumPy) still catches it
    with pytest.raises(ValueError):
        sj.ones(2) + sj.ones(3)
