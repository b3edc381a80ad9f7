"""cross_validate and its folds on real MNIST."""

import numpy as np
import pytest

import shenjing.tune as kt
from shenjing import keras


def build():
    model = keras.Sequential([keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_folds_partition_the_samples_and_keep_class_shares(digits):
    _, y, _, _ = digits
    folds = kt.kfold_indices(len(y), 5, y, stratified=True, seed=0)
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests) == list(range(len(y)))             # each sample tested once
    for train, test in folds:
        assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(y)
        for cls in range(10):                                # each class's share kept
            total = np.sum(y == cls)
            assert abs(np.sum(y[test] == cls) - total / 5) <= 1
    sizes = [len(test) for _, test in kt.kfold_indices(10, 3)]
    assert sorted(sizes) == [3, 3, 4]


def test_cross_validate_returns_per_fold_metrics_with_mean_and_spread(digits):
    x, y, _, _ = digits
    keras.utils.set_random_seed(0)          # the weights, whatever ran before
    result = kt.cross_validate(build, x, y, k=3, fit_kwargs={"epochs": 5, "batch_size": 32},
                               seed=0)
    assert len(result["folds"]) == 3
    accuracies = [fold["accuracy"] for fold in result["folds"]]
    assert all(0.5 < a <= 1 for a in accuracies)                # trained: chance is 0.1
    assert result["mean"]["accuracy"] == pytest.approx(np.mean(accuracies))
    assert result["std"]["accuracy"] == pytest.approx(np.std(accuracies))
    assert set(result["mean"]) == {"loss", "accuracy"}


def test_cross_validate_bad_input(digits):
    x, y, _, _ = digits
    with pytest.raises(ValueError, match="k must be an integer >= 2, got 1"):
        kt.cross_validate(build, x, y, k=1)
    with pytest.raises(ValueError, match="x has 600 samples but y has 599"):
        kt.cross_validate(build, x, y[:-1])
