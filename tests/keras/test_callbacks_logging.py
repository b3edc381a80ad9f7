"""What ``fit`` shows and writes: the progress bar (``verbose`` 0, 1, 2), ``CSVLogger``'s
file, and the calls of a ``LambdaCallback``."""

import csv
import re

import numpy
import pytest

from shenjing import keras
from shenjing.datasets import load_sample
from shenjing.keras import callbacks, layers
from shenjing.keras import utils as keras_utils
from tests.keras.oracle import keras3

FINAL = re.compile(r"^3/3 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}"
                   r"(?P<val> - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4})? *$")


@pytest.fixture(scope="module")
def digits():
    images, labels = load_sample("mnist")
    x = images[:400].reshape(400, -1).astype(numpy.float32) / 255
    return x, labels[:400].astype(numpy.int64)


def model_for():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_verbose_1_rewrites_one_line_per_epoch(digits, capsys):
    x, y = digits
    model_for().fit(x[:300], y[:300], batch_size=100, epochs=2, verbose=1,
                    validation_data=(x[300:], y[300:]))
    lines = capsys.readouterr().out.split("\n")
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[4:] == [""]
    for line in (lines[1], lines[3]):
        updates = line.split("\r")
        assert updates[0] == "" and len(updates) >= 3     # rewritten in place, no new line
        assert FINAL.match(updates[-1]).group("val")      # the epoch's logs, val_ included
        for update in updates[1:-1]:                       # the batches: an ETA, no val_
            assert re.match(r"^[12]/3 ━+─+ \d+s \d+(us|ms|s)/step - accuracy: ", update)
            assert "val_" not in update


def test_verbose_2_one_line_per_epoch_and_0_silent(digits, capsys):
    x, y = digits
    model = model_for()
    model.fit(x[:300], y[:300], batch_size=100, epochs=2, verbose=2)
    lines = capsys.readouterr().out.split("\n")
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[4:] == [""]
    for line in (lines[1], lines[3]):
        assert re.match(r"^3/3 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: "
                        r"\d\.\d{4}$", line)
    model.fit(x[:300], y[:300], batch_size=100, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x[:300], y[:300], batch_size=100, verbose=1)       # one epoch: no "Epoch 1/1"
    model.evaluate(x[:300], y[:300], batch_size=100)             # verbose="auto": a bar
    out = capsys.readouterr().out.split("\n")
    assert len(out) == 3 and out[2] == ""
    assert all(FINAL.match(line.split("\r")[-1]) for line in out[:2])


def test_progbar_eta_and_time_per_step(monkeypatch, capsys):
    clock = iter([0.0, 0.05, 0.05 + 11 * 0.021, 1.3])
    monkeypatch.setattr(keras_utils, "_now", lambda: next(clock))
    bar = keras.utils.Progbar(47)
    bar.update(1, [("accuracy", 0.5), ("loss", 0.9)])
    bar.update(12, [("accuracy", 0.81), ("loss", 0.52)])
    bar.update(47, [("accuracy", 0.9), ("loss", 0.00002)])
    updates = capsys.readouterr().out.split("\r")
    # 11 steps after the first took 21 ms each: 35 steps left, an ETA of 0.7 s
    assert updates[2].rstrip() == "12/47 ━━━━━─────────────── 1s 21ms/step - accuracy: 0.8100 " \
                                  "- loss: 0.5200"
    assert updates[3] == ("47/47 ━━━━━━━━━━━━━━━━━━━━ 1s 27ms/step - accuracy: 0.9000 - loss: "
                          "2.0000e-05\n")   # the time taken, not an ETA; tiny values: 4e


def read_csv(path, separator=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=separator))


