"""Keras's GaussianNoise, GaussianDropout and AlphaDropout (keras/layers/noise.py): the
identity at inference, the right statistics in training, Keras 3's AlphaDropout formula
(checked against Keras on the same mask), gradients, seeds, configs and errors."""

import math

import numpy
import pytest

import shenjing
from shenjing import keras as sj
from shenjing.autograd.gradcheck import gradcheck
from shenjing.keras.layers import AlphaDropout, GaussianDropout, GaussianNoise
from tests.keras.oracle import keras3, to_numpy

def alpha_constants(rate):
    """Keras 3's AlphaDropout constants (alpha', a, b), written out independently."""
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    return alpha_p, a, -a * alpha_p * rate


def dropped(y, rate):
    """Where AlphaDropout dropped a unit: the output is a alpha' + b."""
    alpha_p, a, b = alpha_constants(rate)
    return numpy.isclose(y, a * alpha_p + b, rtol=0, atol=1e-6)


LAYERS = [lambda **kw: GaussianNoise(0.3, **kw), lambda **kw: GaussianDropout(0.2, **kw),
          lambda **kw: AlphaDropout(0.2, **kw)]


@pytest.mark.parametrize("make", LAYERS, ids=["gaussian_noise", "gaussian_dropout", "alpha"])
def test_identity_at_inference(make):
    layer = make()
    x = shenjing.randn(4, 5)
    assert layer(x) is not None
    numpy.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    numpy.testing.assert_array_equal(layer(x, training=False).numpy(), x.numpy())
    assert not numpy.array_equal(layer(x, training=True).numpy(), x.numpy())
    assert layer.compute_output_shape((None, 5)) == (None, 5)


@pytest.mark.parametrize("make", LAYERS, ids=["gaussian_noise", "gaussian_dropout", "alpha"])
def test_seed_reproducibility(make):
    x = shenjing.randn(3, 50)
    first, second = make(seed=7), make(seed=7)
    a1, a2 = first(x, training=True).numpy(), first(x, training=True).numpy()
    b1, b2 = second(x, training=True).numpy(), second(x, training=True).numpy()
    numpy.testing.assert_array_equal(a1, b1)
    numpy.testing.assert_array_equal(a2, b2)
    assert not numpy.array_equal(a1, a2)                  # the stream moves on call after call
    other = make(seed=8)(x, training=True).numpy()
    assert not numpy.array_equal(a1, other)


def test_gaussian_noise_statistics():
    x = shenjing.ones(400, 500) * 2.0
    y = GaussianNoise(0.5, seed=0)(x, training=True).numpy() - 2.0
    assert abs(y.mean()) < 0.005
    assert abs(y.std() - 0.5) < 0.005


def test_gaussian_dropout_statistics():
    rate = 0.3
    x = shenjing.ones(400, 500) * 3.0
    y = GaussianDropout(rate, seed=0)(x, training=True).numpy() / 3.0
    assert abs(y.mean() - 1.0) < 0.005
    assert abs(y.std() - math.sqrt(rate / (1 - rate))) < 0.005


@pytest.mark.parametrize("rate", [0.1, 0.3])
def test_alpha_dropout_keeps_selu_mean_and_variance(rate):
    # inputs of mean 0 and variance 1 (SELU's fixed point) keep them through AlphaDropout
    x = numpy.random.default_rng(0).standard_normal((500, 400)).astype(numpy.float32)
    y = AlphaDropout(rate, seed=1)(shenjing.tensor(x), training=True).numpy()
    assert abs(y.mean()) < 0.01
    assert abs(y.var() - 1.0) < 0.02
    assert abs(dropped(y, rate).mean() - rate) < 0.01


def test_alpha_dropout_matches_keras_formula_on_the_same_mask():
    keras = keras3()
    import torch
    rate = 0.25
    x = numpy.random.default_rng(2).standard_normal((6, 40)).astype(numpy.float32)
    ours = AlphaDropout(rate, seed=3)(shenjing.tensor(x), training=True).numpy()
    theirs = to_numpy(keras.layers.AlphaDropout(rate, seed=3)(torch.tensor(x), training=True))
    # the masks differ (different generators), so compare the two values each takes
    _, a, b = alpha_constants(rate)
    for y in (ours, theirs):
        kept = numpy.isclose(y, a * x + b, rtol=0, atol=1e-5)
        assert numpy.all(kept | dropped(y, rate))
        assert 0.1 < dropped(y, rate).mean() < 0.4


def test_alpha_dropout_noise_shape_shares_the_mask():
    x = shenjing.tensor(numpy.random.default_rng(4).standard_normal((4, 6, 30))
                        .astype(numpy.float32))
    y = AlphaDropout(0.5, noise_shape=(None, 1, 30), seed=0)(x, training=True).numpy()
    low = dropped(y, 0.5)
    assert 0.3 < low.mean() < 0.7
    assert numpy.all(low == low[:, :1, :])                # one draw for all 6 steps


def test_gradcheck_in_training():
    x = shenjing.randn(3, 4, dtype=shenjing.float64, requires_grad=True)
    for make in (lambda: GaussianNoise(0.5, seed=0, dtype="float64"),
                 lambda: GaussianDropout(0.4, seed=0, dtype="float64"),
                 lambda: AlphaDropout(0.4, seed=0, dtype="float64")):
        # a fresh seeded layer per evaluation, so that each draws the same noise
        assert gradcheck(lambda x: make()(x, training=True), (x,))


def test_alpha_dropout_gradient_is_a_times_the_mask():
    rate = 0.3
    x = shenjing.randn(20, 30, requires_grad=True)
    y = AlphaDropout(rate, seed=5)(x, training=True)
    y.sum().backward()
    _, a, _ = alpha_constants(rate)
    kept = ~dropped(y.detach().numpy(), rate)
    assert 0.2 < 1 - kept.mean() < 0.4
    numpy.testing.assert_allclose(x.grad.numpy(), a * kept, rtol=1e-6)


def test_only_active_in_fit():
    model = sj.Sequential([sj.Input((4,)), GaussianNoise(10.0), sj.layers.Dense(1)])
    x = numpy.ones((8, 4), numpy.float32)
    numpy.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    inferred = model(shenjing.tensor(x)).numpy()
    trained = model(shenjing.tensor(x), training=True).numpy()   # as fit calls it
    assert numpy.allclose(inferred, inferred[0])
    assert not numpy.allclose(trained, trained[0])


def test_configs_round_trip_with_keras_keys():
    keras = keras3()
    pairs = [(GaussianNoise(0.1, seed=2), keras.layers.GaussianNoise(0.1)),
             (GaussianDropout(0.2, seed=2), keras.layers.GaussianDropout(0.2)),
             (AlphaDropout(0.2, noise_shape=(None, 1), seed=2), keras.layers.AlphaDropout(0.2))]
    for ours, theirs in pairs:
        config = ours.get_config()
        assert set(config) == set(theirs.get_config()) - {"dtype"} | {"dtype"}
        assert type(ours).from_config(config).get_config() == config


def test_errors():
    with pytest.raises(ValueError, match=r"gn \(GaussianNoise\): stddev must be a finite "
                                         r"number >= 0, got -1"):
        GaussianNoise(-1, name="gn")
    with pytest.raises(ValueError, match=r"gd \(GaussianDropout\): rate must be in \[0, 1\)"):
        GaussianDropout(1.0, name="gd")
    with pytest.raises(ValueError, match=r"ad \(AlphaDropout\): rate must be in \[0, 1\)"):
        AlphaDropout(1.0, name="ad")
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\], got 2"):
        AlphaDropout(2)
