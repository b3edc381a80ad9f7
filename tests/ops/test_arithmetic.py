"""add, sub, mul, div, pow, neg (and the operators) through the shared harness, plus the
dtype promotion rules of binary ops against PyTorch."""

import numpy
import pytest

import shenjing as sj

from .harness import OpInfo, S, away_from, op_tests, positive, torch_ref as T

# binary samples: equal shapes, broadcasting both ways, size-1 dims and 0-d operands
BINARY = [S((3, 4), (3, 4)), S((3, 4), (4,)), S((2, 1, 4), (3, 1)), S((), (2, 3)),
          S((2, 3), ()), S((1,), (3, 1)), S((), ())]

nonzero = away_from(0.0, margin=0.3)


def base_then_exponent(rng, shape, position):
    """Positive bases (position 0) and normal exponents (position 1) for a ** b."""
    return positive(rng, shape) if position == 0 else rng.standard_normal(shape)


TABLE = [
    OpInfo("add", sj.add, T.add, BINARY),
    OpInfo("add_alpha", sj.add, T.add, [S((3, 4), (4,), alpha=2.5), S((2, 3), (), alpha=-1)]),
    OpInfo("add_operator", lambda a, b: a + b, lambda a, b: a + b, BINARY[:3]),
    OpInfo("add_scalar", lambda a: a + 2.5, lambda a: a + 2.5, [S((3, 4)), S(())]),
    OpInfo("radd_scalar", lambda a: 2 + a, lambda a: 2 + a, [S((3, 4))]),
    OpInfo("sub", sj.sub, T.sub, BINARY),
    OpInfo("sub_alpha", sj.sub, T.sub, [S((3, 4), (3, 1), alpha=0.5)]),
    OpInfo("sub_operator", lambda a, b: a - b, lambda a, b: a - b, BINARY[:3]),
    OpInfo("rsub_scalar", lambda a: 3.0 - a, lambda a: 3.0 - a, [S((3, 4)), S(())]),
    OpInfo("mul", sj.mul, T.mul, BINARY),
    OpInfo("mul_operator", lambda a, b: a * b, lambda a, b: a * b, BINARY[:3]),
    OpInfo("mul_scalar", lambda a: a * -1.5, lambda a: a * -1.5, [S((3, 4))]),
    OpInfo("rmul_scalar", lambda a: 3 * a, lambda a: 3 * a, [S((2, 3))]),
    OpInfo("mul_self", lambda a: a * a, lambda a: a * a, [S((3, 4))]),
    OpInfo("div", sj.div, T.div, BINARY, gen=nonzero),
    OpInfo("div_operator", lambda a, b: a / b, lambda a, b: a / b, BINARY[:3], gen=nonzero),
    OpInfo("div_scalar", lambda a: a / 4, lambda a: a / 4, [S((3, 4))]),
    OpInfo("rdiv_scalar", lambda a: 2.0 / a, lambda a: 2.0 / a, [S((3, 4)), S(())], gen=nonzero),
    OpInfo("pow_scalar", sj.pow, T.pow,
           [S((3, 4), 2), S((3, 4), 3), S((3, 4), 0.5), S((3, 4), -1.5), S((2, 3), 1),
            S((2, 3), 0), S((), 2.5)], gen=positive),
    OpInfo("pow_scalar_negative_base", lambda a, p: a ** p, lambda a, p: a ** p,
           [S((3, 4), 2), S((3, 4), 3), S((2, 3), -1), S((2, 3), 0)], gen=nonzero),
    OpInfo("pow_tensor", sj.pow, T.pow, BINARY, gen=base_then_exponent),
    OpInfo("pow_operator", lambda a, b: a ** b, lambda a, b: a ** b, BINARY[:3],
           gen=base_then_exponent),
    OpInfo("rpow_scalar", lambda a: 2.0 ** a, lambda a: 2.0 ** a, [S((3, 4)), S(())]),
    OpInfo("neg", sj.neg, T.neg, [S((3, 4)), S(()), S((2, 1, 3))]),
    OpInfo("neg_operator", lambda a: -a, lambda a: -a, [S((3, 4))]),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


# ---------------------------------------------------------------- dtype promotion

DTYPES = ["float32", "float64", "int64", "int32", "bool"]


# torch refuses subtraction with a bool tensor, so those pairs are left out
PAIRS = [(op, da, db) for op in ["add", "sub", "mul", "div", "maximum", "minimum"]
         for da in DTYPES for db in DTYPES if not (op == "sub" and "bool" in (da, db))]


@pytest.mark.parametrize("op,da,db", PAIRS)
def test_promotion_matches_torch(op, da, db):
    torch = pytest.importorskip("torch")
    a = numpy.array([[1, 0, 3]]).astype(da)
    b = numpy.array([[2], [1]]).astype(db)
    ours = getattr(sj, op)(sj.tensor(a), sj.tensor(b))
    theirs = getattr(torch, op)(torch.from_numpy(a), torch.from_numpy(b))
    assert ours.dtype == theirs.numpy().dtype
    numpy.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES[:4])
