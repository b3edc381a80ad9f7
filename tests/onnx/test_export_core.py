"""Export of the core layers and activations of both faces, checked by ONNX Runtime on a
batch of another size than the example's (the batch axis is dynamic)."""

import numpy as np
import pytest

import shenjing
from shenjing import keras, nn
from shenjing.keras import layers

from .harness import check_export

pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(0)


def batch(*shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


TORCH_ACTIVATIONS = [nn.ReLU(), nn.ReLU6(), nn.Sigmoid(), nn.Tanh(), nn.SiLU(), nn.Mish(),
                     nn.SELU(), nn.LogSigmoid(), nn.Softsign(), nn.Hardsigmoid(), nn.Hardswish(),
                     nn.LeakyReLU(0.1), nn.ELU(0.7), nn.GELU(), nn.GELU("tanh"),
                     nn.Softplus(), nn.Softplus(beta=2.0), nn.Hardtanh(-0.5, 0.8),
                     nn.Softmax(dim=1), nn.LogSoftmax(dim=-1)]


@pytest.mark.parametrize("activation", TORCH_ACTIVATIONS, ids=lambda m: repr(m))
def test_torch_linear_and_activation(activation, tmp_path):
    model = nn.Sequential(nn.Linear(4, 6), activation, nn.Dropout(0.5), nn.Linear(6, 3))
    check_export(model, batch(2, 4), batch(5, 4), tmp_path)


KERAS_ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu",
                     "softplus", "softsign", "gelu", "silu", "mish", "relu6", "leaky_relu",
                     "hard_sigmoid", "hard_silu", "exponential", "linear"]


@pytest.mark.parametrize("activation", KERAS_ACTIVATIONS)
def test_keras_dense_activation(activation, tmp_path):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(6, activation=activation),
                              layers.Dense(3, use_bias=False)])
    check_export(model, batch(1, 4), batch(7, 4), tmp_path)


def test_keras_activation_layers(tmp_path):
    model = keras.Sequential([keras.Input((5,)), layers.Dense(8), layers.ReLU(max_value=0.9),
                              layers.Dense(8), layers.ReLU(negative_slope=0.1, threshold=0.2),
                              layers.LeakyReLU(0.2), layers.ELU(0.5), layers.Activation("tanh"),
                              layers.Dropout(0.3), layers.GaussianNoise(0.1),
                              layers.Softmax()])
    check_export(model, batch(2, 5), batch(6, 5), tmp_path)


def test_reshaping_layers(tmp_path):
    model = keras.Sequential([keras.Input((4, 6)), layers.Reshape((6, 4)), layers.Permute((2, 1)),
                              layers.Flatten(), layers.Dense(3), layers.RepeatVector(2),
                              layers.Flatten()])
    check_export(model, batch(2, 4, 6), batch(3, 4, 6), tmp_path)
    torch_model = nn.Sequential(nn.Flatten(), nn.Unflatten(1, (3, 8)), nn.Flatten(2, -1),
                                nn.Linear(8, 2), nn.Flatten(), nn.Identity())
    check_export(torch_model, batch(2, 4, 6), batch(5, 4, 6), tmp_path)


def test_embedding_both_faces(tmp_path):
    ids = RNG.integers(0, 20, size=(2, 7)).astype("int64")
    more = RNG.integers(0, 20, size=(4, 7)).astype("int64")
    model = keras.Sequential([keras.Input((7,), dtype="int64"), layers.Embedding(20, 5),
                              layers.GlobalAveragePooling1D(), layers.Dense(2)])
    check_export(model, ids, more, tmp_path)
    check_export(nn.Sequential(nn.Embedding(20, 3), nn.Flatten()), ids, more, tmp_path)


def test_functional_merging(tmp_path):
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    h = layers.Dense(6, activation="relu")(a)
    merged = [layers.Add()([h, b]), layers.Subtract()([h, b]), layers.Multiply()([h, b]),
              layers.Average()([h, b]), layers.Maximum()([h, b]), layers.Minimum()([h, b])]
    out = layers.Dense(2)(layers.Concatenate()(merged))
    model = keras.Model([a, b], [out, h])
    got = check_export(model, (batch(2, 6), batch(2, 6)), (batch(4, 6), batch(4, 6)), tmp_path)
    assert [g.shape for g in got] == [(4, 2), (4, 6)]


