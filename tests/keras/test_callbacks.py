"""``keras.callbacks`` driving ``fit`` on real digits."""

import numpy
import pytest

from shenjing import keras
from shenjing.datasets import load_sample
from shenjing.keras import callbacks, layers


@pytest.fixture(scope="module")
def digits():
    images, labels = load_sample("mnist")
    x = images[:2000].reshape(2000, -1).astype(numpy.float32) / 255
    return x, labels[:2000].astype(numpy.int64)


def model_for(learning_rate=0.05):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(32, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin", self.params["epochs"], self.params["steps"]))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, sorted(logs)))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch", batch))


def test_hooks_are_called_in_order(digits):
    x, y = digits
    recorder = Recorder()
    model_for().fit(x[:300], y[:300], batch_size=100, epochs=2, callbacks=[recorder],
                    validation_data=(x[1500:], y[1500:]), verbose=0)
    keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert recorder.events == [("train_begin", 2, 3), ("batch", 0), ("batch", 1), ("batch", 2),
                               ("epoch_end", 0, keys), ("batch", 0), ("batch", 1), ("batch", 2),
                               ("epoch_end", 1, keys)]
    assert recorder.model is not None


def test_early_stopping_stops_and_restores_the_best_weights(digits):
    x, y = digits
    model = model_for(learning_rate=2.0)    # a rate that makes validation loss go up
    best = {}

    class KeepBest(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs["val_loss"] < best.get("loss", numpy.inf):
                best.update(loss=logs["val_loss"], weights=self.model.get_weights())
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(x[:1500], y[:1500], epochs=30, batch_size=50,
                        validation_data=(x[1500:], y[1500:]), callbacks=[KeepBest(), stop],
                        verbose=0)
    epochs = len(history.epoch)
    assert epochs < 30 and stop.stopped_epoch == epochs - 1
    assert stop.best_epoch == int(numpy.nanargmin(history.history["val_loss"]))
    assert epochs - 1 - stop.best_epoch == 2                      # patience 2
    for a, b in zip(model.get_weights(), best["weights"]):
        numpy.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="monitor 'val_loss' is not in the logs"):
        model_for().fit(x[:100], y[:100], callbacks=[callbacks.EarlyStopping()], verbose=0)


def test_learning_rate_scheduler_and_reduce_on_plateau(digits):
    x, y = digits
    model = model_for()
    schedule = callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch)
    history = model.fit(x[:200], y[:200], epochs=3, callbacks=[schedule], verbose=0)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025)
    model = model_for(learning_rate=0.01)
    plateau = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1,
                                          min_delta=10.0)   # nothing counts as improving
    history = model.fit(x[:200], y[:200], epochs=4, callbacks=[plateau], verbose=0)
    # the first epoch improves on infinity; then each epoch without improvement halves the rate
    assert history.history["learning_rate"] == pytest.approx([0.01, 0.01, 0.005, 0.0025])


def test_terminate_on_nan(digits):
    x, y = digits
    bad = x[:300].copy()
    bad[150:] = numpy.nan
    history = model_for().fit(bad, y[:300], batch_size=50, epochs=3, shuffle=False,
                              callbacks=[callbacks.TerminateOnNaN()], verbose=0)
    assert len(history.epoch) == 1 and numpy.isnan(history.history["loss"][0])
