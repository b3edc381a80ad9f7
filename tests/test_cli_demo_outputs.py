"""``shenjing demo`` leaves the trained model and its training curve in --out."""

import re

import numpy as np
import pytest

import shenjing
from shenjing import cli
from shenjing.datasets import load_sample


def test_demo_saves_model_and_curve(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "demo"
    assert cli.main(["demo", "--epochs", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"model saved to {out / 'model.safetensors'}" in text
    assert f"training curve saved to {out / 'history.png'}" in text
    assert (out / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the saved weights are the trained MLP: they give the printed accuracy again
    w = shenjing.load(str(out / "model.safetensors"))
    assert {k: tuple(v.shape) for k, v in w.items()} == {
        "W1": (784, 128), "b1": (128,), "W2": (128, 10), "b2": (10,)}
    images, labels = load_sample("mnist")
    x = (images[8000:].reshape(2000, -1).astype(np.float32) / 255 - 0.1307) / 0.3081
    hidden = np.maximum(x @ w["W1"].numpy() + w["b1"].numpy(), 0)
    accuracy = ((hidden @ w["W2"].numpy() + w["b2"].numpy()).argmax(1) == labels[8000:]).mean()
    printed = float(re.search(r"^test accuracy ([\d.]+)% after 1 epoch", text, re.M)[1])
    assert 100 * accuracy == pytest.approx(printed, abs=0.005)


def test_demo_without_matplotlib_still_saves_the_model(tmp_path, capsys, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert cli.main(["demo", "--epochs", "1", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "no training curve: plots need matplotlib: pip install 'shenjing[plot]'" in text
    assert (tmp_path / "model.safetensors").is_file()
    assert not (tmp_path / "history.png").exists()
