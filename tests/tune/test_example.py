"""The ``examples/tuning.py`` program (Hyperband on real MNIST), at a small size, and
``plot_trials``."""

import importlib.util
import re
from pathlib import Path

import pytest

from .models import mnist_folder

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tuning.py"


def test_tuning_example_prints_best_and_draws_the_trials(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    if not mnist_folder().is_dir():
        pytest.skip("real MNIST not found; set SHENJING_DATA")
    monkeypatch.setenv("SHENJING_DATA", str(mnist_folder().parent))
    spec = importlib.util.spec_from_file_location("tuning_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    png = tmp_path / "trials.png"
    assert example.main(["--max-epochs", "2", "--factor", "2", "--train", "600",
                         "--directory", str(tmp_path / "runs"), "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    found = re.search(r"best hyperparameters: units=(\d+), learning_rate=([\d.e-]+)", out)
    assert found and int(found[1]) in range(32, 513, 32)
    assert float(found[2]) in (1e-2, 1e-3, 1e-4)
    accuracy = float(re.search(r"test accuracy ([\d.]+)", out)[1])
    assert 0.5 < accuracy <= 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_trials_plots_completed_trials(tmp_path, digits):
    pytest.importorskip("matplotlib")
    import shenjing.tune as kt
    from .models import build_model
    x, y, xv, yv = digits
    tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=3,
                            directory=tmp_path, project_name="p", seed=0, verbose=0)
    with pytest.raises(ValueError, match="no completed trial"):
        kt.plot_trials(tuner, tmp_path / "none.png")
    tuner.search(x, y, epochs=1, validation_data=(xv, yv))
    points = kt.plot_trials(tuner, tmp_path / "t.png")
    assert points == [(t.number, t.value) for t in tuner.oracle.trials()]
    assert (tmp_path / "t.png").stat().st_size > 1000