def test_keras_model_export_uses_its_input_names(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    image, extra = keras.Input((3, 4), name="image"), keras.Input((2,), name="extra")
    out = layers.Dense(3)(layers.Concatenate()([layers.Flatten()(image), extra]))
    model = keras.Model([image, extra], out)
    path = tmp_path / "functional.onnx"
    model.export(str(path))
    session = ort.InferenceSession(str(path))
    assert [i.name for i in session.get_inputs()] == ["image", "extra"]
    assert session.get_inputs()[0].shape[0] == "batch"
    x, e = batch(6, 3, 4), batch(6, 2)
    np.testing.assert_allclose(session.run(None, {"image": x, "extra": e})[0],
                               model.predict([x, e], verbose=0), atol=1e-5)
    with pytest.raises(ValueError, match="format must be 'onnx'"):
        model.export(str(tmp_path / "x"), format="tf_saved_model")


def test_sequential_export_and_float64(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = keras.Sequential([keras.Input((5,)), layers.Dense(4, activation="relu"),
                              layers.Dense(2)])
    path = tmp_path / "seq.onnx"
    model.export(str(path))
    x = batch(9, 5)
    got = ort.InferenceSession(str(path)).run(None, {"input": x})[0]
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-5)
    double = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    got = check_export(double, batch(2, 3, dtype="float64"), batch(4, 3, dtype="float64"),
                       tmp_path, atol=1e-12)
    assert got[0].dtype == np.float64


def test_export_writes_atomically_and_returns_the_checked_proto(tmp_path):
    onnx = pytest.importorskip("onnx")
    path = tmp_path / "m.onnx"
    proto = shenjing.onnx.export(nn.Linear(3, 2), batch(1, 3), path, input_names=["x"],
                                 output_names=["y"])
    assert proto.opset_import[0].version >= 17
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded)
    assert [i.name for i in loaded.graph.input] == ["x"]
    assert [o.name for o in loaded.graph.output] == ["y"]
    assert list(tmp_path.iterdir()) == [path]        # no temporary file left beside it


def test_preprocessing_layers(tmp_path):
    images = RNG.uniform(0, 255, size=(40, 6, 6, 3)).astype("float32")
    normalize = layers.Normalization()
    normalize.adapt(images)
    model = keras.Sequential([keras.Input((6, 6, 3)), layers.RandomFlip(seed=1),
                              layers.Rescaling(1 / 127.5, offset=-1.0), normalize,
                              layers.Normalization(mean=0.5, variance=4.0, invert=True, axis=None),
                              layers.Flatten()])
    check_export(model, images[:2], images[2:9], tmp_path)


class _Means(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 4, 3)
        self.attn = nn.MultiheadAttention(4, 2, batch_first=True)

    def forward(self, x):
        h = self.conv(x).permute(0, 2, 1)
        out, weights = self.attn(h, h, h)          # weights averaged over the heads
        return out.mean(1), weights.sum(-1, keepdim=True)


@pytest.mark.parametrize("opset", [17, 18, 20])
def test_newer_opsets_take_reduction_axes_as_inputs(opset, tmp_path):
    got = check_export(_Means(), batch(2, 3, 9), batch(4, 3, 9), tmp_path, opset=opset)
    assert [g.shape for g in got] == [(4, 4), (4, 7, 1)]
    keras_model = keras.Sequential([keras.Input((5, 5, 2)), layers.GlobalMaxPooling2D()])
    check_export(keras_model, batch(1, 5, 5, 2), batch(3, 5, 5, 2), tmp_path, opset=opset)
    onnx = pytest.importorskip("onnx")
    assert onnx.load(str(tmp_path / "model.onnx")).opset_import[0].version == opset


def test_nested_and_shared_keras_models(tmp_path):
    block = keras.Sequential([keras.Input((6,)), layers.Dense(5, activation="relu"),
                              layers.Dense(4)])
    x = keras.Input((6,))
    twice = block(layers.Dense(6)(block(x)))          # the same block called on two tensors
    model = keras.Model(x, layers.Dense(2)(twice))
    check_export(model, batch(2, 6), batch(3, 6), tmp_path)


@pytest.mark.parametrize("axes,normalize", [(1, False), (1, True)])
def test_keras_dot_2d(axes, normalize, tmp_path):
    a, b = keras.Input((5,)), keras.Input((5,))
    model = keras.Model([a, b], layers.Dot(axes, normalize=normalize)([a, b]))
    check_export(model, (batch(2, 5), batch(2, 5)), (batch(4, 5), batch(4, 5)), tmp_path)


@pytest.mark.parametrize("axes", [2, 1, (2, 2), (1, 2)])
def test_keras_dot_3d(axes, tmp_path):
    a, b = keras.Input((3, 4)), keras.Input((3, 4) if axes in (2, 1, (2, 2)) else (4, 3))
    model = keras.Model([a, b], layers.Dot(axes, normalize=axes == 2)([a, b]))
    shape_b = (3, 4) if axes in (2, 1, (2, 2)) else (4, 3)
    check_export(model, (batch(2, 3, 4), batch(2, *shape_b)),
                 (batch(3, 3, 4), batch(3, *shape_b)), tmp_path)
