"""Training state in saved models: the optimizer's state and the compile settings travel
in the ``.keras`` file, a mismatched state is refused, and ``ModelCheckpoint`` writes
whole models and weights that load back."""

import json
import zipfile

import numpy
import pytest

from shenjing import keras
from shenjing.datasets import load_sample
from shenjing.io import load as load_tensors
from shenjing.keras import callbacks, layers, optimizers


@pytest.fixture(scope="module")
def digits():
    images, labels = load_sample("mnist")
    x = images[:640].reshape(640, -1).astype(numpy.float32) / 255
    return x, labels[:640].astype(numpy.int64)


OPTIMIZERS = {
    "adam": lambda: optimizers.Adam(learning_rate=2e-3),
    "sgd_momentum": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "nadam": lambda: optimizers.Nadam(learning_rate=2e-3),
    "adam_schedule": lambda: optimizers.Adam(
        optimizers.schedules.ExponentialDecay(3e-3, decay_steps=5, decay_rate=0.8)),
}


def model_for(optimizer, hidden=16):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(hidden, activation="relu"),
                              layers.Dropout(0.1), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def assert_same_weights(a, b):
    for i, (wa, wb) in enumerate(zip(a.get_weights(), b.get_weights())):
        numpy.testing.assert_array_equal(wa, wb, err_msg=f"weight {i}")


def fit(model, data, epochs):
    x, y = data
    model.fit(x[:512], y[:512], batch_size=64, epochs=epochs, verbose=0)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_save_load_continues_exactly_where_training_stopped(tmp_path, digits, name):
    reference = model_for(OPTIMIZERS[name]())
    fit(reference, digits, 2)
    keras.utils.set_random_seed(1)       # the same draws (shuffle, dropout) after the break
    fit(reference, digits, 2)

    model = model_for(OPTIMIZERS[name]())
    fit(model, digits, 2)
    model.save(tmp_path / "mid.keras")
    loaded = keras.models.load_model(tmp_path / "mid.keras")
    assert loaded.optimizer.iterations == model.optimizer.iterations == 16
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    keras.utils.set_random_seed(1)
    fit(loaded, digits, 2)
    assert_same_weights(reference, loaded)

    # without the saved state (a fresh optimizer) the run differs: the check above can fail
    fresh = model_for(OPTIMIZERS[name]())
    fresh.set_weights(model.get_weights())
    keras.utils.set_random_seed(1)
    fit(fresh, digits, 2)
    assert not numpy.array_equal(fresh.get_weights()[0], reference.get_weights()[0])


@pytest.mark.parametrize("name", ["adam", "sgd_momentum"])
def test_the_next_step_after_loading_equals_the_uninterrupted_one(tmp_path, digits, name):
    x, y = digits
    model = model_for(OPTIMIZERS[name]())
    fit(model, digits, 1)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    for slots, again in zip(model.optimizer.get_state(model.trainable_weights)["slots"],
                            loaded.optimizer.get_state(loaded.trainable_weights)["slots"]):
        assert sorted(slots) == sorted(again) != []
        for key in slots:
            numpy.testing.assert_array_equal(slots[key], again[key])
    for each in (model, loaded):
        keras.utils.set_random_seed(2)           # the same dropout mask for both
        each.train_on_batch(x[:64], y[:64])
    assert_same_weights(model, loaded)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 9


def test_the_file_holds_the_state_and_the_compile_settings(tmp_path, digits):
    schedule = optimizers.schedules.ExponentialDecay(3e-3, decay_steps=5, decay_rate=0.8)
    model = model_for(optimizers.Adam(schedule, amsgrad=True))
    fit(model, digits, 1)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        compile_config = json.loads(archive.read("config.json"))["compile_config"]
        (tmp_path / "opt.safetensors").write_bytes(archive.read("optimizer.safetensors"))
    assert compile_config["optimizer"]["class_name"] == "Adam"
    assert compile_config["optimizer"]["config"]["amsgrad"] is True
    assert compile_config["optimizer"]["config"]["learning_rate"]["config"]["decay_steps"] == 5
    assert compile_config["loss"]["class_name"] == "SparseCategoricalCrossentropy"
    assert compile_config["metrics"] == ["accuracy"]
    state = load_tensors(tmp_path / "opt.safetensors")
    assert state["iterations"] == 8
    kernel = model.trainable_weights[0]
    assert [sorted(s) for s in state["slots"]] == [["momentum", "velocity", "velocity_hat"]] * 4
    numpy.testing.assert_array_equal(state["slots"][0]["velocity_hat"],
                                     model.optimizer.slots(kernel)["velocity_hat"])
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.optimizer._learning_rate, optimizers.schedules.ExponentialDecay)
    assert loaded.optimizer.learning_rate == model.optimizer.learning_rate == pytest.approx(
        3e-3 * 0.8 ** (8 / 5))
    assert loaded.compiled_loss.metrics_spec == ["accuracy"]


