"""Keras's functional API (keras/layers/keras_tensor.py, keras/models/functional.py):
KerasTensors, Model(inputs, outputs) against its Sequential twin, two inputs trained on real
digits, shared layers, nested models, several outputs, saving, and the errors."""

import json
import zipfile

import numpy
import pytest

import shenjing
from shenjing import keras
from shenjing.datasets import load_sample
from shenjing.keras import layers


def two_inputs():
    """The image and the mean intensity of each of its rows, joined before the classifier."""
    image = keras.Input(shape=(28, 28), name="image")
    rows = keras.Input(shape=(28,), name="rows")
    hidden = layers.Dense(64, activation="relu")(layers.Flatten()(image))
    merged = layers.Concatenate()([hidden, rows])
    return keras.Model([image, rows], layers.Dense(10, activation="softmax")(merged))


# ---------------------------------------------------------------- KerasTensor and Input

def test_input_and_layer_calls_give_keras_tensors():
    x = keras.Input(shape=(784,), name="pixels")
    assert isinstance(x, keras.KerasTensor)
    assert (x.shape, x.dtype, x.name) == ((None, 784), "float32", "pixels")
    dense = layers.Dense(32)
    h = dense(x)
    assert h.shape == (None, 32) and h.dtype == "float32"
    assert dense.built and dense.kernel.shape == (784, 32)
    assert h.node.layer is dense and h.node.inputs == [x]
    assert keras.Input(shape=(3,), batch_size=8).shape == (8, 3)
    assert keras.Input(batch_shape=(None, 5, 2), dtype="int64").dtype == "int64"
    assert layers.Dense(4)(keras.Input(shape=(3,), batch_size=8)).shape == (8, 4)


def test_lstm_return_state_gives_a_list_of_keras_tensors():
    x = keras.Input(shape=(7, 3))
    sequence, h, c = layers.LSTM(5, return_sequences=True, return_state=True)(x)
    assert [t.shape for t in (sequence, h, c)] == [(None, 7, 5), (None, 5), (None, 5)]
    model = keras.Model(x, [sequence, h, c])
    values = numpy.random.default_rng(0).standard_normal((4, 7, 3)).astype(numpy.float32)
    out_sequence, out_h, out_c = model.predict(values, verbose=0)
    assert out_sequence.shape == (4, 7, 5) and out_c.shape == (4, 5)
    numpy.testing.assert_allclose(out_h, out_sequence[:, -1], rtol=1e-6)


def test_unknown_lengths_and_integer_inputs():
    tokens = keras.Input(shape=(None,), dtype="int64")
    embedded = layers.Embedding(50, 8)(tokens)      # looked up on integer zeros
    assert embedded.shape == (None, None, 8)
    sequence = layers.LSTM(6, return_sequences=True)(embedded)
    assert sequence.shape == (None, None, 6)
    pooled = layers.GlobalAveragePooling1D()(sequence)
    assert pooled.shape == (None, 6)
    model = keras.Model(tokens, layers.Dense(1, activation="sigmoid")(pooled))
    ids = numpy.random.default_rng(1).integers(0, 50, (3, 11))
    assert model.predict(ids, verbose=0).shape == (3, 1)
    assert model.predict(ids[:, :4], verbose=0).shape == (3, 1)   # any length


# ---------------------------------------------------------------- against Sequential

def test_a_functional_model_predicts_and_trains_as_its_sequential_twin(digits):
    (x_train, y_train), (x_test, _) = digits
    x, y = x_train[:1024].reshape(1024, -1), y_train[:1024]
    sequential = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(32, activation="relu"),
                                   layers.Dense(10, activation="softmax")])
    inputs = keras.Input(shape=(784,))
    outputs = layers.Dense(10, activation="softmax")(layers.Dense(32, activation="relu")(inputs))
    functional = keras.Model(inputs=inputs, outputs=outputs, name="twin")
    assert isinstance(functional, keras.Model) and functional.name == "twin"
    assert [name for name, _ in functional.named_parameters()] == [
        f"{layer.name}.{weight}" for layer in functional.layers[1:] for weight in ("kernel", "bias")]
    functional.set_weights(sequential.get_weights())
    probe = x_test[:100].reshape(100, -1)
    numpy.testing.assert_allclose(functional.predict(probe, verbose=0),
                                  sequential.predict(probe, verbose=0), rtol=1e-6)
    histories = []
    for model in (sequential, functional):
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        histories.append(model.fit(x, y, batch_size=64, epochs=2, shuffle=False,
                                   verbose=0).history)
    for key in ("loss", "accuracy"):
        numpy.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-5)
    assert histories[0]["loss"][1] < histories[0]["loss"][0]
    for a, b in zip(functional.get_weights(), sequential.get_weights()):
        numpy.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- several inputs, real data

