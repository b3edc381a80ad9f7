"""keras.metrics: Keras's documented values, accumulation over batches, weighting, reset,
and the resolution of "accuracy" by the loss."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.keras import losses, metrics


def run(metric, *batches):
    for batch in batches:
        metric.update_state(*batch[:2], **({"sample_weight": batch[2]} if len(batch) > 2 else {}))
    return metric.result()


# ------------------------------------------------------------------ Keras's documented values


def test_mean_keras_docstring():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert m.result() == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert m.result() == 2.0
    assert isinstance(m.result(), float)


def test_accuracies_keras_docstrings():
    m = metrics.Accuracy()
    assert run(m, ([[1], [2], [3], [4]], [[0], [2], [3], [4]])) == 0.75
    m.reset_state()
    assert run(m, ([[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0])) == 0.5

    m = metrics.BinaryAccuracy()
    assert run(m, ([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])) == 0.75
    m.reset_state()
    assert run(m, ([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1])) == 0.5

    onehot, scores = [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    m = metrics.CategoricalAccuracy()
    assert run(m, (onehot, scores)) == 0.5
    m.reset_state()
    assert run(m, (onehot, scores, [0.7, 0.3])) == pytest.approx(0.3)

    m = metrics.SparseCategoricalAccuracy()
    assert run(m, ([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])) == 0.5
    m.reset_state()
    assert run(m, ([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [0.7, 0.3])) == \
        pytest.approx(0.3)

    m = metrics.TopKCategoricalAccuracy(k=1)
    assert run(m, (onehot, scores)) == 0.5
    m = metrics.SparseTopKCategoricalAccuracy(k=1)
    assert run(m, ([2, 1], scores)) == 0.5
    m.reset_state()
    assert run(m, ([2, 1], scores, [0.7, 0.3])) == pytest.approx(0.3)


def test_precision_recall_keras_docstrings():
    p = metrics.Precision()
    assert run(p, ([0, 1, 1, 1], [1, 0, 1, 1])) == pytest.approx(2 / 3)
    p.reset_state()
    assert run(p, ([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0])) == 1.0
    assert run(metrics.Precision(top_k=2), ([0, 0, 1, 1], [1, 1, 1, 1])) == 0.0
    assert run(metrics.Precision(top_k=4), ([0, 0, 1, 1], [1, 1, 1, 1])) == 0.5
    r = metrics.Recall()
    assert run(r, ([0, 1, 1, 1], [1, 0, 1, 1])) == pytest.approx(2 / 3)
    r.reset_state()
    assert run(r, ([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0])) == 1.0
    assert metrics.Precision().result() == 0.0          # nothing predicted yet: 0, not nan


# ------------------------------------------------------------------ accumulation


def test_accuracy_accumulates_over_batches_weighted_by_samples():
    m = metrics.SparseCategoricalAccuracy()
    first = (np.array([0, 1, 2]), np.eye(3)[[0, 1, 0]])            # 2 of 3
    second = (np.array([1]), np.eye(3)[[1]])                       # 1 of 1
    assert run(m, first, second) == pytest.approx(3 / 4)
    m.reset_state()
    assert m.result() == 0.0
    assert run(m, second) == 1.0


def test_mean_tracks_the_loss_of_batches_of_different_sizes():
    m = metrics.Mean(name="loss")
    m.update_state(2.0, sample_weight=3)
    m.update_state(6.0, sample_weight=1)
    assert m.result() == pytest.approx((2.0 * 3 + 6.0) / 4)
    m.update_state(sj.tensor(1.0), sample_weight=4)          # a scalar tensor works as well
    assert m.result() == pytest.approx((6.0 + 6.0 + 4.0) / 8)


def test_mean_of_per_step_values_with_per_sample_weights():
    m = metrics.Mean()
    m.update_state(np.array([[1.0, 3.0], [5.0, 7.0]]), sample_weight=np.array([1.0, 3.0]))
    assert m.result() == pytest.approx((2.0 * 1 + 6.0 * 3) / 4)


def test_regression_metrics_are_the_losses_running_mean():
    y = np.array([[0.0, 1.0], [2.0, 2.0], [1.0, 1.0]])
    p = np.array([[1.0, 1.0], [2.0, 0.0], [1.0, 2.0]])
    m = metrics.get("mse")
    assert m.name == "mse"
    m.update_state(y[:2], p[:2])
    m.update_state(y[2:], p[2:])
    assert m.result() == pytest.approx(((p - y) ** 2).mean())
    mae = metrics.MeanAbsoluteError()
    assert mae.name == "mean_absolute_error"
    assert run(mae, (y, p, np.array([1.0, 0.0, 1.0]))) == pytest.approx(
        (abs(p - y).mean(1) * [1, 0, 1]).sum() / 2)
    rmse = metrics.RootMeanSquaredError()
    assert run(rmse, (y, p)) == pytest.approx(np.sqrt(((p - y) ** 2).mean()))
    bce = metrics.get("binary_crossentropy")        # any loss name is a metric
    t, q = np.array([1, 0]), np.array([[0.8], [0.4]])
    assert run(bce, (t, q)) == pytest.approx(-np.log([0.8, 0.6]).mean())


def test_tensors_from_the_graph_are_accepted():
    logits = sj.tensor([[2.0, 0.1], [0.0, 3.0]], requires_grad=True)
    m = metrics.SparseCategoricalAccuracy()
    assert run(m, (sj.tensor([0, 0]), logits)) == 0.5


# ------------------------------------------------------------------ "accuracy" by the loss


@pytest.mark.parametrize("loss, cls", [
    ("sparse_categorical_crossentropy", metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", metrics.CategoricalAccuracy),
    ("binary_crossentropy", metrics.BinaryAccuracy),
    (losses.SparseCategoricalCrossentropy(from_logits=True), metrics.SparseCategoricalAccuracy),
    (losses.BinaryCrossentropy(), metrics.BinaryAccuracy),
    (losses.categorical_crossentropy, metrics.CategoricalAccuracy),
])
def test_accuracy_resolves_by_loss_and_keeps_its_name(loss, cls):
    for name in ("accuracy", "acc"):
        m = metrics.get(name, loss=loss)
        assert type(m) is cls and m.name == name


def test_binary_accuracy_resolved_for_bce_thresholds_at_half():
    m = metrics.get("accuracy", loss="binary_crossentropy")
    assert run(m, (np.array([1, 0, 1]), np.array([[0.7], [0.51], [0.2]]))) == pytest.approx(1 / 3)


def test_accuracy_without_a_known_loss_chooses_from_shapes():
    sparse = metrics.get("accuracy", loss="mse")
    assert run(sparse, (np.array([1, 0]), np.array([[0.2, 0.8], [0.3, 0.7]]))) == 0.5
    binary = metrics.get("accuracy")
    assert run(binary, (np.array([1, 0]), np.array([[0.9], [0.2]]))) == 1.0
    onehot = metrics.get("accuracy", loss=lambda y, p: p)
    assert run(onehot, (np.eye(2)[[1, 1]], np.array([[0.2, 0.8], [0.3, 0.7]]))) == 1.0
    assert onehot.name == "accuracy"


def test_get_other_identifiers():
    assert isinstance(metrics.get("sparse_categorical_accuracy"),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("mae"), metrics.MeanAbsoluteError)
    assert metrics.get("mae").name == "mae"
    assert isinstance(metrics.get("Precision"), metrics.Precision)
    m = metrics.BinaryAccuracy(threshold=0.3)
    assert metrics.get(m) is m
    rebuilt = metrics.get({"class_name": "BinaryAccuracy", "config": m.get_config()})
    assert rebuilt.threshold == 0.3 and rebuilt.name == "binary_accuracy"
    custom = metrics.get(lambda y, p: np.abs(y - p))
    assert run(custom, (np.array([1.0, 2.0]), np.array([2.0, 2.0]))) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown metric 'accuracyy'; known: .*accuracy"):
        metrics.get("accuracyy")


def test_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"y_true has shape \(3,\) but y_pred \(2, 4\)"):
        metrics.SparseCategoricalAccuracy().update_state(np.zeros(3), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"sample_weight has shape \(3,\)"):
        metrics.Mean().update_state(np.ones(2), sample_weight=np.ones(3))
