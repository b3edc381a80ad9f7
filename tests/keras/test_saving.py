"""``model.save`` / ``keras.models.load_model`` / ``save_weights`` and ``ModelCheckpoint``."""

import json
import zipfile

import numpy
import pytest

from shenjing import keras
from shenjing.datasets import load_sample
from shenjing.keras import callbacks, layers


@pytest.fixture(scope="module")
def digits():
    images, labels = load_sample("mnist")
    return images[:1200].astype(numpy.float32) / 255, labels[:1200].astype(numpy.int64)


def trained(x, y):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Flatten(input_shape=(28, 28)),
                              layers.Dense(32, activation="relu"), layers.Dropout(0.2),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:1000], y[:1000], epochs=1, verbose=0)
    return model


def test_save_and_load_model_round_trip(tmp_path, digits):
    x, y = digits
    model = trained(x, y)
    path = tmp_path / "digits.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "model.safetensors",
                                              "optimizer.safetensors"]   # trained: Adam's state
        document = json.loads(archive.read("config.json"))
    assert document["class_name"] == "Sequential"
    assert [entry["class_name"] for entry in document["config"]["layers"]] == [
        "Flatten", "Dense", "Dropout", "Dense"]
    loaded = keras.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    numpy.testing.assert_array_equal(loaded.predict(x[1000:], verbose=0),
                                     model.predict(x[1000:], verbose=0))
    assert loaded.evaluate(x[1000:], y[1000:], verbose=0) == pytest.approx(
        model.evaluate(x[1000:], y[1000:], verbose=0))   # compiled again: loss and accuracy
    loaded.fit(x[:100], y[:100], epochs=1, verbose=0)     # and trainable


def test_save_and_load_weights(tmp_path, digits):
    x, y = digits
    model = trained(x, y)
    model.save_weights(tmp_path / "digits.safetensors")
    fresh = keras.Sequential([layers.Flatten(input_shape=(28, 28)),
                              layers.Dense(32, activation="relu"), layers.Dropout(0.2),
                              layers.Dense(10, activation="softmax")])
    fresh.load_weights(tmp_path / "digits.safetensors")
    numpy.testing.assert_array_equal(fresh.predict(x[:50], verbose=0),
                                     model.predict(x[:50], verbose=0))


def test_bad_files_and_names(tmp_path, digits):
    x, y = digits
    model = trained(x, y)
    model.save(tmp_path / "model.h5")   # the course's names work, in the same zip format
    numpy.testing.assert_array_equal(
        keras.models.load_model(tmp_path / "model.h5").predict(x[:5], verbose=0),
        model.predict(x[:5], verbose=0))
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a zip file"):
        keras.models.load_model(tmp_path / "junk.keras")
    model.save(tmp_path / "kept.keras")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "kept.keras", overwrite=False)

    class Twice(keras.layers.Layer):
        def call(self, inputs):
            return inputs * 2
    custom = keras.Sequential([keras.Input(shape=(3,)), Twice(), layers.Dense(2)])
    custom.save(tmp_path / "custom.keras")
    with pytest.raises(ValueError, match="unknown layer class 'Twice'.*custom_objects"):
        keras.models.load_model(tmp_path / "custom.keras")
    again = keras.models.load_model(tmp_path / "custom.keras", custom_objects={"Twice": Twice})
    ones = numpy.ones((1, 3), numpy.float32)
    numpy.testing.assert_array_equal(again.predict(ones, verbose=0), custom.predict(ones,
                                                                                     verbose=0))


def test_model_checkpoint_keeps_the_best(tmp_path, digits):
    x, y = digits
    model = trained(x, y)
    saved = []

    class Watch(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            saved.append(sorted(p.name for p in tmp_path.iterdir()))
    best = callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="val_accuracy",
                                     save_best_only=True)
    every = callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.safetensors"),
                                      save_weights_only=True)
    history = model.fit(x[:1000], y[:1000], epochs=3, validation_data=(x[1000:], y[1000:]),
                        callbacks=[best, every, Watch()], verbose=0)
    assert saved[-1] == ["best.keras", "w-01.safetensors", "w-02.safetensors",
                         "w-03.safetensors"]
    assert best.best == max(history.history["val_accuracy"])
    restored = keras.models.load_model(tmp_path / "best.keras")
    _, accuracy = restored.evaluate(x[1000:], y[1000:], verbose=0)
    assert accuracy == pytest.approx(best.best)
