"""KerasClassifier / KerasRegressor in scikit-learn: GridSearchCV, cross_val_score,
Pipeline, clone, parameter routing."""

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import shenjing.tune as kt  # noqa: E402
from shenjing import keras  # noqa: E402


def build(units=16, n_classes_=None):
    model = keras.Sequential([keras.layers.Dense(units, activation="relu"),
                              keras.layers.Dense(n_classes_, activation="softmax")])
    model.compile(keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_grid_search_cv_picks_a_best_parameter_set(digits):
    x, y, _, _ = digits
    clf = kt.KerasClassifier(build, model__units=8, fit__epochs=1, batch_size=32,
                             random_state=0)
    grid = {"model__units": [4, 32], "fit__epochs": [1, 3]}
    search = GridSearchCV(clf, grid, cv=2).fit(x, y)
    assert search.best_params_ in [{"model__units": u, "fit__epochs": e}
                                   for u in (4, 32) for e in (1, 3)]
    means = search.cv_results_["mean_test_score"]
    assert search.best_score_ == pytest.approx(means.max())
    assert len(means) == 4 and means.max() > 0.7
    # the refit best estimator was built with the chosen width
    units = search.best_estimator_.model_.layers[0].units
    assert units == search.best_params_["model__units"]


def test_cross_val_score_returns_k_scores(digits):
    x, y, _, _ = digits
    clf = kt.KerasClassifier(build, epochs=2, random_state=0)
    scores = cross_val_score(clf, x, y, cv=3)
    assert scores.shape == (3,) and np.all((scores > 0.5) & (scores <= 1))


def test_pipeline_predict_and_proba(digits):
    x, y, xv, yv = digits
    pipe = make_pipeline(StandardScaler(), kt.KerasClassifier(build, epochs=3,
                                                                random_state=0))
    pipe.fit(x, y)
    proba = pipe.predict_proba(xv)
    assert proba.shape == (len(xv), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    predicted = pipe.predict(xv)
    np.testing.assert_array_equal(predicted, proba.argmax(axis=1))
    assert pipe.score(xv, yv) == pytest.approx(np.mean(predicted == yv))
    assert pipe.score(xv, yv) > 0.7


def test_labels_other_than_ids_come_back(digits):
    x, y, xv, yv = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven",
                      "eight", "nine"])
    clf = kt.KerasClassifier(build, epochs=2, random_state=0).fit(x, names[y])
    assert list(clf.classes_) == sorted(names)
    assert set(clf.predict(xv)) <= set(names)
    assert clf.score(xv, names[yv]) > 0.6


def test_params_route_and_clone(digits):
    clf = kt.KerasClassifier(build, model__units=8, fit__shuffle=False, epochs=2)
    params = clf.get_params()
    assert params["model__units"] == 8 and params["fit__shuffle"] is False
    assert params["epochs"] == 2
    copy = clone(clf)
    assert copy.get_params()["model__units"] == 8 and copy is not clf
    clf.set_params(model__units=12, predict__batch_size=64)
    assert clf.get_params()["model__units"] == 12
    x, y, _, _ = digits
    clf.fit(x[:100], y[:100])
    assert clf.model_.layers[0].units == 12
    with pytest.raises(ValueError, match="KerasClassifier: unknown parameter 'units'"):
        clf.set_params(units=3)


def test_regressor_r2(digits):
    x, _, xv, _ = digits
    target = lambda a: a.mean(axis=1) * 10  # noqa: E731 - ink per digit, a smooth target

    def linear(n_outputs_=1):
        model = keras.Sequential([keras.layers.Dense(n_outputs_)])
        model.compile(keras.optimizers.Adam(1e-2), loss="mse")
        return model

    reg = kt.KerasRegressor(linear, epochs=20, random_state=0).fit(x, target(x))
    assert reg.predict(xv).shape == (len(xv),)
    assert reg.score(xv, target(xv)) > 0.8


def test_not_compiled_and_not_fitted():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        kt.KerasClassifier(build).predict(np.zeros((2, 4)))
    bare = kt.KerasClassifier(lambda: keras.Sequential([keras.layers.Dense(2)]))
    with pytest.raises(ValueError, match="must return a compiled model"):
        bare.fit(np.zeros((4, 3), np.float32), np.array([0, 1, 0, 1]))
