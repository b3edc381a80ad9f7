"""exp, log, log1p, sqrt, rsqrt, abs, sin, cos, clamp, maximum, minimum, where and the
gradient-free rounding and predicates, through the shared harness."""

import numpy
import pytest

import shenjing as sj

from .harness import OpInfo, S, away_from, distinct, mask, op_tests, positive, uniform, torch_ref as T

UNARY = [S((3, 4)), S(()), S((2, 1, 3))]
BINARY = [S((3, 4), (3, 4)), S((3, 4), (4,)), S((2, 1, 4), (3, 1)), S((), (2, 3)), S((2, 3), ())]

TABLE = [
    OpInfo("exp", sj.exp, T.exp, UNARY),
    OpInfo("log", sj.log, T.log, UNARY, gen=positive),
    OpInfo("log1p", sj.log1p, T.log1p, UNARY, gen=uniform(-0.5, 2.0)),
    OpInfo("sqrt", sj.sqrt, T.sqrt, UNARY, gen=positive),
    OpInfo("rsqrt", sj.rsqrt, T.rsqrt, UNARY, gen=positive),
    OpInfo("abs", sj.abs, T.abs, UNARY, gen=away_from(0.0)),
    OpInfo("abs_operator", abs, abs, UNARY[:1], gen=away_from(0.0)),
    OpInfo("sin", sj.sin, T.sin, UNARY),
    OpInfo("cos", sj.cos, T.cos, UNARY),
    OpInfo("clamp", sj.clamp, T.clamp,
           [S((3, 4), min=-0.5), S((3, 4), max=0.5), S((3, 4), min=-0.5, max=0.5), S((), min=0.2),
            S((2, 3), min=0.5, max=-0.5)],
           gen=away_from(-0.5, 0.5, 0.2)),
    OpInfo("clip", sj.clip, T.clip, [S((3, 4), -0.5, 0.5)], gen=away_from(-0.5, 0.5)),
    OpInfo("clamp_method", lambda x, **k: x.clamp(**k), lambda x, **k: x.clamp(**k),
           [S((3, 4), min=-0.5, max=0.5)], gen=away_from(-0.5, 0.5)),
    OpInfo("clamp_tensor_bounds", sj.clamp, T.clamp,
           [S((3, 4), (4,), (3, 1)), S((3, 4), (), ())], gen=distinct),
    OpInfo("clamp_min", sj.clamp_min, T.clamp_min, [S((3, 4), 0.2)], gen=away_from(0.2)),
    OpInfo("clamp_max", sj.clamp_max, T.clamp_max, [S((3, 4), -0.2)], gen=away_from(-0.2)),
    OpInfo("clamp_min_method", lambda x, v: x.clamp_min(v), lambda x, v: x.clamp_min(v),
           [S((3, 4), 0.0)], gen=away_from(0.0)),
    OpInfo("square", sj.square, T.square, UNARY),
    OpInfo("square_method", lambda x: x.square(), lambda x: x.square(), [S((3,))]),
    OpInfo("reciprocal", sj.reciprocal, T.reciprocal, UNARY, gen=away_from(0.0, margin=0.3)),
    OpInfo("reciprocal_method", lambda x: x.reciprocal(), lambda x: x.reciprocal(), [S((3,))],
           gen=positive),
    OpInfo("maximum", sj.maximum, T.maximum, BINARY, gen=distinct),
    OpInfo("minimum", sj.minimum, T.minimum, BINARY, gen=distinct),
    OpInfo("where", sj.where, T.where,
           [S(mask((3, 4)), (3, 4), (3, 4)), S(mask((3, 1)), (4,), (3, 4)),
            S(mask((2, 3, 4)), (3, 1), ()), S(mask(()), (2, 3), (2, 3))]),
    OpInfo("where_scalar", lambda c, x: sj.where(c, x, 0.0), lambda c, x: T.where(c, x, 0.0),
           [S(mask((3, 4)), (3, 4))]),
    OpInfo("where_method", lambda x, c, y: x.where(c, y), lambda x, c, y: x.where(c, y),
           [S((3, 4), mask((3, 4)), (4,))]),
    OpInfo("sign", sj.sign, T.sign, [S((3, 4))], grad=False, gen=away_from(0.0)),
    OpInfo("floor", sj.floor, T.floor, [S((3, 4))], grad=False),
    OpInfo("ceil", sj.ceil, T.ceil, [S((3, 4))], grad=False),
    OpInfo("round", sj.round, T.round, [S(numpy.array([0.5, 1.5, 2.5, -0.5, -1.4, 2.6]))],
           grad=False),
    OpInfo("isnan", sj.isnan, T.isnan, [S(numpy.array([0.0, numpy.nan, numpy.inf]))], grad=False),
    OpInfo("isinf", sj.isinf, T.isinf, [S(numpy.array([0.0, numpy.nan, -numpy.inf]))], grad=False),
    OpInfo("isfinite", sj.isfinite, T.isfinite, [S(numpy.array([0.0, numpy.nan, numpy.inf]))],
           grad=False),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


@pytest.mark.parametrize("name", ["exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "erf",
                                  "sigmoid", "tanh", "reciprocal"])
def test_integer_input_gives_default_float_like_torch(name):
    torch = pytest.importorskip("torch")
    a = numpy.array([1, 2, 3])
    ours = getattr(sj, name)(sj.tensor(a))
    theirs = getattr(torch, name)(torch.from_numpy(a))
    assert ours.dtype == theirs.numpy().dtype
    numpy.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["abs", "sign", "floor", "ceil", "round", "neg", "square"])
def test_integer_input_keeps_integer_dtype_like_torch(name):
    torch = pytest.importorskip("torch")
    a = numpy.array([-2, 0, 3])
    ours = getattr(sj, name)(sj.tensor(a))
    theirs = getattr(torch, name)(torch.from_numpy(a))
    assert ours.dtype == theirs.numpy().dtype
    numpy.testing.assert_array_equal(ours.array, theirs.numpy())


def test_clamp_numpy_scalar_bounds_keep_float32():
    x = sj.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    y = sj.clamp(x, numpy.float64(-0.5), numpy.float64(0.5))
    assert y.dtype == numpy.float32
    y.sum().backward()
    assert x.grad.dtype == numpy.float32


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp"):
        sj.clamp(sj.ones(2))


def test_maximum_ties_split_the_gradient_like_torch():
    torch = pytest.importorskip("torch")
    a, b = numpy.array([1.0, 2.0, 3.0]), numpy.array([1.0, 1.0, 4.0])
    x, y = sj.tensor(a, requires_grad=True), sj.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    for ours, theirs in ((sj.maximum, torch.maximum), (sj.minimum, torch.minimum)):
        x.grad = y.grad = tx.grad = ty.grad = None
        ours(x, y).sum().backward()
        theirs(tx, ty).sum().backward()
        numpy.testing.assert_array_equal(x.grad.array, tx.grad.numpy())
        numpy.testing.assert_array_equal(y.grad.array, ty.grad.numpy())


def test_where_accepts_a_nonbool_condition():
    out = sj.where(sj.tensor([1, 0, 2]), sj.tensor([1.0, 2.0, 3.0]), -1.0)
    numpy.testing.assert_array_equal(out.array, [1.0, -1.0, 3.0])
