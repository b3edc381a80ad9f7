"""Real Keras 3 files (``.weights.h5`` and ``.keras``, written by Keras on its torch backend)
loaded into the equivalent Keras-face model: the same predictions; a file that does not
match lists every difference."""

import numpy as np
import pytest

from shenjing import keras as sk
from shenjing.io import load_keras_weights

from tests.keras.oracle import keras3, to_numpy

pytest.importorskip("h5py")

RNG = np.random.default_rng(5)


def _randomize(model):
    """Weights that are not the initial ones (moving statistics and zero biases included)."""
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:
            layer.set_weights([RNG.uniform(0.1, 0.6, w.shape).astype(w.dtype) * np.sign(
                RNG.standard_normal(w.shape)) if "variance" not in v.path else
                RNG.uniform(0.5, 2.0, w.shape).astype(w.dtype)
                for w, v in zip(weights, layer.weights)])


def test_cnn_weights_h5_on_real_digits(mnist, tmp_path):
    keras = keras3()
    kl = keras.layers
    reference = keras.Sequential([keras.Input((28, 28, 1)), kl.Conv2D(4, 3, activation="relu"),
                                  kl.BatchNormalization(), kl.MaxPooling2D(),
                                  kl.Conv2D(6, 3, padding="same"), kl.GlobalAveragePooling2D(),
                                  kl.Dense(10, activation="softmax", name="head")])
    _randomize(reference)
    path = tmp_path / "cnn.weights.h5"
    reference.save_weights(str(path))
    layers = sk.layers     # other names than Keras's: the file is matched by class and order
    model = sk.Sequential([sk.Input((28, 28, 1)), layers.Conv2D(4, 3, activation="relu",
                                                                name="c1"),
                           layers.BatchNormalization(name="bn"), layers.MaxPooling2D(),
                           layers.Conv2D(6, 3, padding="same", name="c2"),
                           layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
    load_keras_weights(model, path)
    x = mnist[2][:16, ..., None]
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               to_numpy(reference.predict(x, verbose=0)), atol=1e-5)


def _sequence_models(keras):
    """The same text model in Keras and in shenjing: Embedding, LSTM, Bidirectional GRU,
    self-attention and a Dense head."""
    def build(k):
        ids = k.Input((9,), dtype="int32")
        h = k.layers.Embedding(30, 8)(ids)
        h = k.layers.LSTM(8, return_sequences=True)(h)
        h = k.layers.MultiHeadAttention(2, 4)(h, h)
        h = k.layers.LayerNormalization()(h)
        h = k.layers.Bidirectional(k.layers.GRU(5))(h)
        return k.Model(ids, k.layers.Dense(3)(h))
    return build(keras), build(sk)


def test_sequence_model_from_a_keras_file(tmp_path):
    keras = keras3()
    reference, model = _sequence_models(keras)
    _randomize(reference)
    reference.compile(optimizer="adam", loss="mse")
    path = tmp_path / "text.keras"
    reference.save(str(path))
    load_keras_weights(model, path)
    ids = RNG.integers(0, 30, size=(4, 9)).astype("int32")
    np.testing.assert_allclose(model.predict(ids, verbose=0),
                               to_numpy(reference.predict(ids, verbose=0)), atol=1e-4)


def test_a_file_that_does_not_match_lists_every_difference(tmp_path):
    keras = keras3()
    kl = keras.layers
    reference = keras.Sequential([keras.Input((6,)), kl.Dense(4), kl.Dense(3), kl.Dropout(0.1),
                                  kl.BatchNormalization()])
    path = tmp_path / "mlp.weights.h5"
    reference.save_weights(str(path))
    model = sk.Sequential([sk.Input((6,)), sk.layers.Dense(4), sk.layers.Dense(5),
                           sk.layers.LayerNormalization(), sk.layers.Dense(2)])
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError) as info:
        load_keras_weights(model, path)
    message = str(info.value)
    for expected in ("mlp.weights.h5", "layers/dense_1: weight 0 of layer",
                     "has shape (4, 5), the file (4, 3)",
                     "layers/layer_normalization: layer", "is not in the file",
                     "layers/dense_2: layer", "layers/batch_normalization: in the file but not in "
                     "the model"):
        assert expected in message
    for w, b in zip(model.get_weights(), before):    # nothing loaded
        np.testing.assert_array_equal(w, b)