def test_two_inputs_learn_mnist_digits_from_a_list_and_from_a_dict(digits):
    (x_train, y_train), (x_test, y_test) = digits
    rows_train, rows_test = x_train.mean(-1), x_test.mean(-1)
    keras.utils.set_random_seed(0)
    model = two_inputs()
    assert [t.name for t in model.inputs] == ["image", "rows"]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit([x_train, rows_train], y_train, epochs=5, batch_size=64,
                        validation_split=0.1, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.9
    loss, accuracy = model.evaluate([x_test, rows_test], y_test, verbose=0)
    assert accuracy > 0.92, accuracy
    predicted = model.predict({"rows": rows_test, "image": x_test}, verbose=0).argmax(1)
    assert (predicted == y_test).mean() == pytest.approx(accuracy, abs=1e-6)

    keras.utils.set_random_seed(0)        # the same training with x as a dict by Input name
    again = two_inputs()
    again.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    by_name = again.fit({"image": x_train, "rows": rows_train}, y_train, epochs=5,
                        batch_size=64, validation_split=0.1, verbose=0)
    numpy.testing.assert_allclose(by_name.history["loss"], history.history["loss"], rtol=1e-6)
    with pytest.raises(ValueError, match="different numbers of samples"):
        model.fit([x_train, rows_train[:10]], y_train, verbose=0)


def test_the_call_passes_training_to_the_layers_that_take_it():
    seen = []

    class Probe(layers.Layer):
        def call(self, inputs, training=None):
            seen.append(training)
            return inputs

    x = keras.Input(shape=(3,))
    model = keras.Model(x, layers.Dense(1)(Probe()(x)))
    seen.clear()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(numpy.ones((4, 3)), numpy.ones((4, 1)), batch_size=4, verbose=0)
    model.predict(numpy.ones((4, 3)), verbose=0)
    assert seen == [True, False]

    fixed = layers.Dropout(0.5)
    model = keras.Model(x, fixed(x, training=True))     # a call that fixes its mode
    ones = numpy.ones((1000, 3), numpy.float32)
    assert (model.predict(ones, verbose=0) == 0).mean() == pytest.approx(0.5, abs=0.05)


# ---------------------------------------------------------------- graphs

def test_a_shared_layer_counts_once_and_gets_both_gradients():
    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(4,), name="b")
    shared = layers.Dense(3, name="shared")
    model = keras.Model([a, b], layers.add([shared(a), shared(b)], name="sum"))
    assert [layer.name for layer in model.layers] == ["a", "b", "shared", "sum"]
    assert model.count_params() == 4 * 3 + 3
    assert list(model.state_dict()) == ["shared.kernel", "shared.bias"]
    rng = numpy.random.default_rng(2)
    xa, xb = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    model([shenjing.tensor(xa), shenjing.tensor(xb)]).sum().backward()
    # out = a K + b K + 2 bias, so dK[i, j] = sum over samples of (a + b)[:, i]
    expected = numpy.repeat((xa + xb).sum(0)[:, None], 3, axis=1)
    numpy.testing.assert_allclose(shared.kernel.grad.numpy(), expected, rtol=1e-5)
    numpy.testing.assert_allclose(shared.bias.grad.numpy(), [10.0] * 3)


def test_a_sequential_and_a_functional_model_nest_inside_a_functional_model():
    inner = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(4)],
                             name="tower")
    x = keras.Input(shape=(6,))
    y = inner(x)
    assert inner.built and y.shape == (None, 4)
    sub_in = keras.Input(shape=(4,))
    head = keras.Model(sub_in, layers.Dense(2, name="head_dense")(sub_in), name="head")
    model = keras.Model(x, head(y))
    assert list(model.state_dict()) == ([f"tower.{key}" for key in inner.state_dict()]
                                        + ["head.head_dense.kernel", "head.head_dense.bias"])
    values = numpy.random.default_rng(3).standard_normal((5, 6)).astype(numpy.float32)
    direct = head(inner(shenjing.tensor(values))).numpy()
    numpy.testing.assert_allclose(model.predict(values, verbose=0), direct, rtol=1e-6)
    before = inner.get_weights()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(values, numpy.ones((5, 2)), verbose=0)
    assert not numpy.allclose(before[0], inner.get_weights()[0])   # trained through the nest


