"""Export of convolution, pooling and normalization layers of both faces, and of conv nets on
real MNIST digits, checked by ONNX Runtime."""

import numpy as np
import pytest

from shenjing import keras, nn
from shenjing.keras import layers

from .harness import check_export

pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(1)


def batch(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _randomize_statistics(model):
    """Moving statistics that are not the initial 0 and 1, so that they are really checked."""
    for m in model.modules():
        for mean, var in (("running_mean", "running_var"), ("moving_mean", "moving_variance")):
            if getattr(m, mean, None) is not None:
                n = getattr(m, mean).shape[0]
                getattr(m, mean).array[...] = RNG.normal(size=n)
                getattr(m, var).array[...] = RNG.uniform(0.5, 2.0, size=n)


@pytest.mark.parametrize("padding,strides,dilation", [("valid", 1, 1), ("same", 1, 1),
                                                      ("same", 2, 1), ("same", 1, 2),
                                                      ("valid", 2, 1)])
def test_keras_conv2d(padding, strides, dilation, tmp_path):
    model = keras.Sequential([
        keras.Input((9, 10, 3)),
        layers.Conv2D(4, 3, strides=strides, padding=padding, dilation_rate=dilation,
                      activation="relu"),
        layers.Conv2D(4, (2, 3), padding=padding, groups=2, data_format="channels_last")])
    check_export(model, batch(2, 9, 10, 3), batch(3, 9, 10, 3), tmp_path)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_keras_conv1d_and_pooling1d(padding, tmp_path):
    model = keras.Sequential([keras.Input((11, 3)), layers.Conv1D(5, 3, padding=padding),
                              layers.MaxPooling1D(2, padding="same"),
                              layers.AveragePooling1D(2), layers.GlobalMaxPooling1D()])
    check_export(model, batch(2, 11, 3), batch(4, 11, 3), tmp_path)


def test_keras_channels_first_and_pooling(tmp_path):
    model = keras.Sequential([
        keras.Input((3, 8, 8)),
        layers.Conv2D(4, 3, padding="same", data_format="channels_first"),
        layers.MaxPooling2D(data_format="channels_first"),
        layers.GlobalAveragePooling2D(data_format="channels_first", keepdims=True),
        layers.Flatten(data_format="channels_first")])
    check_export(model, batch(2, 3, 8, 8), batch(5, 3, 8, 8), tmp_path)
    model = keras.Sequential([keras.Input((7, 7, 2)), layers.ZeroPadding2D(((1, 2), (0, 1))),
                              layers.UpSampling2D(2), layers.AveragePooling2D(3, 2, "same"),
                              layers.MaxPooling2D(3, 1, "same"), layers.GlobalMaxPooling2D()])
    check_export(model, batch(2, 7, 7, 2), batch(3, 7, 7, 2), tmp_path)


def test_torch_conv_and_pooling(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(6, 6, 3, padding="same", dilation=2, groups=3),
                          nn.MaxPool2d(2), nn.Conv2d(6, 4, (3, 2), stride=2, bias=False),
                          nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False),
                          nn.AdaptiveAvgPool2d((2, 2)), nn.AdaptiveMaxPool2d(1), nn.Flatten())
    check_export(model, batch(2, 3, 14, 14), batch(5, 3, 14, 14), tmp_path)
    model1d = nn.Sequential(nn.Conv1d(2, 4, 3, padding="valid"), nn.MaxPool1d(2, ceil_mode=True),
                            nn.AvgPool1d(2), nn.AdaptiveAvgPool1d(1), nn.Flatten())
    check_export(model1d, batch(2, 2, 13), batch(3, 2, 13), tmp_path)


def test_normalization_layers(tmp_path):
    torch_model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4),
                                nn.InstanceNorm2d(4, affine=True),
                                nn.Flatten(), nn.Linear(64, 5), nn.BatchNorm1d(5), nn.LayerNorm(5))
    _randomize_statistics(torch_model)
    check_export(torch_model, batch(2, 2, 6, 6), batch(4, 2, 6, 6), tmp_path, atol=1e-4)
    keras_model = keras.Sequential([keras.Input((6, 6, 2)), layers.Conv2D(4, 3),
                                    layers.BatchNormalization(), layers.Reshape((16, 4)),
                                    layers.LayerNormalization(),
                                    layers.LayerNormalization(axis=[1, 2]),
                                    layers.BatchNormalization(axis=1, center=False)])
    _randomize_statistics(keras_model)
    check_export(keras_model, batch(2, 6, 6, 2), batch(3, 6, 6, 2), tmp_path, atol=1e-4)


def test_mnist_cnns_agree_on_real_digits(mnist, tmp_path):
    """A LeNet-style net of each face, run by ONNX Runtime on real digits."""
    x = mnist[2][:64]
    keras_model = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Conv2D(8, 5, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(16, 3, activation="relu", padding="same"), layers.BatchNormalization(),
        layers.MaxPooling2D(), layers.Flatten(), layers.Dropout(0.5),
        layers.Dense(10, activation="softmax")])
    _randomize_statistics(keras_model)
    got = check_export(keras_model, x[:1, ..., None], x[..., None], tmp_path)
    assert got[0].shape == (64, 10)
    torch_model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 10))
    check_export(torch_model, x[:2, None], x[:, None], tmp_path)


