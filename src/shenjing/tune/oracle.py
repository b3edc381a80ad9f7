"""Oracles: which trial a worker runs next, kept in an Optuna study.

An oracle owns the study of one search (its storage is a SQLite file in
``directory/project_name`` or a database address) and hands out trials under the storage's
lock (``engine.storage_lock``), one at a time across every worker: first a trial whose
worker is gone (resumed from its last epoch), else a new one asked from Optuna's sampler
(random, grid or TPE), until ``max_trials`` trials exist.  Keras Tuner's names:
``RandomSearchOracle``, ``GridSearchOracle``, ``BayesianOptimizationOracle``.
"""

import math
import time

from . import workers
from .engine import open_storage, require_optuna, storage_lock
from .objective import as_objective
from .trial import OWNER, as_trial

WAIT = "wait"      # _plan: nothing to start now, but other workers' trials will make some


class Oracle:
    """The base oracle: ``objective``, ``max_trials`` (None: as many as the plan makes),
    ``seed``; ``hyperparameters`` fixes some values; ``max_consecutive_failed_trials``
    failures in a row stop the search with an error; a trial whose worker on another machine
    has written no heartbeat for ``heartbeat_grace`` seconds is resumed by another."""

    def __init__(self, objective=None, max_trials=None, seed=None, hyperparameters=None,
                 tune_new_entries=True, allow_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3, heartbeat_grace=3600.0):
        self.objective = as_objective(objective) if objective is not None else None
        if max_trials is not None and (not isinstance(max_trials, int) or max_trials < 1):
            raise ValueError(f"{type(self).__name__}: max_trials must be a positive integer, "
                             f"got {max_trials!r}")
        self.max_trials, self.seed = max_trials, seed
        self.hyperparameters = hyperparameters
        self.tune_new_entries, self.allow_new_entries = tune_new_entries, allow_new_entries
        self.max_consecutive_failed_trials = max_consecutive_failed_trials
        self.heartbeat_grace = heartbeat_grace
        self.study = None
        self.space = []

    # ------------------------------------------------------------ storage

    def _attach(self, storage, name, folder, overwrite):
        """Open (or create) the study ``name`` on ``storage`` (None: SQLite in ``folder``);
        ``overwrite`` deletes a previous one of that name first."""
        optuna = require_optuna()
        if self.objective is None:
            raise ValueError(f"{type(self).__name__}: an objective is needed, e.g. "
                             f"objective='val_accuracy'")
        self.storage = open_storage(storage, folder)
        self.name, self.folder = name, folder
        if overwrite:
            try:
                optuna.delete_study(study_name=name, storage=self.storage)
            except KeyError:
                pass
        self.study = optuna.create_study(storage=self.storage, study_name=name,
                                         direction=self.objective.optuna_direction,
                                         pruner=optuna.pruners.NopPruner(),
                                         load_if_exists=True)
        if self.study.direction.name.lower() != self.objective.optuna_direction:
            raise ValueError(f"search {name!r} in its storage {self.study.direction.name.lower()}s"
                             f" its objective, but this tuner would "
                             f"{self.objective.optuna_direction} {self.objective.name!r}; use "
                             f"overwrite=True or another project_name")
        attrs = self.study.user_attrs
        if attrs.get("objective", self.objective.name) != self.objective.name:
            raise ValueError(f"search {name!r} in its storage optimizes "
                             f"{attrs['objective']!r}, not {self.objective.name!r}; use "
                             f"overwrite=True or another project_name")
        self.study.set_user_attr("objective", self.objective.name)
        self.study.set_user_attr("oracle", type(self).__name__)

    def _lock(self):
        return storage_lock(self.storage, self.name, self.folder)

    # ------------------------------------------------------------ handing out trials

    def trials(self):
        """Every trial of the search (Optuna ``FrozenTrial``s), in order."""
        return self.study.get_trials(deepcopy=False)

    def next_trial(self, poll=1.0):
        """The Optuna ``Trial`` this worker runs next (resumed or new), owned by it; None
        when the search has all its trials.  Waits while only other workers can make
        progress (Hyperband's next round needs their results)."""
        while True:
            with self._lock():
                trial = self._claim_orphan() or self._create()
            if trial != WAIT:
                return trial
            time.sleep(poll)

    def _claim_orphan(self):
        optuna = require_optuna()
        for frozen in self.study.get_trials(deepcopy=False, states=(
                optuna.trial.TrialState.RUNNING,)):
            if workers.is_gone(frozen.user_attrs.get(OWNER), frozen.number,
                               self.heartbeat_grace):
                trial = optuna.trial.Trial(self.study, frozen._trial_id)
                trial.set_user_attr(OWNER, workers.owner())
                trial.set_user_attr("tuner/resumed", frozen.user_attrs.get("tuner/resumed", 0) + 1)
                return trial
        return None

    def _create(self):
        trials = self.trials()
        if self.max_trials is not None and len(trials) >= self.max_trials:
            return None
        self._check_failures(trials)
        plan = self._plan(trials)
        if plan is None or plan == WAIT:
            return plan
        params, attrs = plan
        self.study.sampler = self._sampler(len(self.study.get_trials(deepcopy=False)))
        if params is not None:
            self.study.enqueue_trial(params, user_attrs=attrs, skip_if_exists=False)
            trial = self.study.ask()
        else:
            trial = self.study.ask()
            for key, value in attrs.items():
                trial.set_user_attr(key, value)
        trial.set_user_attr(OWNER, workers.owner())
        return trial

    def _check_failures(self, trials):
        limit = self.max_consecutive_failed_trials
        finished = [t for t in trials if t.state.is_finished()]
        finished.sort(key=lambda t: t.datetime_complete or 0)
        tail = finished[-limit:] if limit else []
        if limit and len(tail) == limit and all(t.state.name == "FAIL" for t in tail):
            errors = "; ".join(f"trial {t.number}: {t.user_attrs.get('error', '?')}"
                               .splitlines()[-1] for t in tail)
            raise RuntimeError(f"{type(self).__name__}: {limit} trials in a row failed "
                               f"(max_consecutive_failed_trials={limit}): {errors}")

    def _plan(self, trials):
        """(fixed params or None, user attrs) of the next new trial, None when done, or
        ``WAIT``.  The base oracle: one more trial from the sampler."""
        return None, {}

    def _sampler(self, number):
        """The Optuna sampler for trial ``number`` (seeded by ``seed`` and ``number``, so
        that workers with one seed do not draw the same values)."""
        return require_optuna().samplers.RandomSampler(seed=self._seed(number))

    def _seed(self, number):
        return None if self.seed is None else (self.seed * 1_000_003 + number) % 2 ** 32

    # ------------------------------------------------------------ results

    def get_trial(self, trial_id):
        """The ``Trial`` of id ``trial_id`` (its number, or the number as text)."""
        number = int(trial_id)
        for frozen in self.study.get_trials(deepcopy=False):
            if frozen.number == number:
                return as_trial(frozen, self.space)
        raise KeyError(f"{type(self).__name__}.get_trial: no trial {trial_id!r}")

    def get_best_trials(self, num_trials=1):
        """The ``num_trials`` best completed trials, best first (Keras Tuner's ``Trial``s)."""
        done = [t for t in self.trials() if t.state.name == "COMPLETE" and t.value is not None
                and not math.isnan(t.value)]
        done.sort(key=lambda t: t.value, reverse=self.objective.direction == "max")
        return [as_trial(t, self.space) for t in done[:num_trials]]

    def get_space(self):
        """A ``HyperParameters`` holding the declared search space (default values)."""
        from .hyperparameters import HyperParameters
        hp = HyperParameters()
        for h in self.space:
            hp.space.append(h)
            hp._by_name[h.name] = h
        return hp


