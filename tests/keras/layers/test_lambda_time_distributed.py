"""Keras's Lambda (keras/layers/lambda_layer.py) and TimeDistributed
(keras/layers/time_distributed.py): parity with Keras 3 (TimeDistributed(Dense) and
TimeDistributed(Conv2D) with copied weights, forward and gradients), gradcheck, output
shapes, configs, and saving: a Lambda is saved by its function's name only."""

import numpy
import pytest

import shenjing
from shenjing import keras as sj
from shenjing.autograd.gradcheck import gradcheck
from shenjing.keras.layers import Conv2D, Dense, Dropout, Lambda, TimeDistributed
from tests.keras.layers.test_convolutional_transpose import (copy_keras_weights,
                                                             keras_forward_backward,
                                                             shenjing_forward_backward)
from tests.keras.oracle import keras3


def halve(x, factor=0.5):
    """A module-level function: a Lambda of it can be saved (by name)."""
    return x * factor


# ---------------------------------------------------------------- TimeDistributed


@pytest.mark.parametrize("inner, shape", [
    (lambda layers: layers.Dense(4, activation="tanh"), (2, 5, 3)),
    (lambda layers: layers.Dense(3), (2, 3, 4, 6)),                 # (N, T, A, F): Dense on F
    (lambda layers: layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
     (2, 3, 7, 6, 2)),
])
def test_time_distributed_matches_keras(inner, shape):
    keras = keras3()
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal(shape).astype(numpy.float32)
    theirs = keras.layers.TimeDistributed(inner(keras.layers))
    theirs(x)
    theirs.set_weights([rng.standard_normal(tuple(w.shape)).astype(numpy.float32)
                        for w in theirs.weights])
    ours = TimeDistributed(inner(sj.layers))
    copy_keras_weights(ours, theirs, x)
    upstream = rng.standard_normal(tuple(theirs.compute_output_shape(x.shape))).astype(
        numpy.float32)
    y_ref, gx_ref, gw_ref = keras_forward_backward(theirs, x, upstream)
    y, gx, gw = shenjing_forward_backward(ours, x, upstream)
    assert y.shape == y_ref.shape
    assert ours.compute_output_shape((None,) + shape[1:]) == (None,) + y_ref.shape[1:]
    numpy.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-5)
    numpy.testing.assert_allclose(gx, gx_ref, rtol=1e-4, atol=1e-4)
    for g, ref in zip(gw, gw_ref):
        numpy.testing.assert_allclose(g, ref, rtol=1e-4, atol=1e-4)


def test_time_distributed_is_the_layer_on_each_step():
    rng = numpy.random.default_rng(1)
    x = rng.standard_normal((2, 4, 5)).astype(numpy.float32)
    dense = Dense(3)
    wrapped = TimeDistributed(dense)
    y = wrapped(shenjing.tensor(x)).numpy()
    for t in range(4):
        numpy.testing.assert_allclose(y[:, t], dense(shenjing.tensor(x[:, t])).numpy(),
                                      rtol=1e-6, atol=1e-6)


def test_time_distributed_gradcheck():
    shenjing.manual_seed(0)
    layer = TimeDistributed(Conv2D(2, 2, activation="tanh", dtype="float64"), dtype="float64")
    x = shenjing.randn(2, 3, 4, 3, 2, dtype=shenjing.float64, requires_grad=True)
    layer(x)
    assert gradcheck(lambda x, *w: layer(x), (x, *layer.weights))


def test_time_distributed_passes_training_on():
    layer = TimeDistributed(Dropout(0.5))
    x = shenjing.ones(4, 3, 100)
    assert numpy.array_equal(layer(x).numpy(), x.numpy())
    dropped = layer(x, training=True).numpy()
    assert set(numpy.unique(dropped)) == {0.0, 2.0}


def test_time_distributed_in_a_functional_model_saves_and_loads(tmp_path):
    inputs = sj.Input((6, 8))
    outputs = TimeDistributed(Dense(2, activation="softmax"), name="tags")(inputs)
    model = sj.Model(inputs, outputs)
    assert model.output.shape == (None, 6, 2)
    config = model.get_layer("tags").get_config()
    assert config["layer"]["class_name"] == "Dense"
    model.save(tmp_path / "td.keras")
    loaded = sj.models.load_model(tmp_path / "td.keras")
    x = numpy.random.default_rng(0).standard_normal((3, 6, 8)).astype(numpy.float32)
    numpy.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_time_distributed_errors():
    with pytest.raises(TypeError, match=r"td \(TimeDistributed\): layer must be a keras layer"):
        TimeDistributed(lambda x: x, name="td")
    with pytest.raises(ValueError, match=r"td2 \(TimeDistributed\): expected inputs \(N, T, "
                                         r"\.\.\.\) with at least 3 dims, got shape \(2, 3\)"):
        TimeDistributed(Dense(2), name="td2")(shenjing.zeros(2, 3))


