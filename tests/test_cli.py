"""The ``shenjing`` command: --version, and the demo end to end on the embedded MNIST sample."""

import re
import subprocess
import sys

import pytest

import shenjing
from shenjing import cli


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"shenjing {shenjing.__version__}"


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_demo_trains_to_high_accuracy(capsys):
    # two epochs reach about 94% on the 2,000 held-out digits; 5 (the default) about 95.5%
    assert cli.main(["demo", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    epochs = re.findall(r"^epoch (\d)/2 +train loss ([\d.]+) +test accuracy ([\d.]+)% +([\d.]+) s$",
                        out, flags=re.MULTILINE)
    assert [e[0] for e in epochs] == ["1", "2"], out
    losses = [float(e[1]) for e in epochs]
    assert losses[1] < losses[0] < 1.0
    accuracy = float(re.search(r"^test accuracy ([\d.]+)% after 2 epoch", out, re.MULTILINE)[1])
    assert accuracy > 92.0, out


def test_demo_is_reproducible():
    a = cli.train_mnist_mlp(epochs=1, seed=3)
    b = cli.train_mnist_mlp(epochs=1, seed=3)
    assert (a["loss"], a["accuracy"]) == (b["loss"], b["accuracy"])
    assert a["accuracy"] > 0.9


def test_demo_rejects_bad_epochs(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["demo", "--epochs", "0"])
    assert e.value.code == 2
    assert "positive integer" in capsys.readouterr().err


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "shenjing", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == f"shenjing {shenjing.__version__}"
