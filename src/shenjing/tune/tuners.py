"""The four tuners of Keras Tuner, each a ``Tuner`` with its oracle:

- ``RandomSearch``: independent random trials;
- ``GridSearch``: every combination of the values (``Float`` needs a ``step``);
- ``BayesianOptimization``: Optuna's TPE sampler after ``num_initial_points`` random trials;
- ``Hyperband``: brackets of successive halving (``hyperband.py``), promoted trials
  continuing from their parent's weights.

Each takes ``hypermodel``, ``objective`` and the oracle's settings, then ``Tuner``'s
(``directory``, ``project_name``, ``overwrite``, ``executions_per_trial``, ``storage``, ...).
"""

import os

from .hyperband import HyperbandOracle
from .oracle import BayesianOptimizationOracle, GridSearchOracle, RandomSearchOracle
from .trial import trial_id
from .tuner import Tuner

_ORACLE_ARGS = ("hyperparameters", "tune_new_entries", "allow_new_entries",
                "max_retries_per_trial", "max_consecutive_failed_trials", "heartbeat_grace")


def _split(kwargs):
    """(the oracle's keyword arguments, the tuner's) from one set of keyword arguments."""
    return ({k: kwargs.pop(k) for k in _ORACLE_ARGS if k in kwargs}, kwargs)


class RandomSearch(Tuner):
    """Random search over the space ``hypermodel`` declares: ``max_trials`` (10) trials."""

    def __init__(self, hypermodel=None, objective=None, max_trials=10, seed=None, **kwargs):
        oracle_args, kwargs = _split(kwargs)
        super().__init__(RandomSearchOracle(objective, max_trials, seed=seed, **oracle_args),
                         hypermodel, **kwargs)


class GridSearch(Tuner):
    """Grid search: every combination of the declared values, or the first
    ``max_trials``."""

    def __init__(self, hypermodel=None, objective=None, max_trials=None, seed=None, **kwargs):
        oracle_args, kwargs = _split(kwargs)
        super().__init__(GridSearchOracle(objective, max_trials, seed=seed, **oracle_args),
                         hypermodel, **kwargs)


class BayesianOptimization(Tuner):
    """Bayesian optimization (Optuna's TPE): ``max_trials`` trials, the first
    ``num_initial_points`` random."""

    def __init__(self, hypermodel=None, objective=None, max_trials=10, num_initial_points=None,
                 alpha=1e-4, beta=2.6, seed=None, **kwargs):
        oracle_args, kwargs = _split(kwargs)
        super().__init__(BayesianOptimizationOracle(objective, max_trials, num_initial_points,
                                                    alpha, beta, seed=seed, **oracle_args),
                         hypermodel, **kwargs)


class Hyperband(Tuner):
    """Hyperband: ``max_epochs`` (the most epochs a model is trained), ``factor`` (the
    reduction factor between rounds), ``hyperband_iterations`` (times it is all run).
    ``search``'s ``epochs`` is set by the schedule."""

    def __init__(self, hypermodel=None, objective=None, max_epochs=100, factor=3,
                 hyperband_iterations=1, seed=None, **kwargs):
        oracle_args, kwargs = _split(kwargs)
        super().__init__(HyperbandOracle(objective, max_epochs, factor, hyperband_iterations,
                                         seed=seed, **oracle_args), hypermodel, **kwargs)

    def _fit_settings(self, trial, fit_kwargs):
        a = trial.user_attrs
        return a["tuner/initial_epoch"], a["tuner/epochs"]

    def _start_weights(self, trial):
        parent = trial.user_attrs.get("tuner/trial_id")
        if parent is None:
            return None
        best = self.oracle.get_trial(parent).user_attrs.get("tuner/best/0")
        if not best:
            raise ValueError(f"Hyperband: trial {trial_id(trial.number)} continues trial "
                             f"{parent}, which has no checkpoint")
        return os.path.join(self.get_trial_dir(int(parent)), best["file"])