@pytest.mark.parametrize("scalar", [2, 2.5, True])
@pytest.mark.parametrize("op", ["add", "mul", "div", "pow"])
def test_scalar_promotion_matches_torch(op, dtype, scalar):
    torch = pytest.importorskip("torch")
    a = numpy.array([1, 2, 3]).astype(dtype)
    ours = getattr(sj, op)(sj.tensor(a), scalar)
    theirs = getattr(torch, op)(torch.from_numpy(a), scalar)
    assert ours.dtype == theirs.numpy().dtype
    numpy.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6)


def test_numpy_scalars_do_not_upcast_float32():
    x = sj.ones(3, requires_grad=True)
    for y in (x ** numpy.float64(2.0), x * numpy.float64(2.0), x + numpy.float64(1.0),
              x / numpy.float64(2.0), numpy.float64(2.0) * x, x ** numpy.int64(2)):
        assert y.dtype == numpy.float32
        y.sum().backward()
        assert x.grad.dtype == numpy.float32


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_div_rounding_mode(mode):
    torch = pytest.importorskip("torch")
    for a, b in ((numpy.array([7, -7, 9, -9, 2 ** 60 + 1]), numpy.array([2, 2, -4, -4, 3])),
                 (numpy.array([7.5, -7.5, 1.0]), numpy.array([2.0, 2.0, -0.3]))):
        ours = sj.div(sj.tensor(a), sj.tensor(b), rounding_mode=mode)
        theirs = torch.div(torch.from_numpy(a), torch.from_numpy(b), rounding_mode=mode)
        assert ours.dtype == theirs.numpy().dtype
        numpy.testing.assert_array_equal(ours.array, theirs.numpy())


def test_floordiv_and_mod_operators():
    torch = pytest.importorskip("torch")
    a, b = numpy.array([7.0, -7.0, 5.5]), numpy.array([2.0, 3.0, -2.0])
    numpy.testing.assert_array_equal((sj.tensor(a) // sj.tensor(b)).array,
                                     (torch.from_numpy(a) // torch.from_numpy(b)).numpy())
    numpy.testing.assert_allclose((sj.tensor(a) % sj.tensor(b)).array,
                                  (torch.from_numpy(a) % torch.from_numpy(b)).numpy())
    numpy.testing.assert_array_equal((7 // sj.tensor(b)).array, (7 // torch.from_numpy(b)).numpy())


def test_integer_tensor_to_float_power():
    torch = pytest.importorskip("torch")
    a = numpy.array([1, 4, 9])
    for p in (0.5, -1.0, 2):
        ours, theirs = sj.tensor(a) ** p, torch.from_numpy(a) ** p
        assert ours.dtype == theirs.numpy().dtype
        numpy.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("p", [0, 1, 2, 3, 0.5, -1])
def test_pow_scalar_gradient_at_zero_matches_torch(p):
    torch = pytest.importorskip("torch")
    a = numpy.array([0.0, 0.0, 1.5, -2.0])
    x, tx = sj.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    with numpy.errstate(all="ignore"):
        (x ** p).sum().backward()
    (tx ** p).sum().backward()
    numpy.testing.assert_allclose(x.grad.array, tx.grad.numpy(), equal_nan=True)


def test_pow_tensor_gradient_at_zero_matches_torch():
    torch = pytest.importorskip("torch")
    a = numpy.array([0.0, 0.0, 0.0, 2.0, -2.0])
    b = numpy.array([0.0, 2.0, 0.5, 0.0, 2.0])
    x, y = sj.tensor(a, requires_grad=True), sj.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (x ** y).sum().backward()
    (tx ** ty).sum().backward()
    numpy.testing.assert_allclose(x.grad.array, tx.grad.numpy(), equal_nan=True)
    numpy.testing.assert_allclose(y.grad.array, ty.grad.numpy(), equal_nan=True)
