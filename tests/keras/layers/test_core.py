"""Keras's core layers: ``Dense`` against ``torch.nn.Linear`` with copied weights, the shape
layers, ``Dropout``, configs, errors, and a small network trained on real MNIST digits."""

import json

import numpy
import pytest

import shenjing
import shenjing.nn.functional as F
from shenjing.keras.layers import core
from shenjing.datasets import load_sample
from shenjing.keras import activations, initializers, regularizers
from shenjing.keras.layers import (Activation, BatchNormalization, Dense, Dropout, Flatten,
                                   Reshape)


def round_trip(layer):
    """A layer's config survives ``from_config`` and JSON; returns the config."""
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    json.dumps(config)
    return config


# ---------------------------------------------------------------- Dense


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 1e-5)])
@pytest.mark.parametrize("shape", [(5, 7), (2, 3, 7)])
def test_dense_matches_torch_linear_forward_and_backward(dtype, rtol, shape):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    linear = torch.nn.Linear(7, 4).to(getattr(torch, dtype))
    dense = Dense(4, dtype=dtype)
    x = numpy.random.default_rng(0).standard_normal(shape).astype(dtype)
    dense(shenjing.tensor(x))                                     # build
    dense.set_weights([linear.weight.detach().numpy().T, linear.bias.detach().numpy()])
    ours_x, theirs_x = shenjing.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = dense(ours_x), linear(theirs_x)
    assert ours.shape == shape[:-1] + (4,) and ours.dtype == numpy.dtype(dtype)
    numpy.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=rtol)
    weights = numpy.random.default_rng(1).standard_normal(ours.shape).astype(dtype)
    (ours * shenjing.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    numpy.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=rtol, atol=rtol)
    numpy.testing.assert_allclose(dense.kernel.grad.numpy(), linear.weight.grad.numpy().T,
                                  rtol=rtol, atol=rtol)
    numpy.testing.assert_allclose(dense.bias.grad.numpy(), linear.bias.grad.numpy(), rtol=rtol,
                                  atol=rtol)
    assert dense.kernel.grad.dtype == numpy.dtype(dtype)


def test_dense_calls_the_fused_linear_op_once(monkeypatch):
    calls = []
    fused = core.dense

    def spy(x, kernel, bias=None):
        calls.append(kernel.shape)
        return fused(x, kernel, bias)
    monkeypatch.setattr(core, "dense", spy)
    layer = Dense(3)
    layer(shenjing.ones(2, 5)).sum().backward()
    assert calls == [(5, 3)]   # nn.Linear's op, given the kernel in Keras's (in, out) layout
    assert layer.kernel.grad.array.flags.c_contiguous   # its gradient made in that layout


def test_dense_weights_names_order_and_activation():
    shenjing.manual_seed(0)
    layer = Dense(6, activation="relu")
    assert not layer.built
    x = shenjing.randn(4, 3)
    y = layer(x)
    assert [name for name, _ in layer.named_parameters()] == ["kernel", "bias"]
    assert [tuple(w.shape) for w in layer.weights] == [(3, 6), (6,)]
    assert layer.weights[0] is layer.kernel and layer.trainable_weights == layer.weights
    expected = numpy.maximum(x.numpy() @ layer.kernel.numpy() + layer.bias.numpy(), 0)
    numpy.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    no_bias = Dense(2, use_bias=False)
    no_bias(x)
    assert no_bias.bias is None and len(no_bias.weights) == 1


def test_dense_casts_arrays_and_other_dtypes_to_its_own():
    layer = Dense(2, kernel_initializer="ones")
    y = layer(numpy.ones((3, 4)))                       # float64 array -> float32 layer
    assert y.dtype == numpy.float32
    numpy.testing.assert_array_equal(y.numpy(), numpy.full((3, 2), 4, numpy.float32))
    assert layer(shenjing.ones(1, 4, dtype=shenjing.int64)).dtype == numpy.float32