def test_a_subclassed_model_as_a_layer_of_a_functional_model():
    class Twice(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3)

        def call(self, inputs):
            return self.dense(inputs) * 2

    x = keras.Input(shape=(5,))
    twice = Twice()
    model = keras.Model(x, twice(x))
    values = numpy.ones((2, 5), numpy.float32)
    numpy.testing.assert_allclose(model.predict(values, verbose=0),
                                  twice.dense(shenjing.tensor(values)).numpy() * 2, rtol=1e-6)


def test_several_outputs_predict_a_list_and_refuse_one_loss():
    x = keras.Input(shape=(3,))
    hidden = layers.Dense(4, activation="relu")(x)
    first, second = layers.Dense(2)(hidden), layers.Dense(1)(hidden)
    model = keras.Model(x, [first, second])
    values = numpy.random.default_rng(4).standard_normal((10, 3)).astype(numpy.float32)
    predicted = model.predict(values, batch_size=3, verbose=0)
    assert isinstance(predicted, list) and [p.shape for p in predicted] == [(10, 2), (10, 1)]
    direct = model(shenjing.tensor(values))
    for p, d in zip(predicted, direct):
        numpy.testing.assert_allclose(p, d.detach().numpy(), rtol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="2 outputs .*give y as a list of 2 targets"):
        model.fit(values, numpy.ones((10, 2)), verbose=0)


def test_several_outputs_train_with_a_loss_and_a_weight_each():
    """A digit classifier that also estimates each image's ink (its mean intensity)."""
    images, labels = load_sample("mnist")
    x = images[:3000].astype(numpy.float32) / 255
    digit_y, ink_y = labels[:3000].astype(numpy.int64), x.mean(axis=(1, 2))[:, None] * 10
    keras.utils.set_random_seed(6)
    image = keras.Input(shape=(28, 28), name="image")
    hidden = layers.Dense(64, activation="relu")(layers.Flatten()(image))
    digit = layers.Dense(10, activation="softmax", name="digit")(hidden)
    ink = layers.Dense(1, name="ink")(hidden)
    model = keras.Model(image, [digit, ink])
    model.compile(optimizer="adam", loss={"digit": "sparse_categorical_crossentropy",
                                          "ink": "mse"},
                  loss_weights={"digit": 1.0, "ink": 0.5}, metrics={"digit": ["accuracy"]})
    history = model.fit(x[:2500], {"digit": digit_y[:2500], "ink": ink_y[:2500]}, epochs=3,
                        batch_size=50, verbose=0,
                        validation_data=(x[2500:], [digit_y[2500:], ink_y[2500:]]))
    logs = history.history
    assert list(logs) == ["loss", "digit_loss", "ink_loss", "digit_accuracy", "val_loss",
                          "val_digit_loss", "val_ink_loss", "val_digit_accuracy"]
    for prefix in ("", "val_"):   # the total is the weighted sum of the outputs' losses
        numpy.testing.assert_allclose(
            logs[prefix + "loss"],
            numpy.add(logs[prefix + "digit_loss"], 0.5 * numpy.array(logs[prefix + "ink_loss"])),
            rtol=1e-5)
    assert logs["val_digit_accuracy"][-1] > 0.85
    assert logs["ink_loss"][-1] < logs["ink_loss"][0] and logs["val_ink_loss"][-1] < 0.05
    digits, inks = model.predict(x[2500:], verbose=0)
    assert digits.shape == (500, 10) and inks.shape == (500, 1)
    with pytest.raises(ValueError, match="y has no targets for outputs \\['ink'\\]"):
        model.fit(x[:10], {"digit": digit_y[:10]}, verbose=0)
    with pytest.raises(ValueError, match="loss names outputs \\['colour'\\]"):
        model.compile(optimizer="adam", loss={"colour": "mse"})
        model.fit(x[:10], [digit_y[:10], ink_y[:10]], verbose=0)


def test_summary_lists_layers_shapes_and_params():
    model = two_inputs()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for row in ("image (InputLayer)", "(None, 28, 28)", "(None, 784)", "(None, 92)",
                "(None, 10)", "50,240", "930", "Total params: 51,170"):
        assert row in text, row


# ---------------------------------------------------------------- saving

