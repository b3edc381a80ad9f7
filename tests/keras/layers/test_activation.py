"""Keras's activation layers (keras/layers/activation.py) against torch.nn.functional and
Keras's formulas, with gradients, configs and errors."""

import numpy
import pytest

import shenjing
from shenjing.keras.layers.activation import ELU, LeakyReLU, ReLU, Softmax


def run(layer, x, upstream, **kwargs):
    xt = shenjing.tensor(x, requires_grad=True)
    y = layer(xt, **kwargs)
    (y * shenjing.tensor(upstream)).sum().backward()
    return y.numpy(), xt.grad.numpy()


def torch_run(torch, fn, x, upstream):
    xt = torch.tensor(x, requires_grad=True)
    y = fn(xt)
    (y * torch.tensor(upstream)).sum().backward()
    return y.detach().numpy(), xt.grad.numpy()


CASES = [
    (lambda: ReLU(), lambda F, x: F.relu(x)),
    (lambda: ReLU(max_value=1.0), lambda F, x: x.clamp(0, 1)),
    (lambda: ReLU(negative_slope=0.1), lambda F, x: F.leaky_relu(x, 0.1)),
    (lambda: ReLU(max_value=1.5, negative_slope=0.2, threshold=0.5),
     lambda F, x: (x * (x > 0.5)).clamp(0, 1.5) - 0.2 * F.relu(0.5 - x)),
    (lambda: LeakyReLU(), lambda F, x: F.leaky_relu(x, 0.3)),
    (lambda: ELU(0.7), lambda F, x: F.elu(x, 0.7)),
    (lambda: Softmax(), lambda F, x: F.softmax(x, -1)),
    (lambda: Softmax(axis=1), lambda F, x: F.softmax(x, 1)),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_matches_torch(case):
    torch = pytest.importorskip("torch")
    make, reference = CASES[case]
    rng = numpy.random.default_rng(case)
    x = rng.uniform(-2, 2, (3, 4, 5)).astype("float32")
    upstream = rng.standard_normal(x.shape).astype("float32")
    y, gx = run(make(), x, upstream)
    ry, rgx = torch_run(torch, lambda t: reference(torch.nn.functional, t), x, upstream)
    numpy.testing.assert_allclose(y, ry, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(gx, rgx, rtol=1e-5, atol=1e-6)


def test_leaky_relu_default_slope_is_keras_03():
    assert LeakyReLU().negative_slope == 0.3
    assert LeakyReLU(alpha=0.2).negative_slope == 0.2
    numpy.testing.assert_allclose(LeakyReLU()(numpy.array([-1.0, 2.0])).numpy(), [-0.3, 2.0])


def test_masked_softmax_along_an_inner_axis():
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(9)
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    mask = rng.random((2, 5, 3)) > 0.3
    mask[:, 0] = True
    upstream = rng.standard_normal(x.shape).astype("float32")
    y, gx = run(Softmax(axis=1), x, upstream, mask=mask)
    ry, rgx = torch_run(torch, lambda t: torch.softmax(
        t.masked_fill(~torch.tensor(mask), -torch.inf), 1), x, upstream)
    numpy.testing.assert_allclose(y, ry, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(gx, rgx, rtol=1e-5, atol=1e-6)
    assert (y[~mask] == 0).all()


@pytest.mark.parametrize("layer", [ReLU(6.0, 0.1, 0.5), LeakyReLU(0.2), Softmax(1), ELU(0.5)])
def test_config_round_trip(layer):
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config
    x = numpy.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    numpy.testing.assert_array_equal(again(x).numpy(), layer(x).numpy())


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"r \(ReLU\): max_value"):
        ReLU(max_value=-1, name="r")
    with pytest.raises(ValueError, match=r"s \(Softmax\): axis 3 .*\(2, 3\)"):
        Softmax(axis=3, name="s")(numpy.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"s2 \(Softmax\): mask of shape \(4,\)"):
        Softmax(name="s2")(numpy.ones((2, 3), "float32"), mask=numpy.ones(4, bool))
