"""``keras.callbacks.BackupAndRestore``: a ``fit`` killed mid-run and started again ends
with the weights of a run that was never interrupted."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy
import pytest

import shenjing
from shenjing import keras
from shenjing.datasets import load_sample
from shenjing.io import load as load_tensors
from shenjing.keras import callbacks, layers

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy
    from shenjing import keras
    from shenjing.datasets import load_sample
    from shenjing.keras import callbacks, layers

    mode, backup, out = sys.argv[1:4]
    images, labels = load_sample("mnist")
    x = images[:600].reshape(600, -1).astype(numpy.float32) / 255
    y = labels[:600].astype(numpy.int64)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(16, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])

    class KillAfterSecondEpoch(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                os.kill(os.getpid(), signal.SIGKILL)

    chain = [] if mode == "straight" else [callbacks.BackupAndRestore(backup)]
    if mode == "kill":
        chain.append(KillAfterSecondEpoch())
    history = model.fit(x[:512], y[:512], batch_size=64, epochs=4, shuffle=True,
                        validation_data=(x[512:], y[512:]), callbacks=chain, verbose=0)
    numpy.savez(out, *model.get_weights(), epochs=numpy.array(history.epoch))
""")


def run(tmp_path, mode):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(shenjing.__file__)), os.environ.get("PYTHONPATH", "")]))
    out = tmp_path / f"{mode}.npz"
    done = subprocess.run([sys.executable, str(script), mode, str(tmp_path / "backup"),
                           str(out)], env=env, capture_output=True, text=True, timeout=600)
    return done, out


