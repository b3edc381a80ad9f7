"""Activations through the shared harness: relu and its relatives, gelu (exact and tanh),
silu, mish, softplus, sigmoid, tanh, hardtanh, hardsigmoid, hardswish, softmax, log_softmax,
logsigmoid, softsign."""

import numpy
import pytest

import shenjing as sj

from .harness import OpInfo, S, away_from, op_tests, torch_ref as T

F = T.nn.functional
UNARY = [S((3, 4)), S(()), S((2, 1, 3))]


def wide(rng, shape, position=0):
    """Normal values times 4: both tails of the saturating activations get exercised."""
    return 4 * rng.standard_normal(shape)


def very_wide(rng, shape, position=0):
    """Values out to +-40, past the thresholds of the stable formulas."""
    return rng.uniform(-40, 40, shape)


SOFTMAX = [S((3, 4)), S((3, 4), dim=0), S((2, 3, 4), dim=1), S((5,), dim=0), S((2, 3, 4), dim=-1),
           S((), dim=0)]

TABLE = [
    OpInfo("relu", sj.relu, T.relu, UNARY, gen=away_from(0.0)),
    OpInfo("relu_method", lambda x: x.relu(), lambda x: x.relu(), [S((3, 4))], gen=away_from(0.0)),
    OpInfo("leaky_relu", sj.leaky_relu, F.leaky_relu,
           UNARY + [S((3, 4), 0.2), S((3, 4), negative_slope=-0.5)], gen=away_from(0.0)),
    OpInfo("elu", sj.elu, F.elu, UNARY + [S((3, 4), alpha=0.5), S((3, 4), alpha=2.0)],
           gen=away_from(0.0)),
    OpInfo("selu", sj.selu, F.selu, UNARY, gen=away_from(0.0)),
    OpInfo("gelu", sj.gelu, F.gelu, UNARY + [S((3, 4), approximate="none")], gen=wide),
    OpInfo("gelu_tanh", sj.gelu, F.gelu, [S((3, 4), approximate="tanh"), S((), approximate="tanh")],
           gen=wide),
    OpInfo("silu", sj.silu, F.silu, UNARY, gen=wide),
    OpInfo("swish", sj.swish, F.silu, [S((3, 4))], gen=wide),
    OpInfo("mish", sj.mish, F.mish, UNARY, gen=wide),
    OpInfo("softplus", sj.softplus, F.softplus, UNARY, gen=wide),
    OpInfo("softplus_beta", sj.softplus, F.softplus,
           [S((3, 4), beta=2.0), S((3, 4), beta=2.0, threshold=1.0), S((3, 4), beta=0.5, threshold=0.2)],
           gen=away_from(0.4, 0.5, margin=0.05)),
    OpInfo("softplus_large", sj.softplus, F.softplus, [S((4, 5))], gen=very_wide),
    OpInfo("sigmoid", sj.sigmoid, T.sigmoid, UNARY, gen=wide),
    OpInfo("sigmoid_large", sj.sigmoid, T.sigmoid, [S((4, 5))], gen=very_wide),
    OpInfo("sigmoid_method", lambda x: x.sigmoid(), lambda x: x.sigmoid(), [S((3,))]),
    OpInfo("tanh", sj.tanh, T.tanh, UNARY, gen=lambda rng, shape, i: 2 * rng.standard_normal(shape)),
    OpInfo("tanh_method", lambda x: x.tanh(), lambda x: x.tanh(), [S((3,))]),
    OpInfo("hardtanh", sj.hardtanh, F.hardtanh,
           UNARY + [S((3, 4), min_val=-0.5, max_val=2.0), S((3, 4), -2.0, 0.5)],
           gen=away_from(-2.0, -1.0, -0.5, 0.5, 1.0, 2.0, margin=0.05, scale=2)),
    OpInfo("relu6", sj.relu6, F.relu6, UNARY + [S((4, 5))],
           gen=away_from(0.0, 6.0, scale=4, center=3)),
    OpInfo("hardsigmoid", sj.hardsigmoid, F.hardsigmoid, UNARY + [S((4, 5))],
           gen=away_from(-3.0, 3.0, scale=3)),
    OpInfo("hardswish", sj.hardswish, F.hardswish, UNARY + [S((4, 5))],
           gen=away_from(-3.0, 3.0, scale=3)),
    OpInfo("softmax", sj.softmax, lambda x, dim=-1: F.softmax(x, dim), SOFTMAX, gen=wide),
    OpInfo("softmax_method", lambda x, dim: x.softmax(dim), lambda x, dim: x.softmax(dim),
           [S((3, 4), 1)]),
    OpInfo("log_softmax", sj.log_softmax, lambda x, dim=-1: F.log_softmax(x, dim), SOFTMAX, gen=wide),
    OpInfo("log_softmax_large", sj.log_softmax, F.log_softmax, [S((3, 4), dim=1)], gen=very_wide),
    OpInfo("log_softmax_method", lambda x, dim: x.log_softmax(dim),
           lambda x, dim: x.log_softmax(dim), [S((3, 4), 0)]),
    OpInfo("logsigmoid", sj.logsigmoid, F.logsigmoid, UNARY, gen=wide),
    OpInfo("logsigmoid_large", sj.logsigmoid, F.logsigmoid, [S((4, 5))], gen=very_wide),
    OpInfo("softsign", sj.softsign, F.softsign, UNARY, gen=away_from(0.0, scale=2)),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_softmax_rows_sum_to_one_for_huge_inputs():
    x = sj.tensor([[1000.0, 1000.0, -1000.0], [-1e4, 0.0, 1e4]])
    y = sj.softmax(x, dim=1)
    assert numpy.isfinite(y.array).all()
    numpy.testing.assert_allclose(y.array.sum(1), 1.0, rtol=1e-6)
    assert numpy.isfinite(sj.log_softmax(x, dim=1).array).all()


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="gelu"):
        sj.gelu(sj.ones(2), approximate="erf")


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish",
                                  "softplus", "sigmoid", "tanh", "hardtanh", "relu6", "logsigmoid",
                                  "softsign", "hardsigmoid", "hardswish"])
