"""transfer_learning (Keras face): B on A's reused layers beats B from scratch on 50 images,
A's layers were frozen then fine-tuned, and both models are saved."""

import numpy as np
import pytest

from tests.examples.conftest import check_outputs, run_example


def _check_transfer(metrics, out):
    m = metrics["metrics"]
    assert m["accuracy_B_transfer"] > m["accuracy_B_scratch"], m
    assert m["transfer_gain"] == pytest.approx(m["accuracy_B_transfer"] - m["accuracy_B_scratch"])
    phases = [h.get("phase") for h in metrics["history"]]
    assert phases.count("B on A frozen") == 4 and phases.count("B on A fine-tuned") == 16
    check_outputs(metrics, out, None)

    from shenjing import keras
    model_a = keras.models.load_model(str(out / "model_A.keras"))
    model_b = keras.models.load_model(str(out / "model_B_on_A.keras"))
    assert model_a.layers[-1].units == 8 and model_b.layers[-1].units == 1
    kernel_a, kernel_b = model_a.layers[1].kernel.numpy(), model_b.layers[1].kernel.numpy()
    # fine-tuned with a small learning rate: moved, but still A's features
    assert not np.array_equal(kernel_a, kernel_b)
    assert np.abs(kernel_b - kernel_a).max() < 0.2 * np.abs(kernel_a).max()


def test_transfer_learning_short_run(tmp_path):
    metrics = run_example("transfer_learning", tmp_path, "--epochs", 2, "--limit", 6000)
    assert metrics["metrics"]["accuracy_A"] > 0.8
    _check_transfer(metrics, tmp_path)


@pytest.mark.accuracy
def test_transfer_learning_at_defaults(tmp_path):
    metrics = run_example("transfer_learning", tmp_path)
    assert metrics["metrics"]["accuracy_A"] > 0.88
    _check_transfer(metrics, tmp_path)
