"""Keras's Conv1DTranspose / Conv2DTranspose / Conv3DTranspose
(keras/layers/convolutional_transpose.py): parity with Keras 3 (copied weights, forward,
input and weight gradients), output sizes, gradcheck, configs, saving and errors.

``keras_forward_backward`` is shared with the other tests of layers new in Keras's face."""

import numpy
import pytest

import shenjing
from shenjing import keras as sj
from shenjing.autograd.gradcheck import gradcheck
from shenjing.keras.layers.convolutional_transpose import (Conv1DTranspose, Conv2DTranspose,
                                                           Conv3DTranspose)
from tests.keras.oracle import keras3, to_numpy

CLASSES = {1: Conv1DTranspose, 2: Conv2DTranspose, 3: Conv3DTranspose}


def keras_forward_backward(layer, x, upstream):
    """Keras's (torch backend) output and its gradients, through torch autograd:
    (y, dL/dx, [dL/dweight for each of layer.weights]) for L = sum(y * upstream)."""
    import torch
    xt = torch.tensor(x, requires_grad=True)
    y = layer(xt)
    (y * torch.tensor(upstream)).sum().backward()
    return to_numpy(y), to_numpy(xt.grad), [to_numpy(w.value.grad) for w in layer.weights]


def shenjing_forward_backward(layer, x, upstream, training=None):
    """The same for a shenjing layer (already built, weights set)."""
    xt = shenjing.tensor(x, requires_grad=True)
    for w in layer.weights:
        w.grad = None
    y = layer(xt) if training is None else layer(xt, training=training)
    (y * shenjing.tensor(upstream)).sum().backward()
    return y.numpy(), xt.grad.numpy(), [w.grad.numpy() for w in layer.weights]


def copy_keras_weights(ours, theirs, x):
    """Build ours on ``x`` and give it Keras's weights (same names, shapes and order)."""
    ours(shenjing.tensor(x))
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights([to_numpy(w.value) for w in theirs.weights])


# (rank, input spatial size, channels, filters, kernel, strides, padding, output_padding,
#  dilation, data_format)
CASES = [
    (2, (4, 5), 3, 4, 3, 2, "same", None, 1, "channels_last"),     # n * s
    (2, (4, 5), 3, 4, 3, 2, "valid", None, 1, "channels_last"),    # (n - 1) s + k
    (2, (4, 4), 3, 2, 2, 3, "valid", None, 1, "channels_last"),    # stride > kernel: zeros after
    (2, (4, 5), 3, 4, (3, 4), (2, 3), "same", (1, 2), 1, "channels_last"),
    (2, (5, 4), 2, 3, 4, 2, "same", None, 1, "channels_first"),
    (2, (5, 5), 3, 2, 3, 1, "same", None, 2, "channels_last"),     # dilation
    (1, (7,), 3, 4, 5, 2, "valid", 1, 1, "channels_last"),
    (1, (6,), 2, 3, 3, 3, "same", None, 1, "channels_last"),       # "same" with zeros after
    (3, (3, 4, 3), 2, 3, 3, 2, "same", None, 1, "channels_last"),
    (3, (3, 3, 2), 2, 2, 2, (1, 2, 2), "valid", None, 1, "channels_last"),
]


