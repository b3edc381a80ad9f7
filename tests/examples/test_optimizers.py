"""optimizers (PyTorch face): on one problem from the same initial weights, momentum and
the adaptive methods beat plain SGD, and every schedule trains; one PNG holds the curves."""

import numpy as np
import pytest

import shenjing
from tests.examples.conftest import check_outputs, run_example

OPTIMIZERS = ("SGD", "momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam")
SCHEDULES = ("step", "exponential", "power", "1cycle")


def _check(metrics, out, epochs):
    m = metrics["metrics"]
    for name in ("momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"):
        assert m[f"loss {name}"] < 0.5 * m["loss SGD"], (name, m)
    for name in SCHEDULES:
        assert m[f"loss {name}"] < m["loss SGD"] and m[f"test_accuracy {name}"] > 0.8
    phases = [h["phase"] for h in metrics["history"]]
    assert all(phases.count(p) == epochs for p in OPTIMIZERS + SCHEDULES)
    check_outputs(metrics, out, None, plots=("loss_curves.png",))
    state = shenjing.load(str(out / "model_Adam.safetensors"))
    assert state["0.weight"].shape == (128, 784) and np.isfinite(state["0.weight"].numpy()).all()


def test_optimizers_short_run(tmp_path):
    metrics = run_example("optimizers", tmp_path, "--epochs", 2, "--limit", 3000)
    _check(metrics, tmp_path, 2)


@pytest.mark.accuracy
def test_optimizers_at_defaults(tmp_path):
    metrics = run_example("optimizers", tmp_path)
    _check(metrics, tmp_path, 5)
    assert metrics["metrics"]["test_accuracy Adam"] > 0.93