def test_csv_logger_rows_are_the_history(digits, tmp_path):
    x, y = digits
    path = tmp_path / "log.csv"
    model = model_for()
    history = model.fit(x[:300], y[:300], batch_size=100, epochs=3, verbose=0,
                        validation_data=(x[300:], y[300:]), callbacks=[callbacks.CSVLogger(path)])
    rows = read_csv(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2]
    for column, key in enumerate(rows[0][1:], start=1):
        assert [float(r[column]) for r in rows[1:]] == history.history[key]   # exact floats
    # append: rows go on after the old ones, under the one header; another separator
    more = model.fit(x[:300], y[:300], batch_size=100, epochs=5, initial_epoch=3, verbose=0,
                     validation_data=(x[300:], y[300:]),
                     callbacks=[callbacks.CSVLogger(path, append=True)])
    rows = read_csv(path)
    assert [r[0] for r in rows] == ["epoch", "0", "1", "2", "3", "4"]
    assert float(rows[-1][2]) == more.history["loss"][-1]
    model.fit(x[:300], y[:300], batch_size=100, epochs=1, verbose=0,
              callbacks=[callbacks.CSVLogger(path, separator=";")])
    rows = read_csv(path, ";")
    assert len(rows) == 2 and rows[0][:3] == ["epoch", "accuracy", "loss"]
    assert not list(tmp_path.glob(".*.tmp"))             # written atomically: no leftovers
    with pytest.raises(ValueError, match="CSVLogger: separator must be one character"):
        callbacks.CSVLogger(path, separator=", ")


def test_csv_logger_columns_as_keras_without_validation(digits, tmp_path):
    oracle = keras3()
    x, y = digits
    files = []
    for module in (oracle, keras):
        model = module.Sequential([module.Input(shape=(784,)),
                                   module.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        path = tmp_path / f"{module.__name__}.csv"
        model.fit(x[:100], y[:100], batch_size=50, epochs=2, verbose=0,
                  callbacks=[module.callbacks.CSVLogger(str(path))])
        files.append(read_csv(path))
    theirs, ours = files
    assert ours[0] == theirs[0]                          # val_ columns, before any validation
    assert [row[0] for row in ours] == [row[0] for row in theirs]
    assert [row[3:] for row in ours[1:]] == [row[3:] for row in theirs[1:]] == [["NA", "NA"]] * 2


def test_lambda_callback_calls(digits):
    x, y = digits
    calls = []
    hooks = callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_batch_end=lambda batch, logs: calls.append(("batch_end", batch, sorted(logs))),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, round(logs["loss"], 6))),
        on_train_end=lambda logs: calls.append("train_end"))
    history = model_for().fit(x[:200], y[:200], batch_size=100, epochs=2, verbose=0,
                              callbacks=[hooks])
    losses = [round(value, 6) for value in history.history["loss"]]
    batch = ["accuracy", "loss"]
    assert calls == ["train_begin",
                     ("epoch_begin", 0), ("batch_begin", 0), ("batch_end", 0, batch),
                     ("batch_begin", 1), ("batch_end", 1, batch), ("epoch_end", 0, losses[0]),
                     ("epoch_begin", 1), ("batch_begin", 0), ("batch_end", 0, batch),
                     ("batch_begin", 1), ("batch_end", 1, batch), ("epoch_end", 1, losses[1]),
                     "train_end"]
    tested = []
    model = model_for()
    model.evaluate(x[:200], y[:200], batch_size=100, verbose=0, callbacks=[
        callbacks.LambdaCallback(on_test_batch_end=lambda batch, logs: tested.append(batch))])
    assert tested == [0, 1]
    with pytest.raises(TypeError, match="'on_epoch_finish' is not a callback hook"):
        callbacks.LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="on_epoch_end must be a function, got a int"):
        callbacks.LambdaCallback(on_epoch_end=3)


def shape_of(out):
    """Printed progress reduced to its shape: colours and backspaces gone, the last state
    of each line, numbers and time units as '#'."""
    out = re.sub(r"\x1b\[[0-9;]*m|\x08", "", out)
    lines = [line.split("\r")[-1].rstrip() for line in out.split("\n")]
    return [re.sub(r"\d+(\.\d+)?(e-\d+)?(us|ms|s)?", "#", line) for line in lines]


def test_progress_lines_have_the_shape_of_keras(digits, capsys):
    oracle = keras3()
    x, y = digits
    shapes = []
    for module in (oracle, keras):
        model = module.Sequential([module.Input(shape=(784,)),
                                   module.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        capsys.readouterr()
        model.fit(x[:300], y[:300], batch_size=100, epochs=2, verbose=1,
                  validation_data=(x[300:], y[300:]))
        model.fit(x[:300], y[:300], batch_size=100, epochs=2, verbose=2)
        model.evaluate(x[:300], y[:300], batch_size=100, verbose=1)
        shapes.append(shape_of(capsys.readouterr().out))
    assert shapes[1] == shapes[0]
    assert shapes[1][1] == ("#/# ━━━━━━━━━━━━━━━━━━━━ # #/step - accuracy: # - loss: # - "
                            "val_accuracy: # - val_loss: #")
