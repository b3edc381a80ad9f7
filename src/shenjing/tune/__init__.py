"""Hyperparameter search with Keras Tuner's API on Optuna: ``import shenjing.tune as kt``.

    import shenjing.tune as kt
    from shenjing import keras

    def build_model(hp):
        model = keras.Sequential([
            keras.layers.Flatten(),
            keras.layers.Dense(hp.Int("units", 32, 512, step=32), activation="relu"),
            keras.layers.Dense(10, activation="softmax")])
        model.compile(keras.optimizers.Adam(hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4])),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    tuner = kt.Hyperband(build_model, objective="val_accuracy", max_epochs=10, factor=3,
                         directory="my_dir", project_name="mnist")
    tuner.search(x_train, y_train, epochs=50, validation_split=0.2)
    best_hps = tuner.get_best_hyperparameters(num_trials=1)[0]

- ``HyperParameters`` (``Int``, ``Float``, ``Choice``, ``Boolean``, ``Fixed``,
  ``conditional_scope``), ``HyperModel``, ``Objective``;
- ``RandomSearch``, ``GridSearch``, ``BayesianOptimization``, ``Hyperband`` (``tuners.py``)
  and their oracles;
- ``cross_validate`` (k folds, stratified) and the scikit-learn estimators
  ``KerasClassifier`` / ``KerasRegressor`` (for ``GridSearchCV``, ``cross_val_score``,
  ``Pipeline``; the ``sklearn`` extra);
- the engine is Optuna: its samplers draw the values and its storage (a SQLite file in
  ``directory/project_name``, or ``storage="postgresql://..."``) keeps every trial, so an
  interrupted search resumes and many workers share one.

Needs the ``tune`` extra (optuna): ``pip install 'shenjing[tune]'``.
"""

from .crossval import cross_validate, kfold_indices
from .hyperband import HyperbandOracle
from .hypermodel import HyperModel
from .hyperparameters import HyperParameters
from .objective import Objective
from .plot import plot_trials
from .oracle import BayesianOptimizationOracle, GridSearchOracle, Oracle, RandomSearchOracle
from .trial import Trial
from .tuner import Tuner
from .tuners import BayesianOptimization, GridSearch, Hyperband, RandomSearch

__all__ = ["HyperParameters", "HyperModel", "Objective", "Trial", "Tuner", "Oracle",
           "RandomSearch", "GridSearch", "BayesianOptimization", "Hyperband",
           "RandomSearchOracle", "GridSearchOracle", "BayesianOptimizationOracle",
           "HyperbandOracle", "plot_trials", "cross_validate", "kfold_indices", "KerasClassifier",
           "KerasRegressor"]


def __getattr__(name):
    # the scikit-learn wrappers load scikit-learn only when asked for
    if name in ("KerasClassifier", "KerasRegressor"):
        from . import estimators
        return getattr(estimators, name)
    raise AttributeError(f"module 'shenjing.tune' has no attribute {name!r}")
