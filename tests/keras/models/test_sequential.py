"""``Sequential`` with compile / fit / evaluate / predict on real digits: the course's
Keras programs with the imports changed, and one epoch of fit against PyTorch."""

import numpy
import pytest

import shenjing
from shenjing import keras
from shenjing.keras import layers
from tests.conftest import shared_data_dir


def mlp(**first):
    return keras.Sequential([
        layers.Flatten(**first),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def test_the_course_mnist_classifier(digits):
    (x_train, y_train), (x_test, y_test) = digits
    keras.utils.set_random_seed(0)
    model = mlp(input_shape=(28, 28))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=3, batch_size=64, validation_split=0.1,
                        verbose=0)
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert history.epoch == [0, 1, 2]
    losses = history.history["loss"]
    assert losses[0] > losses[1] > losses[2]
    assert history.history["val_accuracy"][-1] > 0.9
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.92 and loss < 0.3
    probabilities = model.predict(x_test[:100], verbose=0)
    assert probabilities.shape == (100, 10) and probabilities.dtype == numpy.float32
    numpy.testing.assert_allclose(probabilities.sum(1), 1, rtol=1e-5)
    predicted = model.predict(x_test, verbose=0).argmax(1)   # the accuracy evaluate reported
    assert (predicted == y_test).mean() == pytest.approx(accuracy, abs=1e-6)
    assert model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"] == accuracy


def test_the_course_batch_norm_example_on_fashion_mnist():
    folder = shared_data_dir() / "fashion-mnist"
    if not folder.is_dir():
        pytest.skip(f"Fashion-MNIST not found at {folder}")
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data(
        path=shared_data_dir())
    keras.utils.set_random_seed(1)
    # the course's notes, section 11.1, with `from tensorflow.keras import ...` changed
    from shenjing.keras import Sequential
    model = Sequential([layers.Flatten(input_shape=[28, 28]), layers.BatchNormalization(),
                        layers.Dense(300, activation="relu", kernel_initializer="he_normal"),
                        layers.BatchNormalization(),
                        layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
                        layers.BatchNormalization(), layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    model.fit(x_train[:12000] / 255, y_train[:12000], epochs=2, verbose=0)
    _, accuracy = model.evaluate(x_test / 255, y_test, verbose=0)
    assert accuracy > 0.78


def test_one_epoch_of_fit_matches_a_pytorch_loop(digits):
    torch = pytest.importorskip("torch")
    (x_train, y_train), _ = digits
    x, y = x_train[:512].reshape(512, -1), y_train[:512]
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(32, activation="relu"),
                              layers.Dense(10)])
    reference = torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.ReLU(),
                                    torch.nn.Linear(32, 10))
    with torch.no_grad():
        for linear, dense in ((reference[0], model.layers[0]), (reference[2], model.layers[1])):
            linear.weight.copy_(torch.tensor(dense.kernel.numpy().T))
            linear.bias.copy_(torch.tensor(dense.bias.numpy()))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    batch_losses = []
    for start in range(0, 512, 64):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(reference(torch.tensor(x[start:start + 64])),
                                                 torch.tensor(y[start:start + 64]))
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
    assert history.history["loss"][0] == pytest.approx(numpy.mean(batch_losses), rel=1e-5)
    numpy.testing.assert_allclose(model.layers[0].kernel.numpy(),
                                  reference[0].weight.detach().numpy().T, atol=1e-5)
    numpy.testing.assert_allclose(model.layers[1].bias.numpy(),
                                  reference[2].bias.detach().numpy(), atol=1e-5)


def test_built_at_once_from_input_or_input_shape_and_summary(capsys):
    model = mlp(input_shape=(28, 28))
    assert model.built and model.count_params() == 784 * 128 + 128 + 128 * 10 + 10
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "' in text and "(None, 784)" in text and "(None, 10)" in text
    assert "100,480" in text and "Total params: 101,770" in text
    assert "Trainable params: 101,770" in text and "Non-trainable params: 0" in text
    with_input = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])
    assert with_input.built and with_input.layers[0].kernel.shape == (4, 2)
    later = keras.Sequential([layers.Dense(2)])
    assert not later.built
    with pytest.raises(ValueError, match="has not been built"):
        later.summary()
    later(shenjing.ones(3, 5))
    assert later.layers[0].kernel.shape == (5, 2)


def test_add_pop_and_names():
    model = keras.Sequential(name="stack")
    model.add(layers.Dense(3, name="first"))
    model.add(layers.Dense(2, name="second"))
    assert [layer.name for layer in model.layers] == ["first", "second"]
    assert model.pop().name == "second" and len(model.layers) == 1
    with pytest.raises(ValueError, match="unique names.*'first'"):
        model.add(layers.Dense(4, name="first"))
    with pytest.raises(TypeError, match="add\\(\\) takes a layer, got int"):
        model.add(3)


def test_errors_before_compile_and_for_bad_data(digits):
    (x_train, y_train), _ = digits
    model = mlp(input_shape=(28, 28))
    with pytest.raises(RuntimeError, match="call compile\\(\\) first"):
        model.fit(x_train[:10], y_train[:10])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="x has 10 samples but y has 9"):
        model.fit(x_train[:10], y_train[:9], verbose=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.fit(x_train[:10], y_train[:10], batch_size=0, verbose=0)
    with pytest.raises(TypeError, match="outputs must be KerasTensors"):
        keras.Model(inputs=keras.Input(shape=(3,)), outputs=None)


def test_fit_prints_keras_like_lines(digits, capsys):
    (x_train, y_train), _ = digits
    model = mlp(input_shape=(28, 28))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train[:256], y_train[:256], epochs=2, batch_size=128)
    out = capsys.readouterr().out.split("\n")   # each epoch: one line rewritten in place
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    last = out[1].split("\r")[-1]
    assert last.startswith("2/2 ━") and "loss: " in last and "accuracy: " in last


def test_same_seed_same_training(digits):
    (x_train, y_train), _ = digits

    def train():
        keras.utils.set_random_seed(3)
        model = keras.Sequential([layers.Flatten(input_shape=(28, 28)),
                                  layers.Dense(16, activation="relu"), layers.Dropout(0.5),
                                  layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x_train[:1000], y_train[:1000], epochs=1, batch_size=100, verbose=0)
        return model.get_weights()
    for a, b in zip(train(), train()):
        numpy.testing.assert_array_equal(a, b)


def test_sequential_with_a_free_sequence_length_builds_and_runs_any_length():
    import numpy as np
    from shenjing import keras
    from shenjing.keras import layers
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(65, 16), layers.LSTM(32, return_sequences=True),
                              layers.Dense(65, activation="softmax")])
    assert model.count_params() == 65 * 16 + 4 * 32 * (16 + 32 + 1) + 32 * 65 + 65
    for length in (1, 7, 50):
        assert model.predict(np.zeros((2, length), "int32"), verbose=0).shape == (2, length, 65)
