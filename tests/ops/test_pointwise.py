"""More elementwise math through the shared harness: tan, atan, asin, acos, sinh, cosh,
expm1, atan2, log2, log10, exp2, trunc, frac, fmod, remainder, floor_divide, true_divide,
nan_to_num, lerp (functions and methods), and the in-place forms (``x.exp_()``, ...)."""

import numpy
import pytest

import shenjing as sj

from .harness import OpInfo, S, away_from, ints, op_tests, positive, uniform, torch_ref as T


def method(name):
    return lambda x, *a, **k: getattr(x, name)(*a, **k)


def unary(name, gen=None, shapes=((3, 4), (), (2, 3, 2))):
    samples = [S(s) for s in shapes]
    rows = [OpInfo(name, getattr(sj, name), getattr(T, name), samples, gen=gen),
            OpInfo(f"{name}_method", method(name), method(name), [S((3, 4))], gen=gen)]
    return rows


inside_one = uniform(-0.9, 0.9)
not_near_integers = away_from(*range(-6, 7), margin=0.05, scale=2.5)


def dividend_and_divisor(rng, shape, position=0):
    """Dividends in [-4, 4); divisors of magnitude 0.7 to 1.3 and either sign."""
    if position == 0:
        return rng.uniform(-4, 4, shape)
    return rng.choice([-1, 1], shape) * rng.uniform(0.7, 1.3, shape)


def with_specials(rng):
    x = rng.standard_normal((3, 4))
    x[0, 0], x[1, 1], x[2, 2] = numpy.nan, numpy.inf, -numpy.inf
    return x


TABLE = (
    unary("tan", uniform(-1.2, 1.2)) + unary("atan") + unary("asin", inside_one) +
    unary("acos", inside_one) + unary("sinh") + unary("cosh") + unary("expm1") +
    unary("log2", positive) + unary("log10", positive) + unary("exp2") +
    unary("frac", not_near_integers) +
    [
        OpInfo("trunc", sj.trunc, T.trunc, [S((3, 4)), S(ints(-5, 5, (4,)))], grad=False,
               gen=not_near_integers),
        OpInfo("trunc_method", method("trunc"), method("trunc"), [S((3, 4))], grad=False),
        OpInfo("atan2", sj.atan2, T.atan2, [S((3, 4), (3, 4)), S((3, 4), (4,)), S((2, 1), (1, 3))],
               gen=away_from(0.0, margin=0.2)),
        OpInfo("atan2_method", method("atan2"), method("atan2"), [S((3, 4), (3, 4))],
               gen=away_from(0.0, margin=0.2)),
        OpInfo("fmod", sj.fmod, T.fmod, [S((3, 4), (3, 4)), S((3, 4), 1.5), S((3, 4), (4,))],
               gen=dividend_and_divisor),
        OpInfo("remainder", sj.remainder, T.remainder,
               [S((3, 4), (3, 4)), S((3, 4), -1.5), S((3, 4), (1, 4))],
               gen=dividend_and_divisor),
        OpInfo("fmod_int", sj.fmod, T.fmod, [S(ints(-9, 9, (6,)), ints(1, 4, (6,)))], grad=False),
        OpInfo("remainder_method", method("remainder"), method("remainder"),
               [S(ints(-9, 9, (6,)), 4)], grad=False),
        OpInfo("fmod_method", method("fmod"), method("fmod"), [S((3, 4), 0.7)]),
        OpInfo("floor_divide", sj.floor_divide, T.floor_divide,
               [S((3, 4), (3, 4)), S(ints(-9, 9, (6,)), 4)], grad=False, gen=positive),
        OpInfo("floor_divide_method", method("floor_divide"), method("floor_divide"),
               [S(ints(-9, 9, (6,)), 3)], grad=False),
        OpInfo("true_divide", sj.true_divide, T.true_divide, [S((3, 4), (4,)), S((3, 4), 2.0)],
               gen=positive),
        OpInfo("true_divide_method", method("true_divide"), method("true_divide"),
               [S((3, 4), (3, 4))], gen=positive),
        OpInfo("nan_to_num", sj.nan_to_num, T.nan_to_num,
               [S(with_specials, 1.0, 5.0, -5.0), S(with_specials, posinf=2.0, neginf=-3.0)]),
        OpInfo("nan_to_num_defaults", sj.nan_to_num, T.nan_to_num,
               [S(with_specials), S(with_specials, posinf=2.0)],
               gradcheck_skip="the default replacement (the dtype's largest value, ~1e308) "
                              "swamps the finite differences of the other elements"),
        OpInfo("nan_to_num_method", method("nan_to_num"), method("nan_to_num"),
               [S(with_specials, nan=-1.0, posinf=1.0, neginf=-1.0)]),
        OpInfo("lerp", sj.lerp, T.lerp, [S((3, 4), (3, 4), 0.3), S((3, 4), (4,), (3, 1)),
                                         S((3, 4), (3, 4), (3, 4))]),
        OpInfo("lerp_method", method("lerp"), method("lerp"), [S((3, 4), (3, 4), 0.75)]),
    ]
)

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


INPLACE = [("abs_", ()), ("exp_", ()), ("log_", ()), ("sqrt_", ()), ("square_", ()),
           ("pow_", (3,)), ("sigmoid_", ()), ("relu_", ()), ("tanh_", ()), ("neg_", ())]


@pytest.mark.parametrize("name,args", INPLACE, ids=[n for n, _ in INPLACE])
def test_in_place_math_matches_torch(name, args):
    torch = pytest.importorskip("torch")
    values = numpy.random.default_rng(3).uniform(0.2, 2.0, (3, 4)) * [1, -1, 1, -1]
    if name in ("log_", "sqrt_"):
        values = numpy.abs(values)
    x = sj.tensor(values.copy())
    t = torch.tensor(values.copy())
    result = getattr(x, name)(*args)
    getattr(t, name)(*args)
    assert result is x
    numpy.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12)


def test_in_place_squeeze_and_unsqueeze_change_the_tensor_itself():
    x = sj.zeros(1, 3, 1)
    assert x.squeeze_() is x and x.shape == (3,)
    assert x.unsqueeze_(0) is x and x.shape == (1, 3)
    x.squeeze_(1)
    assert x.shape == (1, 3)


def test_in_place_math_refuses_a_leaf_that_requires_grad():
    w = sj.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="exp_: a leaf tensor that requires grad"):
        w.exp_()
    with sj.no_grad():
        w.exp_()
    numpy.testing.assert_allclose(w.detach().numpy(), numpy.e)


def test_fmod_and_remainder_signs():
    a, b = sj.tensor([-7.0, 7.0]), sj.tensor([3.0, -3.0])
    numpy.testing.assert_array_equal(sj.fmod(a, b).numpy(), [-1.0, 1.0])
    numpy.testing.assert_array_equal(sj.remainder(a, b).numpy(), [2.0, -2.0])
