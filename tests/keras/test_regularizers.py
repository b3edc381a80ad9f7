"""``keras.regularizers``: Keras's formulas by hand, gradients, names and configs, and the
penalties a layer lists in ``losses``."""

import numpy
import pytest

import shenjing
from shenjing.autograd import gradcheck
from shenjing.keras import regularizers
from shenjing.keras.layers import BatchNormalization, Dense

W = numpy.array([[1.0, -2.0], [3.0, -4.0]])   # sum |w| = 10, sum w^2 = 30


@pytest.mark.parametrize("regularizer, expected", [
    (regularizers.L1(0.1), 0.1 * 10), (regularizers.L2(0.1), 0.1 * 30),
    (regularizers.L1L2(l1=0.1, l2=0.01), 0.1 * 10 + 0.01 * 30),
    (regularizers.L1L2(), 0.0),
    (regularizers.get("l1"), 0.01 * 10), (regularizers.get("l2"), 0.01 * 30),
    (regularizers.get("l1_l2"), 0.0)])
def test_values_by_hand(regularizer, expected):
    for dtype in ("float32", "float64"):
        penalty = regularizer(shenjing.tensor(W.astype(dtype)))
        assert penalty.shape == () and penalty.dtype == numpy.dtype(dtype)
        assert penalty.item() == pytest.approx(expected, rel=1e-6)


def test_gradients_are_keras_derivatives():
    w = shenjing.tensor(W, requires_grad=True)
    regularizers.L1L2(l1=0.1, l2=0.01)(w).backward()
    numpy.testing.assert_allclose(w.grad.numpy(), 0.1 * numpy.sign(W) + 2 * 0.01 * W)


@pytest.mark.parametrize("regularizer", [regularizers.L1(0.3), regularizers.L2(0.2),
                                         regularizers.L1L2(0.05, 0.5)])
def test_gradcheck(regularizer):
    rng = numpy.random.default_rng(0)
    values = rng.uniform(0.1, 2.0, (4, 3)) * rng.choice([-1.0, 1.0], (4, 3))  # away from |w|'s kink
    assert gradcheck(regularizer, (shenjing.tensor(values, requires_grad=True),))


@pytest.mark.parametrize("regularizer", [regularizers.L1(0.3), regularizers.L2(0.2),
                                         regularizers.L1L2(0.05, 0.5)])
def test_config_round_trips(regularizer):
    config = regularizer.get_config()
    assert type(regularizer).from_config(config).get_config() == config
    serialized = regularizers.serialize(regularizer)
    assert serialized == {"class_name": type(regularizer).__name__, "config": config}
    again = regularizers.get(serialized)
    assert type(again) is type(regularizer) and again.get_config() == config


def test_get_names_objects_callables_and_none():
    assert regularizers.get(None) is None
    assert isinstance(regularizers.get("L2"), regularizers.L2)
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.0, "l2": 0.0}
    penalty = regularizers.L2(0.5)
    assert regularizers.get(penalty) is penalty

    def custom(w):
        return (w * w).mean()
    assert regularizers.get(custom) is custom
    assert regularizers.get({"class_name": "L1", "config": {"l1": 0.2}}).l1 == 0.2


def test_bad_identifiers_and_factors_raise():
    with pytest.raises(ValueError, match=r"'l3'.*l1.*l2"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="could not interpret"):
        regularizers.get(0.1)
    with pytest.raises(ValueError, match="l2 must be a non-negative number"):
        regularizers.L2(-1.0)


def test_a_dense_layer_lists_its_penalties_in_losses():
    shenjing.manual_seed(0)
    layer = Dense(3, kernel_regularizer=regularizers.L2(0.5), bias_initializer="ones")
    assert layer.losses == []                      # no weights before build
    layer(shenjing.ones(2, 4))
    (penalty,) = layer.losses
    kernel = layer.kernel.numpy()
    assert penalty.item() == pytest.approx(0.5 * (kernel ** 2).sum(), rel=1e-6)
    penalty.backward()
    numpy.testing.assert_allclose(layer.kernel.grad.numpy(), kernel, rtol=1e-6)  # 2 * 0.5 * w
    both = Dense(3, kernel_regularizer="l1", bias_regularizer="l2", bias_initializer="ones")
    both(shenjing.ones(2, 4))
    values = [p.item() for p in both.losses]
    assert values == pytest.approx([0.01 * numpy.abs(both.kernel.numpy()).sum(), 0.01 * 3])


def test_batch_normalization_lists_gamma_and_beta_penalties():
    layer = BatchNormalization(gamma_regularizer="l2", beta_regularizer=regularizers.L1(1.0))
    layer(shenjing.randn(4, 3))
    assert [p.item() for p in layer.losses] == pytest.approx([0.01 * 3, 0.0])