def test_dense_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"hidden \(Dense\).*\(\.\.\., features\).*\(\)"):
        Dense(3, name="hidden")(shenjing.tensor(1.0))
    layer = Dense(3, name="fc")
    layer(shenjing.ones(2, 5))
    with pytest.raises(ValueError, match=r"fc \(Dense\): expected inputs of shape \(\.\.\., 5\), "
                                         r"got shape \(2, 4\)"):
        layer(shenjing.ones(2, 4))
    with pytest.raises(ValueError, match="units must be a positive int"):
        Dense(0)
    with pytest.raises(NotImplementedError, match="activity_regularizer"):
        Dense(3, activity_regularizer="l2")


def test_dense_config_round_trip():
    layer = Dense(5, activation="tanh", use_bias=False,
                  kernel_initializer=initializers.HeNormal(seed=3), bias_initializer="ones",
                  kernel_regularizer=regularizers.L1L2(0.1, 0.2), name="out")
    config = round_trip(layer)
    assert config["units"] == 5 and config["activation"] == "tanh" and config["name"] == "out"
    assert config["kernel_initializer"] == {"class_name": "HeNormal", "config": {"seed": 3}}
    assert config["bias_initializer"] == {"class_name": "Ones", "config": {}}
    assert config["kernel_regularizer"] == {"class_name": "L1L2",
                                            "config": {"l1": 0.1, "l2": 0.2}}
    again = Dense.from_config(config)   # a seeded initializer: the same weights
    x = shenjing.ones(1, 4)
    layer(x), again(x)
    numpy.testing.assert_array_equal(again.kernel.numpy(), layer.kernel.numpy())


# ---------------------------------------------------------------- Activation, Flatten, Reshape


def test_activation_layer():
    x = shenjing.randn(2, 5)
    numpy.testing.assert_allclose(Activation("softmax")(x).numpy(),
                                  activations.softmax(x).numpy())
    assert round_trip(Activation("relu"))["activation"] == "relu"


def test_flatten_keeps_the_batch_axis_and_passes_gradients():
    x = shenjing.tensor(numpy.arange(48.0).reshape(2, 2, 3, 4), requires_grad=True)
    y = Flatten()(x)
    numpy.testing.assert_array_equal(y.numpy(), x.numpy().reshape(2, 24))
    y.sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), numpy.ones((2, 2, 3, 4)))
    assert Flatten()(shenjing.ones(5)).shape == (5, 1)
    first = Flatten(data_format="channels_first")(x.detach())   # (N, C, H, W): channels last
    numpy.testing.assert_array_equal(first.numpy(),
                                     x.numpy().transpose(0, 2, 3, 1).reshape(2, 24))
    assert round_trip(Flatten())["data_format"] == "channels_last"
    with pytest.raises(ValueError, match=r"flat \(Flatten\).*0-d"):
        Flatten(name="flat")(shenjing.tensor(1.0))


def test_reshape_keeps_the_batch_axis_and_infers_minus_one():
    x = shenjing.tensor(numpy.arange(24.0).reshape(2, 12))
    numpy.testing.assert_array_equal(Reshape((3, 4))(x).numpy(), x.numpy().reshape(2, 3, 4))
    assert Reshape((-1, 2))(x).shape == (2, 6, 2)
    assert Reshape((2, -1, 3))(shenjing.ones(5, 4, 3)).shape == (5, 2, 2, 3)
    assert round_trip(Reshape((3, -1)))["target_shape"] == [3, -1]


def test_reshape_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"r \(Reshape\): cannot reshape samples of shape "
                                         r"\(12,\) \(12 values\) into target_shape \(5, 2\)"):
        Reshape((5, 2), name="r")(shenjing.ones(2, 12))
    with pytest.raises(ValueError, match=r"\(5, -1\)"):
        Reshape((5, -1))(shenjing.ones(2, 12))
    with pytest.raises(ValueError, match="at most one -1"):
        Reshape((-1, -1))


# ---------------------------------------------------------------- Dropout