def _case_id(case):
    return f"{case[0]}d-{case[6]}-k{case[4]}-s{case[5]}-op{case[7]}-d{case[8]}-{case[9][9:]}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_matches_keras(case):
    keras = keras3()
    d, size, c, filters, kernel, strides, padding, op, dilation, fmt = case
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((2,) + size + (c,)).astype(numpy.float32)
    if fmt == "channels_first":
        x = numpy.ascontiguousarray(numpy.moveaxis(x, -1, 1))
    args = dict(strides=strides, padding=padding, output_padding=op, dilation_rate=dilation,
                data_format=fmt, activation="tanh")
    theirs = getattr(keras.layers, f"Conv{d}DTranspose")(filters, kernel, **args)
    theirs(x)
    theirs.set_weights([rng.standard_normal(tuple(w.shape)).astype(numpy.float32) * 0.5
                        for w in theirs.weights])
    ours = CLASSES[d](filters, kernel, **args)
    copy_keras_weights(ours, theirs, x)
    upstream = rng.standard_normal(tuple(theirs.compute_output_shape(x.shape))).astype(
        numpy.float32)
    y_ref, gx_ref, gw_ref = keras_forward_backward(theirs, x, upstream)
    y, gx, gw = shenjing_forward_backward(ours, x, upstream)
    assert y.shape == y_ref.shape
    assert ours.compute_output_shape((None,) + x.shape[1:]) == (None,) + y_ref.shape[1:]
    numpy.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-5)
    numpy.testing.assert_allclose(gx, gx_ref, rtol=1e-4, atol=1e-4)
    for g, ref in zip(gw, gw_ref):
        numpy.testing.assert_allclose(g, ref, rtol=1e-4, atol=1e-4)


def test_output_sizes_follow_keras_rule():
    x = shenjing.zeros(1, 5, 3)
    assert Conv1DTranspose(2, 3, strides=2, padding="same")(x).shape == (1, 10, 2)
    assert Conv1DTranspose(2, 3, strides=2)(x).shape == (1, 11, 2)           # (5-1)2 + 3
    assert Conv1DTranspose(2, 2, strides=4)(x).shape == (1, 20, 2)           # (5-1)4 + max(2, 4)
    assert Conv1DTranspose(2, 3, strides=2, output_padding=1)(x).shape == (1, 12, 2)
    assert Conv2DTranspose(4, 3, strides=2, padding="same").compute_output_shape(
        (None, 7, None, 3)) == (None, 14, None, 4)


def test_transpose_is_the_adjoint_of_conv():
    # <conv(x), y> == <x, conv_transpose(y)> with the same kernel (the defining property)
    rng = numpy.random.default_rng(3)
    kernel = rng.standard_normal((3, 3, 2, 4))                # Conv2D: (kh, kw, C=2, O=4)
    conv = sj.layers.Conv2D(4, 3, strides=2, use_bias=False, dtype="float64")
    up = Conv2DTranspose(2, 3, strides=2, use_bias=False, dtype="float64")
    x = rng.standard_normal((1, 9, 9, 2))
    y = rng.standard_normal((1, 4, 4, 4))
    conv(shenjing.tensor(x))
    up(shenjing.tensor(y))
    conv.set_weights([kernel])
    up.set_weights([kernel])                                  # (kh, kw, filters=2, in=4)
    left = (conv(shenjing.tensor(x)).numpy() * y).sum()
    right = (x * up(shenjing.tensor(y)).numpy()).sum()
    assert abs(left - right) < 1e-9 * max(1.0, abs(left))


@pytest.mark.parametrize("d, kwargs", [
    (1, dict(strides=3, padding="same")),
    (2, dict(strides=(2, 1), padding="same", output_padding=(1, 0))),
    (2, dict(strides=3, padding="valid", data_format="channels_first")),
    (3, dict(strides=2, padding="same")),
])
def test_gradcheck(d, kwargs):
    shenjing.manual_seed(0)
    layer = CLASSES[d](2, 2 if d == 3 else 3, activation="tanh", dtype="float64", **kwargs)
    size = (3,) * d
    shape = (2,) + size + (2,) if kwargs.get("data_format") is None else (2, 2) + size
    x = shenjing.randn(*shape, dtype=shenjing.float64, requires_grad=True)
    layer(x)
    layer.set_weights([numpy.random.default_rng(1).standard_normal(tuple(w.shape))
                       for w in layer.weights])
    assert gradcheck(lambda x, *w: layer(x), (x, *layer.weights))