def test_numpy_scalar_arguments_keep_float32(name):
    kwargs = {"leaky_relu": {"negative_slope": numpy.float64(0.1)},
              "elu": {"alpha": numpy.float64(0.5)},
              "softplus": {"beta": numpy.float64(2.0), "threshold": numpy.float64(5.0)},
              "hardtanh": {"min_val": numpy.float64(-0.5), "max_val": numpy.float64(0.5)}}
    x = sj.tensor([-2.0, -0.3, 0.7, 3.0], requires_grad=True)
    y = getattr(sj, name)(x, **kwargs.get(name, {}))
    assert y.dtype == numpy.float32
    y.sum().backward()
    assert x.grad.dtype == numpy.float32


def test_hard_activations_match_torch_at_their_kinks():
    torch = pytest.importorskip("torch")
    values = [-4.0, -3.0, -1.5, 0.0, 2.0, 3.0, 4.5]
    for name in ("hardsigmoid", "hardswish"):
        x = sj.tensor(values, dtype=sj.float64, requires_grad=True)
        xt = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        y, yt = getattr(sj, name)(x), getattr(torch.nn.functional, name)(xt)
        numpy.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        yt.sum().backward()
        # torch's hardsigmoid backward multiplies by float32(1/6) even in float64 (relative
        # 3e-8 off); ours is the exact 1/6, which gradcheck confirms
        numpy.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-7, err_msg=name)
    x = sj.tensor([-1.0, 2.0], dtype=sj.float64, requires_grad=True)
    sj.hardsigmoid(x).sum().backward()
    assert x.grad.tolist() == [1 / 6, 1 / 6]


@pytest.mark.parametrize("name", ["Hardswish", "Hardsigmoid"])
def test_hard_activation_modules_match_torch(name):
    torch = pytest.importorskip("torch")
    from tests.nn.parity import assert_parity
    x = numpy.random.default_rng(3).uniform(-5, 5, (4, 5))
    assert_parity(getattr(sj.nn, name)(inplace=False), getattr(torch.nn, name)(), x, "float64",
                  rtol=1e-7, atol=1e-12)
    assert "hard" + name[4:].lower() in sj.nn.functional.__all__


def test_hard_activations_accept_inplace_and_integers():
    x = sj.tensor([-5, 0, 1, 5])
    y = sj.hardswish(x, inplace=True)
    assert y.dtype == numpy.float32 and x.dtype == numpy.int64
    numpy.testing.assert_allclose(y.numpy(), [0.0, 0.0, 1 * 4 / 6, 5.0], rtol=1e-6)
    numpy.testing.assert_allclose(sj.hardsigmoid(x).numpy(), [0.0, 0.5, 4 / 6, 1.0], rtol=1e-6)