class RandomSearchOracle(Oracle):
    """Random search: each trial's values drawn independently (Optuna's ``RandomSampler``);
    ``max_trials`` defaults to 10."""

    def __init__(self, objective=None, max_trials=10, **kwargs):
        super().__init__(objective, max_trials, **kwargs)


class BayesianOptimizationOracle(Oracle):
    """Bayesian optimization by Optuna's TPE sampler: ``num_initial_points`` random trials,
    then each new trial where the density of good values over bad ones is highest.
    (``alpha``/``beta`` of Keras Tuner's Gaussian process are accepted and unused.)"""

    def __init__(self, objective=None, max_trials=10, num_initial_points=None, alpha=1e-4,
                 beta=2.6, **kwargs):
        super().__init__(objective, max_trials, **kwargs)
        self.num_initial_points = num_initial_points

    def _sampler(self, number):
        startup = self.num_initial_points or max(3, 3 * len(self.space))
        return require_optuna().samplers.TPESampler(seed=self._seed(number),
                                                    n_startup_trials=startup)


class GridSearchOracle(Oracle):
    """Every combination of the space's values (Optuna's ``GridSampler``), or the first
    ``max_trials`` of them; ``Float`` needs a ``step``."""

    def __init__(self, objective=None, max_trials=None, **kwargs):
        super().__init__(objective, max_trials, **kwargs)

    def grid(self):
        """{name: values} of the searched (not fixed) hyperparameters."""
        fixed = set((self.hyperparameters.values if self.hyperparameters else {}))
        return {h.name: h.grid_values() for h in self.space if h.name not in fixed}

    def _plan(self, trials):
        size = math.prod(len(v) for v in self.grid().values())
        return None if len(trials) >= size else (None, {})

    def _sampler(self, number):
        optuna = require_optuna()

        class Grid(optuna.samplers.GridSampler):
            def after_trial(self, *args, **kwargs):
                pass  # it would stop the study when the grid is used up; _plan does that

        # one seed for every trial: the sampler shuffles the grid by it, then trial k takes
        # point k of the shuffled grid
        return Grid(self.grid(), seed=self.seed or 0)