def test_an_untrained_model_saves_no_optimizer_state(tmp_path):
    model = model_for("adam")
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert "optimizer.safetensors" not in archive.namelist()
    assert keras.models.load_model(tmp_path / "m.keras").optimizer.iterations == 0


def with_member(source, target, name, data):
    """A copy of the zip ``source`` at ``target`` whose member ``name`` is ``data``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for member in old.namelist():
            new.writestr(member, data if member == name else old.read(member))


def optimizer_member(path):
    with zipfile.ZipFile(path) as archive:
        return archive.read("optimizer.safetensors")


def test_a_state_that_does_not_fit_the_weights_is_refused(tmp_path, digits):
    model = model_for(optimizers.Adam())
    fit(model, digits, 1)
    model.save(tmp_path / "m.keras")
    narrow = model_for(optimizers.Adam(), hidden=8)            # other shapes, same count
    fit(narrow, digits, 1)
    narrow.save(tmp_path / "narrow.keras")
    with_member(tmp_path / "m.keras", tmp_path / "shape.keras", "optimizer.safetensors",
                optimizer_member(tmp_path / "narrow.keras"))
    with pytest.raises(ValueError, match=r"load_model.*slot '(momentum|velocity)' of variable 0 "
                                         r"\(dense(_\d+)?\.kernel\) has shape \(784, 8\) in the "
                                         r"saved state, but the variable has shape \(784, 16\)"):
        keras.models.load_model(tmp_path / "shape.keras")

    plain = model_for(optimizers.SGD(learning_rate=0.01, momentum=0.5))   # one slot, not two
    fit(plain, digits, 1)
    plain.save(tmp_path / "sgd.keras")
    with_member(tmp_path / "m.keras", tmp_path / "slots.keras", "optimizer.safetensors",
                optimizer_member(tmp_path / "sgd.keras"))
    with pytest.raises(ValueError, match=r"variable 0 \(dense(_\d+)?\.kernel, shape \(784, 16\)\) "
                                         r"has 2 slot\(s\) \['momentum', 'velocity'\] in Adam, "
                                         r"the saved state \['momentum'\]"):
        keras.models.load_model(tmp_path / "slots.keras")

    deeper = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(16, activation="relu"),
                               layers.Dense(16, activation="relu"), layers.Dense(10)])
    deeper.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    fit(deeper, digits, 1)
    deeper.save(tmp_path / "deeper.keras")
    with_member(tmp_path / "m.keras", tmp_path / "count.keras", "optimizer.safetensors",
                optimizer_member(tmp_path / "deeper.keras"))
    with pytest.raises(ValueError, match=r"slots of 6 variables, but there are 4 trainable"):
        keras.models.load_model(tmp_path / "count.keras")

    for name in ("shape.keras", "slots.keras", "count.keras"):   # the weights alone still load
        weights_only = keras.models.load_model(tmp_path / name, compile=False)
        assert weights_only.optimizer is None
        assert_same_weights(weights_only, model)


def test_get_state_and_set_state_check_what_they_restore():
    a, b = layers.Dense(3), layers.Dense(3)
    for layer in (a, b):
        layer.build((None, 2))
    variables = a.trainable_weights
    optimizer = optimizers.RMSprop(momentum=0.9, centered=True)
    for _ in range(2):
        optimizer.apply([numpy.ones(v.shape, numpy.float32) for v in variables], variables)
    state = optimizer.get_state()
    assert state["iterations"] == 2
    assert sorted(state["slots"][0]) == ["average_gradient", "momentum", "velocity"]
    state["slots"][0]["velocity"][...] = 7.0                  # copies: the optimizer unchanged
    assert not numpy.any(optimizer.slots(variables[0])["velocity"] == 7.0)

    other = optimizers.RMSprop(momentum=0.9, centered=True)
    other.set_state(state, b.trainable_weights)
    assert other.iterations == 2 and other.built
    numpy.testing.assert_array_equal(other.slots(b.trainable_weights[0])["velocity"], 7.0)
    with pytest.raises(ValueError, match="RMSprop.get_state: the optimizer has not been built"):
        optimizers.RMSprop().get_state()
    with pytest.raises(ValueError, match=r"RMSprop.set_state: the saved state holds the slots "
                                         r"of 2 variables, but there are 1"):
        other.set_state(state, b.trainable_weights[:1])
    with pytest.raises(ValueError, match=r"expected \{'iterations'"):
        other.set_state({"slots": []}, b.trainable_weights)
    nadam = optimizers.Nadam()
    nadam.apply([numpy.ones(v.shape, numpy.float32) for v in variables], variables)
    saved = nadam.get_state()
    assert saved["shared"] == {"u_product": pytest.approx(nadam.u_product)} and \
        nadam.u_product != 1.0
    again = optimizers.Nadam()
    again.set_state(saved, b.trainable_weights)
    assert again.u_product == nadam.u_product
    del saved["shared"]["u_product"]
    with pytest.raises(ValueError, match=r"lacks \['u_product'\]"):
        optimizers.Nadam().set_state(saved, b.trainable_weights)


# ------------------------------------------------------------ ModelCheckpoint, both ways

def test_model_checkpoint_whole_models_resume_training(tmp_path, digits):
    x, y = digits
    reference = model_for(OPTIMIZERS["adam"]())
    reference.fit(x[:512], y[:512], batch_size=64, epochs=2, shuffle=False, verbose=0)
    keras.utils.set_random_seed(1)               # the same dropout masks after the break
    reference.fit(x[:512], y[:512], batch_size=64, epochs=1, shuffle=False, verbose=0)

    model = model_for(OPTIMIZERS["adam"]())
    pattern = str(tmp_path / "ckpt" / "m-{epoch:02d}-{val_loss:.2f}.keras")   # folder made
    every = callbacks.ModelCheckpoint(pattern)
    history = model.fit(x[:512], y[:512], batch_size=64, epochs=2, shuffle=False, verbose=0,
                        validation_data=(x[512:], y[512:]), callbacks=[every])
    names = sorted(p.name for p in (tmp_path / "ckpt").iterdir())
    assert names == [f"m-{e + 1:02d}-{v:.2f}.keras"
                     for e, v in enumerate(history.history["val_loss"])]
    loaded = keras.models.load_model(tmp_path / "ckpt" / names[1])
    keras.utils.set_random_seed(1)
    loaded.fit(x[:512], y[:512], batch_size=64, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(reference, loaded)


def test_model_checkpoint_weights_files_load_back(tmp_path, digits):
    x, y = digits
    model = model_for(OPTIMIZERS["sgd_momentum"]())
    snapshots = []

    class Snapshot(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(self.model.get_weights())
    best = callbacks.ModelCheckpoint(str(tmp_path / "best.weights.safetensors"),
                                     save_weights_only=True, save_best_only=True,
                                     monitor="val_accuracy", mode="max")
    h5 = callbacks.ModelCheckpoint(str(tmp_path / "w{epoch}.weights.h5"), save_weights_only=True)
    history = model.fit(x[:512], y[:512], batch_size=64, epochs=3, verbose=0,
                        validation_data=(x[512:], y[512:]), callbacks=[best, h5, Snapshot()])
    accuracy = history.history["val_accuracy"]
    chosen = max(range(3), key=lambda e: (accuracy[e], -e))   # the first best epoch
    restored = model_for("adam")
    restored.load_weights(tmp_path / "best.weights.safetensors")
    for got, expected in zip(restored.get_weights(), snapshots[chosen]):
        numpy.testing.assert_array_equal(got, expected)
    assert best.best == accuracy[chosen]
    for epoch in range(3):
        restored.load_weights(tmp_path / f"w{epoch + 1}.weights.h5")   # safetensors inside
        for got, expected in zip(restored.get_weights(), snapshots[epoch]):
            numpy.testing.assert_array_equal(got, expected)


def test_model_checkpoint_every_n_batches_and_bad_arguments(tmp_path, digits):
    x, y = digits
    model = model_for("adam")
    batches = callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.weights.safetensors"),
                                        save_weights_only=True, save_freq=3)
    model.fit(x[:512], y[:512], batch_size=64, epochs=2, verbose=0, callbacks=[batches])
    # 8 batches an epoch, a save every 3rd batch counted across epochs
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["e1-b3.weights.safetensors", "e1-b6.weights.safetensors", "e2-b1.weights.safetensors",
         "e2-b4.weights.safetensors", "e2-b7.weights.safetensors"])
    with pytest.raises(ValueError, match=r"ModelCheckpoint: save_weights_only=True .*\.keras"):
        callbacks.ModelCheckpoint("m.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"save_weights_only=False writes a whole model"):
        callbacks.ModelCheckpoint("m.weights.h5")
    with pytest.raises(ValueError, match=r"save_freq must be 'epoch' or a positive number"):
        callbacks.ModelCheckpoint("m.keras", save_freq=0)
    blind = callbacks.ModelCheckpoint(str(tmp_path / "blind.keras"), save_best_only=True)
    with pytest.warns(UserWarning, match=r"only with 'val_loss' in the logs .*saving"):
        model.fit(x[:64], y[:64], epochs=1, verbose=0, callbacks=[blind])   # Keras 3: saves
    assert keras.models.load_model(tmp_path / "blind.keras").optimizer.iterations == 18
    typo = callbacks.ModelCheckpoint(str(tmp_path / "m-{val_los:.2f}.keras"))
    with pytest.raises(ValueError, match=r"names 'val_los', which is not among epoch, batch"):
        model.fit(x[:64], y[:64], epochs=1, verbose=0, validation_data=(x[512:], y[512:]),
                  callbacks=[typo])