def test_missing_h5py_names_the_extra_and_bad_zips_are_named(monkeypatch, tmp_path):
    import builtins
    import zipfile
    model = sk.Sequential([sk.Input((3,)), sk.layers.Dense(2)])
    archive = tmp_path / "other.keras"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="zip without model.weights.h5"):
        load_keras_weights(model, archive)
    real_import = builtins.__import__

    def no_h5py(name, *args, **kwargs):
        if name == "h5py":
            raise ImportError("No module named 'h5py'")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_h5py)
    with pytest.raises(ImportError, match=r"shenjing\[h5\]"):
        load_keras_weights(model, archive)


def test_nested_model_from_a_keras_file(tmp_path):
    keras = keras3()

    def build(k):
        block = k.Sequential([k.Input((6,)), k.layers.Dense(5, activation="relu"),
                              k.layers.Dense(4)])
        x = k.Input((6,))
        return k.Model(x, k.layers.Dense(2)(block(x)))
    reference, model = build(keras), build(sk)
    _randomize(reference.layers[1])
    path = tmp_path / "nested.weights.h5"
    reference.save_weights(str(path))
    load_keras_weights(model, path)
    x = RNG.standard_normal((3, 6)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               to_numpy(reference.predict(x, verbose=0)), atol=1e-5)


def test_keras_file_into_a_pytorch_face_model_converts_the_layouts(tmp_path):
    """Keras's (in, out) Dense kernel, (kh, kw, C, F) conv kernel, one LSTM bias and z, r, h
    GRU gates, converted into PyTorch's layouts: the same outputs."""
    from shenjing import nn
    from shenjing.autograd import no_grad
    import shenjing
    keras = keras3()
    kl = keras.layers
    conv = keras.Sequential([keras.Input((7, 7, 2)), kl.Conv2D(4, 3), kl.BatchNormalization(
        epsilon=1e-5), kl.ReLU(), kl.GlobalAveragePooling2D(), kl.Dense(3)])
    _randomize(conv)
    conv.save(str(tmp_path / "conv.keras"))
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3)).eval()
    load_keras_weights(model, tmp_path / "conv.keras")
    x = RNG.standard_normal((3, 2, 7, 7)).astype("float32")
    with no_grad():
        got = model(shenjing.tensor(x)).numpy()
    expected = to_numpy(conv.predict(x.transpose(0, 2, 3, 1), verbose=0))
    np.testing.assert_allclose(got, expected, atol=1e-4)

    text = keras.Sequential([keras.Input((5, 3)), kl.LSTM(4, return_sequences=True),
                             kl.GRU(2)])
    _randomize(text)
    text.save_weights(str(tmp_path / "text.weights.h5"))

    class Text(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 4, batch_first=True)
            self.gru = nn.GRU(4, 2, batch_first=True)

        def forward(self, x):
            return self.gru(self.lstm(x)[0])[1][0]
    model = Text()
    with pytest.raises(ValueError, match="does not say in which order"):
        load_keras_weights(model, tmp_path / "text.weights.h5")
    load_keras_weights(model, tmp_path / "text.weights.h5", layers={"lstm": "lstm", "gru": "gru"})
    x = RNG.standard_normal((3, 5, 3)).astype("float32")
    with no_grad():
        got = model(shenjing.tensor(x)).numpy()
    np.testing.assert_allclose(got, to_numpy(text.predict(x, verbose=0)), atol=1e-5)
