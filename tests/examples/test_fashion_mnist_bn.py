"""fashion_mnist_bn (Keras face): the batch-normalised MLP learns on a subset and its saved
model reproduces the reported accuracy; ``-m accuracy``: the full run reaches 88%."""

import numpy as np
import pytest

from tests.examples.conftest import check_outputs, run_at_defaults, run_example


def test_fashion_mnist_bn_short_run(tmp_path):
    metrics = run_example("fashion_mnist_bn", tmp_path, "--epochs", 2, "--limit", 2000,
                          "--batch-size", 64)
    history = metrics["history"]
    assert history[1]["loss"] < history[0]["loss"]
    assert metrics["metrics"]["test_accuracy"] > 0.6        # chance is 0.10
    check_outputs(metrics, tmp_path, "model.keras")

    from shenjing import keras
    from tests.conftest import shared_data_dir
    model = keras.models.load_model(str(tmp_path / "model.keras"))
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Flatten", "BatchNormalization", "Dense", "BatchNormalization", "Dense",
                     "BatchNormalization", "Dense"]
    assert [layer.units for layer in model.layers if kinds[model.layers.index(layer)]
            == "Dense"] == [300, 100, 10]
    _, (x_test, y_test) = keras.datasets.fashion_mnist.load_data(path=str(shared_data_dir()))
    _, accuracy = model.evaluate(x_test[:2000].astype(np.float32) / 255, y_test[:2000],
                                 verbose=0)
    assert accuracy == pytest.approx(metrics["metrics"]["test_accuracy"], abs=1e-6)


@pytest.mark.accuracy
def test_fashion_mnist_bn_reaches_88_percent(tmp_path):
    run_at_defaults("fashion_mnist_bn", tmp_path)
