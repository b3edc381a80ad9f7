"""``shenjing examples`` and ``shenjing run``: the listing, one-line errors for bad input,
and a diverging run that stops naming the epoch and batch and keeps the last good model."""

import json
import sys
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import shenjing
from shenjing import cli
from shenjing.commands import registry, run as run_command
from shenjing.commands.session import Diverged, Session


def test_examples_lists_every_example_with_its_result(capsys):
    assert cli.main(["examples"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for example in registry.EXAMPLES.values():
        (line,) = [l for l in lines if l.split()[0] == example.name]
        assert example.reference in line and f"[{example.face}]" in line
    # and every runnable script of examples/ is in the listing
    scripts = {path.stem for path in registry.script_path("mnist_mlp").parent.glob("*.py")
               if "script_main(" in path.read_text()}
    assert scripts == set(registry.EXAMPLES)


def test_every_example_has_a_script_with_train():
    for name in registry.EXAMPLES:
        path = registry.script_path(name)
        text = path.read_text()
        assert "def train(session)" in text and f'script_main("{name}", train)' in text, path


def test_unknown_example_is_one_line_and_status_2(capsys):
    assert cli.main(["run", "mnist_transformer"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "unknown example 'mnist_transformer'" in err and "mnist_mlp" in err


def test_missing_data_folder_is_one_line(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert cli.main(["run", "mnist_mlp", "--data", str(missing), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"--data {missing}: not a folder" in err
    assert not (tmp_path / "metrics.json").exists()


def test_missing_extra_names_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import matplotlib now fails
    assert cli.main(["run", "mnist_mlp", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "needs matplotlib" in err and "pip install 'shenjing[examples]'" in err


def test_data_file_missing_is_one_line(tmp_path, capsys, monkeypatch):
    def train(session):
        raise shenjing.datasets.DataFileError("mnist/train-images-idx3-ubyte.gz not found\n"
                                              "second line of detail")
    args = SimpleNamespace(epochs=1, batch_size=8, data=None, out=str(tmp_path), limit=None,
                           seed=0, no_progress=True)
    assert run_command.execute(registry.get("mnist_mlp"), train, args) == 1
    err = capsys.readouterr().err.strip()
    assert err == "shenjing run: mnist_mlp: mnist/train-images-idx3-ubyte.gz not found"


def _diverging_train(session):
    """A linear model on random data; batch 3 of epoch 2 gets an infinite input."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 5)).astype(np.float32), rng.integers(0, 3, 64)
    model = shenjing.nn.Linear(5, 3)
    optimizer = shenjing.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(1, session.epochs + 1):
        for batch in range(8):
            xb = x[batch * 8:(batch + 1) * 8].copy()
            if (epoch, batch) == (2, 3):
                xb[0, 0] = np.inf
            loss = shenjing.nn.functional.cross_entropy(
                model(shenjing.from_numpy(xb)), shenjing.from_numpy(y[batch * 8:(batch + 1) * 8]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            session.check_loss(loss.item(), epoch, batch)
        session.end_epoch(epoch, {"loss": loss.item()},
                          save=lambda path: shenjing.save(model.state_dict(), path),
                          filename="model.safetensors")
    return {"loss": loss.item()}


def test_divergence_names_epoch_and_batch_and_keeps_checkpoint(tmp_path, capsys):
    args = SimpleNamespace(epochs=3, batch_size=8, data=None, out=str(tmp_path), limit=None,
                           seed=0, no_progress=True)
    with warnings.catch_warnings():          # NumPy's own "invalid value" warnings are not
        warnings.simplefilter("ignore", RuntimeWarning)   # the command's message
        assert run_command.execute(registry.get("mnist_mlp"), _diverging_train, args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "diverged" in err and "epoch 2, batch 3" in err
    checkpoint = tmp_path / "model.safetensors"
    assert f"last good checkpoint is kept: {checkpoint}" in err
    state = shenjing.load(str(checkpoint))                  # epoch 1's weights, all finite
    assert all(np.isfinite(t.numpy()).all() for t in state.values())
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert [h["epoch"] for h in metrics["history"]] == [1]
    assert "epoch 2, batch 3" in metrics["metrics"]["diverged"]


def test_divergence_before_any_checkpoint_says_so(tmp_path):
    session = Session("x", 1, 8, out=tmp_path, progress=False)
    with pytest.raises(Diverged, match=r"epoch 1, batch 0; no epoch had finished"):
        session.check_loss(float("nan"), 1, 0)


def test_keras_callback_stops_at_nan_batch(tmp_path):
    from shenjing import keras
    x = np.random.default_rng(1).standard_normal((40, 4)).astype(np.float32)
    x[25, 0] = np.nan                                       # in batch 2 (batch size 10)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    session = Session("k", 2, 10, out=tmp_path, progress=False, log=lambda line: None)
    with pytest.raises(Diverged, match=r"epoch 1, batch 2"):
        model.fit(x, np.zeros((40, 1), np.float32), batch_size=10, epochs=2, shuffle=False,
                  verbose=0, callbacks=session.keras_callbacks())
    assert session.history == [] and not (tmp_path / "model.keras").exists()


def test_keras_callback_records_epochs_and_saves(tmp_path):
    from shenjing import keras
    x = np.random.default_rng(2).standard_normal((40, 4)).astype(np.float32)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    lines = []
    session = Session("k", 2, 10, out=tmp_path, progress=True, log=lines.append)
    history = model.fit(x, x[:, :1] * 2, batch_size=10, epochs=2, verbose=0,
                        callbacks=session.keras_callbacks())
    assert session.series("loss") == pytest.approx(history.history["loss"])
    assert lines[0].startswith("k epoch 1/2  loss ")
    reloaded = keras.models.load_model(str(tmp_path / "model.keras"))
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_progress_wraps_batches_with_a_bar(tmp_path, capsys):
    pytest.importorskip("tqdm")
    session = Session("bar", 3, 8, out=tmp_path, progress=True)
    assert list(session.progress(range(5), epoch=2, total=5)) == [0, 1, 2, 3, 4]
    assert "bar epoch 2/3" in capsys.readouterr().err
    quiet = Session("bar", 3, 8, out=tmp_path, progress=False)
    data = [1, 2]
    assert quiet.progress(data, epoch=1) is data


def test_example_script_runs_standalone_with_the_same_options(tmp_path):
    import subprocess
    script = registry.script_path("mnist_mlp")
    help_text = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                               text=True, check=True).stdout
    for option in ("--epochs", "--batch-size", "--data", "--out", "--limit"):
        assert option in help_text
    bad = subprocess.run([sys.executable, str(script), "--data", str(tmp_path / "missing")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "not a folder" in bad.stderr