def test_save_and_load_a_model_with_two_inputs_and_a_shared_layer(tmp_path):
    a, b = keras.Input(shape=(6,), name="left"), keras.Input(shape=(6,), name="right")
    shared = layers.Dense(5, activation="tanh", name="encoder")
    tower = keras.Sequential([layers.Dense(4, activation="relu")], name="tower")
    merged = layers.concatenate([tower(shared(a)), shared(b)])
    model = keras.Model([a, b], layers.Dense(1)(merged), name="siamese")
    model.compile(optimizer="adam", loss="mse")
    rng = numpy.random.default_rng(5)
    xa, xb = rng.standard_normal((20, 6)), rng.standard_normal((20, 6))
    model.fit([xa, xb], rng.standard_normal((20, 1)), epochs=2, verbose=0)
    model.save(tmp_path / "siamese.keras")
    with zipfile.ZipFile(tmp_path / "siamese.keras") as archive:
        document = json.loads(archive.read("config.json"))
    assert document["class_name"] == "Functional"
    entries = {entry["name"]: entry for entry in document["config"]["layers"]}
    assert len(entries["encoder"]["inbound_nodes"]) == 2    # one layer, two calls
    loaded = keras.models.load_model(tmp_path / "siamese.keras")
    assert loaded.name == "siamese" and [t.name for t in loaded.inputs] == ["left", "right"]
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    numpy.testing.assert_array_equal(loaded.predict([xa, xb], verbose=0),
                                     model.predict([xa, xb], verbose=0))
    assert loaded.evaluate([xa, xb], numpy.zeros((20, 1)), verbose=0) == pytest.approx(
        model.evaluate([xa, xb], numpy.zeros((20, 1)), verbose=0))    # compiled again


def test_loading_looks_classes_up_by_name_only(tmp_path):
    x = keras.Input(shape=(2,))
    keras.Model(x, layers.Dense(1)(x)).save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        document = json.loads(archive.read("config.json"))
        weights = archive.read("model.safetensors")
    document["config"]["layers"][1]["class_name"] = "os.system"
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as archive:
        archive.writestr("config.json", json.dumps(document))
        archive.writestr("model.safetensors", weights)
    with pytest.raises(ValueError, match="unknown layer class 'os.system'"):
        keras.models.load_model(tmp_path / "bad.keras")


# ---------------------------------------------------------------- errors

def test_errors_name_the_tensor_the_layer_and_the_inputs():
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(3,), name="b")
    joined = layers.Add(name="join")([a, b])
    with pytest.raises(ValueError, match="graph disconnected.*name='b'.*layer 'join'.*\\['a'\\]"):
        keras.Model(a, joined)
    with pytest.raises(ValueError, match="inputs must come from keras.Input"):
        keras.Model(layers.Dense(2)(a), a)
    with pytest.raises(TypeError, match="called on a mix of KerasTensors and ndarray"):
        layers.Concatenate(name="mixed")([a, numpy.ones((1, 3))])
    with pytest.raises(TypeError, match="is symbolic"):
        shenjing.tensor(a)
    model = keras.Model([a, b], joined)
    ones = numpy.ones((2, 3), numpy.float32)
    with pytest.raises(ValueError, match="expected 2 input\\(s\\) \\['a', 'b'\\], got a list of 1"):
        model.predict([ones], verbose=0)
    with pytest.raises(ValueError, match="missing \\['b'\\]"):
        model.predict({"a": ones}, verbose=0)
    with pytest.raises(ValueError, match="expected 2 inputs"):
        model(ones)
    with pytest.raises(ValueError, match="input 'a' expects shape \\(None, 3\\), got \\(2, 4\\)"):
        model([numpy.ones((2, 4)), ones])
    with pytest.raises(ValueError, match="two layers are named 'twin'"):
        keras.Model(a, layers.Dense(1, name="twin")(layers.Dense(1, name="twin")(a)))
    with pytest.raises(ValueError, match="only from keras.Input"):
        keras.Sequential([joined, layers.Dense(1)])
    sequential = keras.Sequential([layers.InputLayer(shape=(3,)), layers.Dense(2)])
    assert sequential.built and sequential.layers[0].kernel.shape == (3, 2)


def test_a_dict_of_inputs_names_them_by_its_keys():
    a, b = keras.Input(shape=(2,)), keras.Input(shape=(3,))
    model = keras.Model({"short": a, "long": b}, layers.concatenate([a, b]))
    assert model.input_names == ["short", "long"]
    out = model.predict({"long": numpy.ones((1, 3)), "short": numpy.zeros((1, 2))}, verbose=0)
    numpy.testing.assert_array_equal(out, [[0, 0, 1, 1, 1]])