def test_dropout_in_training_zeroes_rate_and_scales_the_rest():
    shenjing.manual_seed(0)
    n, rate = 100_000, 0.3
    x = shenjing.ones(n, requires_grad=True)
    y = Dropout(rate)(x, training=True)
    values = y.numpy()
    kept = values != 0
    # the kept fraction is binomial: within 5 standard errors of 1 - rate
    assert abs(kept.mean() - (1 - rate)) < 5 * numpy.sqrt(rate * (1 - rate) / n)
    numpy.testing.assert_allclose(values[kept], 1 / (1 - rate), rtol=1e-6)
    y.sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), values)   # the same mask


def test_dropout_is_the_identity_in_inference():
    x = shenjing.randn(4, 5)
    layer = Dropout(0.5)
    numpy.testing.assert_array_equal(layer(x, training=False).numpy(), x.numpy())
    layer.eval()
    numpy.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    layer.train()
    assert (layer(x).numpy() == 0).any()       # a new or train() layer drops


def test_dropout_noise_shape_shares_the_mask():
    shenjing.manual_seed(1)
    y = Dropout(0.5, noise_shape=(None, 1, 6))(shenjing.ones(3, 4, 6), training=True).numpy()
    assert (y == y[:, :1, :]).all()                 # the same along the axis of size 1
    assert (y == 0).any() and (y == 2).any()
    with pytest.raises(ValueError, match=r"noise_shape \(1, 2\)"):
        Dropout(0.5, noise_shape=(1, 2))(shenjing.ones(3, 4), training=True)


def test_dropout_seed_gives_its_own_stream():
    x = shenjing.ones(4, 8)
    shenjing.manual_seed(0)
    expected_next = shenjing.rand(3).numpy()        # the process stream, untouched
    shenjing.manual_seed(0)
    a = Dropout(0.5, seed=11)(x, training=True).numpy()
    numpy.testing.assert_array_equal(shenjing.rand(3).numpy(), expected_next)
    shenjing.manual_seed(5)
    layer = Dropout(0.5, seed=11)
    first, second = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    numpy.testing.assert_array_equal(first, a)
    assert not numpy.array_equal(first, second)     # the layer's stream moves on
    config = round_trip(Dropout(0.25, noise_shape=(None, 1), seed=3))
    assert config["rate"] == 0.25 and config["noise_shape"] == [None, 1] and config["seed"] == 3
    with pytest.raises(ValueError, match="rate must be a number in"):
        Dropout(1.5)


# ---------------------------------------------------------------- training on real data


def test_keras_layers_learn_mnist_digits_with_a_plain_loop():
    """Flatten, Dense, BatchNormalization, relu, Dropout, Dense trained for 300 Adam steps of
    64 digits (8,000 of the embedded MNIST sample); at least 92% of the 2,000 held-out digits
    are then classified correctly (about 94% in practice)."""
    images, labels = load_sample("mnist")
    x = images.astype(numpy.float32) / 255
    y = labels.astype(numpy.int64)
    x_train, y_train, x_test, y_test = x[:8000], y[:8000], x[8000:], y[8000:]
    shenjing.manual_seed(0)
    model = [Flatten(), Dense(128), BatchNormalization(), Activation("relu"), Dropout(0.2),
             Dense(10)]

    def forward(batch, training):
        out = shenjing.tensor(batch)
        for layer in model:
            out = layer(out, training=training) if isinstance(
                layer, (Dropout, BatchNormalization)) else layer(out)
        return out
    forward(x_train[:2], training=False)               # build
    weights = [w for layer in model for w in layer.trainable_weights]
    assert len(weights) == 6                           # 2 Dense x 2, gamma, beta
    optimizer = shenjing.optim.Adam(weights, lr=1e-3)
    rng = numpy.random.default_rng(0)
    for _ in range(300):
        index = rng.integers(0, len(x_train), 64)
        loss = F.cross_entropy(forward(x_train[index], True), shenjing.tensor(y_train[index]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with shenjing.no_grad():
        accuracy = (forward(x_test, False).numpy().argmax(1) == y_test).mean()
    assert accuracy >= 0.92, accuracy