# ---------------------------------------------------------------- Lambda


def test_lambda_matches_keras_and_passes_gradients():
    keras = keras3()
    x = numpy.random.default_rng(2).standard_normal((3, 4)).astype(numpy.float32)
    upstream = numpy.random.default_rng(3).standard_normal((3, 4)).astype(numpy.float32)
    theirs = keras.layers.Lambda(lambda t: t * t + 1.0)
    y_ref, gx_ref, _ = keras_forward_backward(theirs, x, upstream)
    y, gx, _ = shenjing_forward_backward(Lambda(lambda t: t * t + 1.0), x, upstream)
    numpy.testing.assert_allclose(y, y_ref, rtol=1e-6)
    numpy.testing.assert_allclose(gx, gx_ref, rtol=1e-6)


def test_lambda_gradcheck_and_arguments():
    layer = Lambda(halve, arguments={"factor": 3.0})
    x = shenjing.randn(2, 3, dtype=shenjing.float64, requires_grad=True)
    numpy.testing.assert_allclose(layer(x).numpy(), 3 * x.numpy())
    assert gradcheck(lambda x: Lambda(lambda t: shenjing.tanh(t) * t)(x), (x,))


def test_lambda_output_shapes():
    keras = keras3()
    assert Lambda(lambda t: t[:, :2]).compute_output_shape((None, 5, 3)) == (None, 2, 3)
    assert Lambda(lambda t: t.sum(1)).compute_output_shape((None, None, 3)) == (None, 3)
    assert Lambda(halve, output_shape=(7,)).compute_output_shape((4, 9)) == (4, 7)
    assert Lambda(halve, output_shape=lambda s: s[:1]).compute_output_shape((4, 9)) == (4,)
    assert keras.layers.Lambda(lambda t: t[:, :2]).compute_output_shape((None, 5, 3)) == \
        (None, 2, 3)


def test_lambda_passes_training_when_the_function_takes_it():
    def noisy(x, training=None):
        return x + 1 if training else x
    layer = Lambda(noisy)
    x = shenjing.zeros(2)
    assert layer(x).numpy().tolist() == [0, 0]
    assert layer(x, training=True).numpy().tolist() == [1, 1]


def test_lambda_saves_a_named_function_by_name_only(tmp_path):
    model = sj.Sequential([sj.Input((3,)), Dense(2), Lambda(halve, arguments={"factor": 0.25})])
    config = model.layers[1].get_config()
    assert config["function"] == "halve" and config["arguments"] == {"factor": 0.25}
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"saved function 'halve' is unknown.*custom_objects="):
        sj.models.load_model(tmp_path / "m.keras")
    loaded = sj.models.load_model(tmp_path / "m.keras", custom_objects={"halve": halve})
    x = numpy.ones((2, 3), numpy.float32)
    numpy.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # a keras activation is found by its name without custom_objects ...
    config = Lambda(sj.activations.relu).get_config()
    assert config["function"] == "relu" and config["function_type"] == "activation"
    relu = Lambda.from_config(config)
    assert relu(shenjing.tensor([-1.0, 2.0])).numpy().tolist() == [0.0, 2.0]


def relu(x):
    """A user's function that shares an activation's name but not its math."""
    return x * 2


def test_lambda_never_swaps_a_custom_function_for_a_same_named_activation():
    config = Lambda(relu).get_config()
    assert config["function"] == "relu" and config["function_type"] == "custom"
    with pytest.raises(ValueError, match="saved function 'relu' is unknown"):
        Lambda.from_config(config)
    loaded = Lambda.from_config(config, custom_objects={"relu": relu})
    assert loaded(shenjing.tensor([-1.0, 2.0])).numpy().tolist() == [-2.0, 4.0]


def test_lambda_refuses_to_save_code(tmp_path):
    model = sj.Sequential([sj.Input((3,)), Lambda(lambda x: x * 2, name="twice")])
    with pytest.raises(ValueError, match=r"twice \(Lambda\): cannot save the function .*never "
                                         r"stores code.*module-level `def`"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()
    with pytest.raises(ValueError, match="cannot save arguments"):
        Lambda(halve, arguments={"factor": object()}).get_config()
    with pytest.raises(ValueError, match="never loads code"):
        Lambda.from_config({"function": ["4wEAAAAAAAAA", None, None]})


def test_lambda_errors():
    with pytest.raises(TypeError, match=r"lam \(Lambda\): function must be callable, got int"):
        Lambda(3, name="lam")
    with pytest.raises(TypeError, match="arguments must be a dict"):
        Lambda(halve, arguments=[1])