@pytest.mark.parametrize("padding,strides,output_padding", [("valid", 1, None), ("same", 2, None),
                                                            ("valid", 3, None), ("same", 2, 1),
                                                            ("valid", 2, 1)])
def test_keras_conv_transpose(padding, strides, output_padding, tmp_path):
    model = keras.Sequential([keras.Input((5, 6, 3)),
                              layers.Conv2DTranspose(4, 2 if strides == 3 else 3, strides=strides,
                                                     padding=padding,
                                                     output_padding=output_padding,
                                                     activation="relu")])
    check_export(model, batch(2, 5, 6, 3), batch(3, 5, 6, 3), tmp_path)
    model1d = keras.Sequential([keras.Input((7, 2)),
                                layers.Conv1DTranspose(3, 3, strides=strides, padding=padding)])
    check_export(model1d, batch(2, 7, 2), batch(3, 7, 2), tmp_path)


def test_torch_conv_transpose(tmp_path):
    model = nn.Sequential(nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                                             groups=2),
                          nn.ConvTranspose2d(6, 2, (2, 3), dilation=2, bias=False))
    check_export(model, batch(2, 4, 5, 5), batch(3, 4, 5, 5), tmp_path)
    check_export(nn.ConvTranspose1d(3, 2, 4, stride=3), batch(2, 3, 6), batch(4, 3, 6), tmp_path)


@pytest.mark.parametrize("padding,strides", [("valid", 1), ("same", 1), ("same", 2)])
def test_keras_depthwise_and_separable(padding, strides, tmp_path):
    model = keras.Sequential([
        keras.Input((9, 9, 3)),
        layers.DepthwiseConv2D(3, strides=strides, padding=padding, depth_multiplier=2,
                               activation="relu"),
        layers.SeparableConv2D(5, 3, padding=padding, depth_multiplier=2)])
    check_export(model, batch(2, 9, 9, 3), batch(3, 9, 9, 3), tmp_path)
    model1d = keras.Sequential([keras.Input((10, 4)),
                                layers.DepthwiseConv1D(3, padding=padding, strides=strides),
                                layers.SeparableConv1D(2, 2, padding=padding)])
    check_export(model1d, batch(2, 10, 4), batch(3, 10, 4), tmp_path)


def test_group_norm_and_upsampling(tmp_path):
    model = nn.Sequential(nn.Conv2d(2, 6, 3, padding=1), nn.GroupNorm(3, 6),
                          nn.Upsample(scale_factor=2), nn.GroupNorm(2, 6, affine=False),
                          nn.Upsample(size=(17, 15), mode="bilinear"),
                          nn.UpsamplingBilinear2d(scale_factor=2), nn.UpsamplingNearest2d((7, 9)))
    for p in model.parameters():
        p.array[...] = RNG.normal(size=p.shape)
    check_export(model, batch(2, 2, 5, 4), batch(3, 2, 5, 4), tmp_path, atol=1e-4)


def test_lambda_and_time_distributed(tmp_path):
    model = keras.Sequential([keras.Input((4, 6, 6, 1)),
                              layers.TimeDistributed(layers.Conv2D(2, 3)),
                              layers.TimeDistributed(layers.Flatten()),
                              layers.Lambda(lambda t: t * 0.5 + 1.0),
                              layers.TimeDistributed(layers.Dense(3)),
                              layers.GlobalAveragePooling1D()])
    check_export(model, batch(2, 4, 6, 6, 1), batch(5, 4, 6, 6, 1), tmp_path)


def test_torch_3d_conv_and_pooling(tmp_path):
    model = nn.Sequential(nn.Conv3d(2, 3, 3, padding=1), nn.MaxPool3d(2), nn.AvgPool3d(2),
                          nn.Flatten())
    check_export(model, batch(2, 2, 4, 4, 4), batch(3, 2, 4, 4, 4), tmp_path)


def test_trained_keras_cnn_predicts_the_same_labels_in_onnx_runtime(mnist, tmp_path):
    """Train briefly on real digits (moving statistics and weights really changed), export
    with ``model.export``, and check ONNX Runtime's predictions on the test digits."""
    ort = pytest.importorskip("onnxruntime")
    x_train, y_train, x_test, y_test = mnist
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Conv2D(8, 3, strides=2, activation="relu"),
        layers.BatchNormalization(), layers.Flatten(), layers.Dropout(0.2),
        layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train[:4000, ..., None], y_train[:4000], epochs=2, batch_size=32, verbose=0)
    path = tmp_path / "mnist.onnx"
    model.export(str(path))
    x = x_test[:500, ..., None]
    got = ort.InferenceSession(str(path)).run(None, {"input": x})[0]
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    accuracy = (got.argmax(1) == y_test[:500]).mean()
    assert accuracy > 0.8          # trained: far above chance (0.1), on digits it never saw