def test_weights_have_keras_names_and_layout():
    layer = Conv2DTranspose(8, (3, 5))
    layer(shenjing.zeros(1, 4, 4, 6))
    assert [(name, tuple(p.shape)) for name, p in layer.named_parameters()] == \
        [("kernel", (3, 5, 8, 6)), ("bias", (8,))]
    layer = Conv3DTranspose(2, 2, use_bias=False)
    layer(shenjing.zeros(1, 2, 2, 2, 3))
    assert [tuple(w.shape) for w in layer.weights] == [(2, 2, 2, 2, 3)]


def test_config_round_trip_matches_keras_keys():
    layer = Conv2DTranspose(6, (3, 2), strides=(2, 2), padding="same", output_padding=(1, 0),
                            activation="relu", use_bias=False, kernel_initializer="he_normal",
                            kernel_regularizer="l2", name="up1")
    config = layer.get_config()
    assert config["output_padding"] == (1, 0) and config["kernel_size"] == (3, 2)
    assert "groups" not in config
    clone = Conv2DTranspose.from_config(config)
    assert clone.get_config() == config
    keras = keras3()
    theirs = keras.layers.Conv2DTranspose(6, (3, 2)).get_config()
    assert set(theirs) - {"dtype"} <= set(config) | {"activity_regularizer"}


def test_saved_model_loads_with_the_same_outputs(tmp_path):
    model = sj.Sequential([sj.Input((4, 4, 3)), Conv2DTranspose(5, 3, strides=2, padding="same"),
                           sj.layers.Reshape((8, 8 * 5)), Conv1DTranspose(2, 3)])
    x = numpy.random.default_rng(0).standard_normal((2, 4, 4, 3)).astype(numpy.float32)
    model.save(tmp_path / "up.keras")
    loaded = sj.models.load_model(tmp_path / "up.keras")
    assert [type(layer).__name__ for layer in loaded.layers] == \
        ["Conv2DTranspose", "Reshape", "Conv1DTranspose"]
    numpy.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_errors_name_the_layer_and_what_was_expected():
    with pytest.raises(ValueError, match=r"up \(Conv2DTranspose\): each output_padding must "
                                         r"be in \[0, stride\)"):
        Conv2DTranspose(2, 3, strides=2, output_padding=2, name="up")
    with pytest.raises(ValueError, match="strides > 1 together with dilation_rate > 1"):
        Conv1DTranspose(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding must be one of 'valid', 'same'"):
        Conv1DTranspose(2, 3, padding="causal")
    layer = Conv2DTranspose(2, 3, name="dec")
    with pytest.raises(ValueError, match=r"dec \(Conv2DTranspose\).*4-d input.*\(2, 8, 3\)"):
        layer(shenjing.zeros(2, 8, 3))
    layer(shenjing.zeros(1, 4, 4, 3))
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\), got shape \(1, 4, 4, 5\)"):
        layer(shenjing.zeros(1, 4, 4, 5))


def test_autoencoder_reconstructs_mnist_digits():
    """Conv2D down, Conv2DTranspose up, trained by fit on the real MNIST sample: the
    reconstruction error on held-out digits falls far below predicting the mean image."""
    from shenjing.datasets import load_sample
    sj.utils.set_random_seed(0)
    images, _ = load_sample("mnist")
    x = (images[:, :, :, None] / 255.0).astype(numpy.float32)
    x_train, x_test = x[:3000], x[8000:9000]
    model = sj.Sequential([sj.Input((28, 28, 1)),
                           sj.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
                           Conv2DTranspose(1, 3, strides=2, padding="same",
                                           activation="sigmoid")])
    assert model.layers[-1].compute_output_shape((None, 14, 14, 8)) == (None, 28, 28, 1)
    model.compile(sj.optimizers.Adam(0.01), "mse")
    model.fit(x_train, x_train, batch_size=50, epochs=3, verbose=0)
    error = ((model.predict(x_test, verbose=0) - x_test) ** 2).mean()
    baseline = ((x_train.mean(0) - x_test) ** 2).mean()
    assert error < 0.1 * baseline, (error, baseline)       # 0.0021 against 0.075 (seed 0)
