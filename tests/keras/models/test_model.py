"""``Model``: subclassing, the forms of evaluate / predict, weights, data given as batches."""

import numpy
import pytest

import shenjing
from shenjing import keras
from shenjing.datasets import load_sample
from shenjing.keras import layers
from shenjing.utils.data import DataLoader, TensorDataset


@pytest.fixture(scope="module")
def digits():
    images, labels = load_sample("mnist")
    x = images[:3000].reshape(3000, -1).astype(numpy.float32) / 255
    return x, labels[:3000].astype(numpy.int64)


class Classifier(keras.Model):
    """The course's subclassing form: layers in __init__, the computation in call."""

    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(64, activation="relu")
        self.dropout = layers.Dropout(0.3)
        self.out = layers.Dense(10, activation="softmax")
        self.trainings = []

    def call(self, inputs, training=None):
        self.trainings.append(training)
        return self.out(self.dropout(self.hidden(inputs), training=training))


def test_a_subclassed_model_trains_and_gets_the_training_flag(digits):
    x, y = digits
    keras.utils.set_random_seed(0)
    model = Classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x[:2500], y[:2500], epochs=2, batch_size=50, verbose=0)
    assert set(model.trainings) == {True}
    assert history.history["accuracy"][1] > history.history["accuracy"][0]
    model.trainings.clear()
    loss, accuracy = model.evaluate(x[2500:], y[2500:], verbose=0)
    assert set(model.trainings) == {False} and accuracy > 0.85
    assert [name for name, _ in model.named_parameters()] == [
        "hidden.kernel", "hidden.bias", "out.kernel", "out.bias"]
    assert not model.training   # fit and evaluate left the mode as they found it: inference


def test_evaluate_and_predict_forms(digits):
    x, y = digits
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    loss = model.evaluate(x[:100], y[:100], verbose=0)
    assert isinstance(loss, float) and loss == pytest.approx(
        model.evaluate(x[:100], y[:100], batch_size=7, verbose=0), rel=1e-5)
    assert model.evaluate(x[:100], y[:100], verbose=0, return_dict=True) == {"loss": loss}
    whole = model.predict(x[:100], verbose=0)
    numpy.testing.assert_allclose(model.predict(x[:100], batch_size=9, verbose=0), whole,
                                  rtol=1e-6)
    numpy.testing.assert_allclose(model.predict_on_batch(x[:10]), whole[:10], rtol=1e-6)
    manual = -numpy.log(whole[numpy.arange(100), y[:100]]).mean()
    assert loss == pytest.approx(manual, rel=1e-5)


def test_sample_and_class_weights(digits):
    x, y = digits
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    probabilities = model.predict(x[:50], verbose=0)
    per_sample = -numpy.log(probabilities[numpy.arange(50), y[:50]])
    weights = numpy.linspace(0, 2, 50).astype(numpy.float32)
    weighted = model.evaluate(x[:50], y[:50], sample_weight=weights, batch_size=50, verbose=0)
    assert weighted == pytest.approx((per_sample * weights).mean(), rel=1e-5)
    before = model.get_weights()
    model.fit(x[:50], y[:50], class_weight={c: 0.0 for c in range(10)}, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):   # every weight zero: nothing to learn
        numpy.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="class_weight has no weight for classes"):
        model.fit(x[:50], y[:50], class_weight={0: 1.0}, verbose=0)


def test_train_on_batch_and_batches_from_a_data_loader(digits):
    x, y = digits
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    first_loss, _ = model.train_on_batch(x[:64], y[:64])
    assert model.optimizer.iterations == 1
    loader = DataLoader(TensorDataset(shenjing.tensor(x[:2000]), shenjing.tensor(y[:2000])),
                        batch_size=100, shuffle=True)
    history = model.fit(loader, epochs=2, verbose=0, validation_data=(x[2000:], y[2000:]))
    assert model.optimizer.iterations == 1 + 2 * 20
    assert history.history["val_accuracy"][-1] > 0.8 and history.history["loss"][-1] < first_loss
    with pytest.raises(ValueError, match="`y` must not be given"):
        model.fit(loader, y[:10], verbose=0)


def test_get_and_set_weights_round_trip():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), layers.Dense(2)])
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 4), (4,), (4, 2), (2,)]
    model.set_weights([numpy.ones_like(w) for w in weights])
    numpy.testing.assert_array_equal(model.predict(numpy.ones((1, 3)), verbose=0), [[17, 17]])
    with pytest.raises(ValueError, match="weight 1 has shape \\(4,\\), got an array of shape"):
        model.set_weights([weights[0], numpy.ones(5), weights[2], weights[3]])