def test_a_run_killed_by_sigkill_resumes_to_the_uninterrupted_weights(tmp_path):
    killed, out = run(tmp_path, "kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not out.exists()
    backup = load_tensors(tmp_path / "backup" / "backup.safetensors")
    assert backup["epoch"] == 2 and backup["optimizer"]["iterations"] == 16

    resumed, out = run(tmp_path, "resume")
    assert resumed.returncode == 0, resumed.stderr
    straight, reference = run(tmp_path, "straight")
    assert straight.returncode == 0, straight.stderr
    with numpy.load(out) as got, numpy.load(reference) as expected:
        assert list(got["epochs"]) == [2, 3] and list(expected["epochs"]) == [0, 1, 2, 3]
        names = [f"arr_{i}" for i in range(4)]
        assert sorted(got.files) == sorted(expected.files) == sorted(names + ["epochs"])
        for name in names:
            numpy.testing.assert_array_equal(got[name], expected[name], err_msg=name)
    assert not (tmp_path / "backup").exists()          # deleted after the completed fit


@pytest.fixture(scope="module")
def digits():
    images, labels = load_sample("mnist")
    x = images[:320].reshape(320, -1).astype(numpy.float32) / 255
    return x, labels[:320].astype(numpy.int64)


def model_for(hidden=16):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(hidden, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                  loss="sparse_categorical_crossentropy")
    return model


class Crash(callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise RuntimeError("the machine went down")


def fit(model, digits, chain, epochs=4):
    x, y = digits
    return model.fit(x, y, batch_size=64, epochs=epochs, callbacks=chain, verbose=0)


def test_a_crashed_fit_resumes_at_the_next_epoch_and_cleans_up(tmp_path, digits):
    straight = model_for()
    fit(straight, digits, [])

    backup = callbacks.BackupAndRestore(tmp_path / "bk")
    with pytest.raises(RuntimeError, match="went down"):
        fit(model_for(), digits, [backup, Crash()])
    assert os.listdir(tmp_path / "bk") == ["backup.safetensors"]   # nothing half-written

    model = model_for()
    history = fit(model, digits, [callbacks.BackupAndRestore(tmp_path / "bk")])
    assert history.epoch == [2, 3]
    for i, (got, expected) in enumerate(zip(model.get_weights(), straight.get_weights())):
        numpy.testing.assert_array_equal(got, expected, err_msg=f"weight {i}")
    assert not (tmp_path / "bk").exists()
    history = fit(model_for(), digits, [callbacks.BackupAndRestore(tmp_path / "bk")])
    assert history.epoch == [0, 1, 2, 3]                          # no backup: from the start


def test_delete_checkpoint_false_keeps_the_backup_and_a_finished_run_does_nothing(tmp_path,
                                                                                   digits):
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "notes.txt").write_text("mine")
    fit(model_for(), digits, [callbacks.BackupAndRestore(tmp_path / "bk")], epochs=1)
    assert os.listdir(tmp_path / "bk") == ["notes.txt"]            # only its own file deleted

    model = model_for()
    keep = callbacks.BackupAndRestore(tmp_path / "bk", delete_checkpoint=False)
    fit(model, digits, [keep], epochs=2)
    assert load_tensors(keep.path)["epoch"] == 2
    weights = model.get_weights()
    again = model_for()
    history = fit(again, digits, [keep], epochs=2)                # both epochs already done
    assert history.epoch == []
    for got, expected in zip(again.get_weights(), weights):
        numpy.testing.assert_array_equal(got, expected)
    assert again.optimizer.iterations == model.optimizer.iterations == 10


def test_a_backup_that_does_not_fit_is_refused(tmp_path, digits):
    backup = callbacks.BackupAndRestore(tmp_path / "bk", delete_checkpoint=False)
    fit(model_for(), digits, [backup], epochs=1)
    with pytest.raises(ValueError, match=r"BackupAndRestore\(.*bk'\): weight dense(_\d+)?\.kernel"
                                         r" has shape \(784, 8\), the file's .* \(784, 16\)"):
        fit(model_for(hidden=8), digits, [backup])

    x, y = digits
    lazy = keras.Sequential([layers.Dense(10, activation="softmax")])   # not built yet
    lazy.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"BackupAndRestore\(.*\): the model must be built"):
        lazy.fit(x, y, epochs=1, callbacks=[backup], verbose=0)

    shenjing.save({"something": numpy.zeros(2)}, backup.path)
    with pytest.raises(ValueError, match=r"is not a backup of this callback"):
        fit(model_for(), digits, [backup])
    with pytest.raises(ValueError, match=r"save_freq must be 'epoch' or a positive number of "
                                         r"batches, got save_freq=0"):
        callbacks.BackupAndRestore(tmp_path, save_freq=0)
    with pytest.raises(ValueError, match=r"backup_dir must be a folder path"):
        callbacks.BackupAndRestore("")


def test_save_freq_in_batches_redoes_the_interrupted_epoch_as_keras_does(tmp_path, digits):
    seen = {}

    class CrashAt(callbacks.Callback):
        """Records the weights after epoch 1's batch 3 (just backed up), fails after batch 4."""
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == 3:
                seen["weights"] = self.model.get_weights()
            if self.epoch == 1 and batch == 4:
                raise RuntimeError("the machine went down")

    class Watch(callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["restored"] = self.model.get_weights()
            seen["iterations"] = self.model.optimizer.iterations

    # 5 batches an epoch, a backup every 3 batches: epoch 0's batch 2, epoch 1's batches 0, 3
    backup = callbacks.BackupAndRestore(tmp_path / "bk", save_freq=3)
    with pytest.raises(RuntimeError, match="went down"):
        fit(model_for(), digits, [backup, CrashAt()])
    state = load_tensors(backup.path)
    assert state["epoch"] == 1 and state["optimizer"]["iterations"] == 9   # in epoch 1
    history = fit(model_for(), digits, [callbacks.BackupAndRestore(tmp_path / "bk", save_freq=3),
                                        Watch()])
    assert history.epoch == [1, 2, 3] and seen["iterations"] == 9   # epoch 1 again, whole
    for got, expected in zip(seen["restored"], seen["weights"]):
        numpy.testing.assert_array_equal(got, expected)
    assert not (tmp_path / "bk").exists()
