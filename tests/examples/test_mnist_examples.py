"""mnist_mlp (PyTorch face) and mnist_cnn (Keras face): a short run on a subset learns
and leaves a model that reproduces its reported accuracy; ``-m accuracy``: the full runs
reach 98% and 99.0%."""

import numpy as np
import pytest

import shenjing
from tests.examples.conftest import check_outputs, run_at_defaults, run_example


def _mnist_test_subset(n):
    from shenjing.datasets import mnist
    from tests.conftest import shared_data_dir
    _, (x_test, y_test) = mnist.load_data(path=str(shared_data_dir()))
    return x_test[:n], y_test[:n]


def test_mnist_mlp_short_run(tmp_path):
    metrics = run_example("mnist_mlp", tmp_path, "--epochs", 2, "--limit", 3000)
    history = metrics["history"]
    assert [h["epoch"] for h in history] == [1, 2]
    assert history[1]["loss"] < history[0]["loss"]
    assert metrics["metrics"]["test_accuracy"] > 0.75       # chance is 0.10
    check_outputs(metrics, tmp_path, "model.safetensors")

    # the saved weights are the trained model: they give the reported accuracy again
    from examples.mnist_mlp import MLP, accuracy
    model = MLP()
    model.load_state_dict(shenjing.load(str(tmp_path / "model.safetensors")))
    x, y = _mnist_test_subset(3000)
    x = x.reshape(len(x), -1).astype(np.float32) / 255
    from shenjing.datasets import mnist
    from tests.conftest import shared_data_dir
    (x_train, _), _ = mnist.load_data(path=str(shared_data_dir()))
    train = x_train[:3000].reshape(3000, -1).astype(np.float32) / 255
    x = (x - train.mean()) / train.std()
    assert accuracy(model, x, y.astype(np.int64)) == pytest.approx(
        metrics["metrics"]["test_accuracy"], abs=1e-9)


def test_mnist_cnn_short_run(tmp_path):
    metrics = run_example("mnist_cnn", tmp_path, "--epochs", 1, "--limit", 2000)
    assert metrics["metrics"]["test_accuracy"] > 0.5
    assert metrics["history"][0]["val_accuracy"] == pytest.approx(
        metrics["metrics"]["test_accuracy"], abs=1e-6)
    check_outputs(metrics, tmp_path, "model.keras")

    from shenjing import keras
    model = keras.models.load_model(str(tmp_path / "model.keras"))
    x, y = _mnist_test_subset(2000)
    _, accuracy = model.evaluate(x[..., None].astype(np.float32) / 255, y, verbose=0)
    assert accuracy == pytest.approx(metrics["metrics"]["test_accuracy"], abs=1e-6)


@pytest.mark.accuracy
def test_mnist_mlp_reaches_98_percent(tmp_path):
    run_at_defaults("mnist_mlp", tmp_path)


@pytest.mark.accuracy
def test_mnist_cnn_reaches_99_percent(tmp_path):
    run_at_defaults("mnist_cnn", tmp_path)
