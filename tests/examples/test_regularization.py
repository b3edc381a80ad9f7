"""regularization (Keras face): the baseline over-fits (its validation cross-entropy climbs
from its best); L2, dropout and early stopping end with a lower validation cross-entropy,
batch norm reaches a lower best one."""

import pytest

from tests.examples.conftest import check_outputs, run_example

def _check(metrics, out, epochs):
    m = metrics["metrics"]
    baseline = m["val_cross_entropy none"]
    assert baseline > 1.1 * m["best val_cross_entropy none"]    # over-fitting: it turned
    for variant in ("L2", "dropout", "early stopping"):
        assert m[f"val_cross_entropy {variant}"] < baseline, (variant, m)
    # batch norm's noise helps less: at 30 epochs it over-fits too, but it reaches a lower
    # best validation cross-entropy than the baseline
    assert m["best val_cross_entropy batch norm"] < m["best val_cross_entropy none"]
    assert m["epochs none"] == epochs and m["epochs early stopping"] < epochs
    # restore_best_weights: early stopping ends at the baseline's best epoch
    assert m["val_cross_entropy early stopping"] == pytest.approx(
        m["best val_cross_entropy none"], rel=1e-4)
    check_outputs(metrics, out, None, plots=("train_vs_validation.png",))
    for variant in ("none", "L2", "dropout", "batch_norm", "early_stopping"):
        assert (out / f"model_{variant}.keras").is_file()


def test_regularization_short_run(tmp_path):
    metrics = run_example("regularization", tmp_path, "--epochs", 15, "--limit", 1000)
    _check(metrics, tmp_path, 15)


@pytest.mark.accuracy
def test_regularization_at_defaults(tmp_path):
    _check(run_example("regularization", tmp_path), tmp_path, 30)
