"""``Tuner``: runs a search: builds each trial's model, trains it with ``fit``'s arguments,
records it (``recorder.py``) and reports the result to the oracle's Optuna study.

    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=5,
                            directory="my_dir", project_name="mnist")
    tuner.search(x, y, epochs=5, validation_data=(x_val, y_val))
    best_hp = tuner.get_best_hyperparameters(num_trials=1)[0]
    model = tuner.get_best_models(num_models=1)[0]

Everything lives in ``directory/project_name``: the SQLite storage ``tuner.db`` (or the
database at ``storage=``) and one folder of checkpoints per trial.  Run the same script
again (``overwrite=False``, the default) and the search goes on where it stopped: a trial
whose worker was killed resumes from its last epoch; finished trials are not run again.
Several processes (or machines, given ``storage="postgresql://..."`` and a shared
``directory``) running the same script share the search, no trial run by two.
"""

import copy
import math
import os
import shutil
import traceback

import numpy

from . import workers
from .engine import require_optuna
from .hypermodel import as_hypermodel
from .recorder import ObjectiveNotLogged, TrialRecorder
from .trial import trial_id


class Tuner:
    """The base tuner: ``oracle`` (which trials), ``hypermodel`` (a ``HyperModel`` or a
    function ``build_model(hp)``), ``executions_per_trial`` (trainings averaged per trial),
    ``directory``/``project_name`` (where the search lives), ``overwrite`` (start afresh:
    never in a worker that joins a shared search),
    ``storage`` (a database address instead of the SQLite file), ``pruner`` (an Optuna
    pruner that may stop unpromising trials early)."""

    def __init__(self, oracle, hypermodel=None, max_model_size=None, optimizer=None,
                 loss=None, metrics=None, distribution_strategy=None, directory=None,
                 project_name=None, logger=None, tuner_id=None, overwrite=False,
                 executions_per_trial=1, storage=None, pruner=None, verbose=1, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected arguments {sorted(kwargs)}")
        who = type(self).__name__
        unsupported = {"max_model_size": max_model_size, "optimizer": optimizer, "loss": loss,
                       "metrics": metrics, "distribution_strategy": distribution_strategy}
        given = sorted(k for k, v in unsupported.items() if v is not None)
        if given:
            raise ValueError(f"{who}: {', '.join(given)} not supported here; compile the model "
                             f"in build_model(hp) instead")
        if hypermodel is None and type(self).build_model is Tuner.build_model:
            raise ValueError(f"{who}: give a hypermodel (a function build_model(hp) or a "
                             f"HyperModel)")
        self.hypermodel = as_hypermodel(hypermodel or self.build_model, who)
        if not isinstance(executions_per_trial, int) or executions_per_trial < 1:
            raise ValueError(f"{who}: executions_per_trial must be a positive integer, got "
                             f"{executions_per_trial!r}")
        self.executions_per_trial = executions_per_trial
        self.oracle = oracle
        self.directory = os.fspath(directory or ".")
        self.project_name = project_name or "untitled_project"
        self.project_dir = os.path.join(self.directory, self.project_name)
        self.pruner, self.verbose = pruner, verbose
        if overwrite and os.path.isdir(self.project_dir):
            shutil.rmtree(self.project_dir)
        os.makedirs(self.project_dir, exist_ok=True)
        self._populate_space()
        oracle._attach(storage, self.project_name, self.project_dir, overwrite)
        if pruner is not None:
            oracle.study.pruner = pruner
        self._input_spec = None

    def build_model(self, hp):
        """Subclasses may define the model here instead of passing a hypermodel."""
        raise NotImplementedError

    # ------------------------------------------------------------ the space

    def _new_hp(self, trial=None):
        from .hyperparameters import HyperParameters
        hp = HyperParameters()
        hp._trial = trial
        if self.oracle.hyperparameters is not None:
            preset = self.oracle.hyperparameters
            for h in preset.space:
                hp.space.append(h)
                hp._by_name[h.name] = h
            hp.values.update(preset.values)
            if not self.oracle.tune_new_entries:
                hp._trial = None
        return hp

    def _populate_space(self):
        """Build one model with the defaults, as Keras Tuner does, to learn the space
        (and to report a bad search space before any training)."""
        hp = self._new_hp()
        self.hypermodel.build(hp)
        self.oracle.space = list(hp.space)

    def search_space_summary(self, extended=False):
        """Print the search space: each hyperparameter's kind and settings."""
        space = self.oracle.space
        print("Search space summary")
        print(f"Default search space size: {len(space)}")
        for hp in space:
            print(f"{hp.name} ({hp.kind})")
            print(str({k: v for k, v in hp.describe().items()
                       if k != "conditions" or v}))

    # ------------------------------------------------------------ searching

    def search(self, *fit_args, **fit_kwargs):
        """Run trials until the oracle has no more, each trained by ``fit(*fit_args,
        **fit_kwargs)`` (``fit``'s arguments: ``x``, ``y``, ``epochs``,
        ``validation_data``, ``callbacks``, ...).  A trial that raises is recorded as
        failed with its error and the search goes on.  ``verbose`` also sets the tuner's
        own printing, as in Keras Tuner (``verbose=0``: silent)."""
        if "verbose" in fit_kwargs:
            self.verbose = fit_kwargs["verbose"]
        self._remember_input(fit_args, fit_kwargs)
        self.on_search_begin()
        while True:
            trial = self.oracle.next_trial()
            if trial is None:
                break
            workers.ACTIVE.add(trial.number)
            try:
                self._run_and_tell(trial, fit_args, fit_kwargs)
            finally:
                workers.ACTIVE.discard(trial.number)
        self.on_search_end()

    def on_search_begin(self):
        """Called once before the first trial of ``search``."""

    def on_search_end(self):
        """Called once after the last trial of ``search``."""

    def _remember_input(self, fit_args, fit_kwargs):
        x = fit_args[0] if fit_args else fit_kwargs.get("x")
        if isinstance(x, numpy.ndarray):
            self._input_spec = {"shape": list(x.shape[1:]), "dtype": str(x.dtype)}

    def _run_and_tell(self, trial, fit_args, fit_kwargs):
        optuna = require_optuna()
        study = self.oracle.study
        resumed = trial.user_attrs.get("tuner/resumed", 0)
        if self.verbose:
            print(f"\nTrial {trial_id(trial.number)}" + (" (resumed)" if resumed else ""))
        try:
            value, pruned = self.run_trial(trial, *fit_args, **fit_kwargs)
        except ObjectiveNotLogged as e:
            trial.set_user_attr("error", f"{type(e).__name__}: {e}")
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise
        except Exception as e:
            trial.set_user_attr("error", f"{type(e).__name__}: {e}")
            trial.set_user_attr("traceback", traceback.format_exc())
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            if self.verbose:
                print(f"Trial {trial_id(trial.number)} failed: {type(e).__name__}: {e}")
            return
        if pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        elif value is None or not math.isfinite(value):
            trial.set_user_attr("error", f"the objective {self.oracle.objective.name!r} "
                                         f"was never finite")
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, value)
            if self.verbose:
                print(f"Trial {trial_id(trial.number)}: {self.oracle.objective.name} "
                      f"{value:.6g}  {trial.params}")

    def _trial_hp(self, trial):
        hp = self._new_hp(trial)
        for key, value in trial.user_attrs.items():
            if key.startswith("fixed/"):
                hp.values.setdefault(key[len("fixed/"):], value)
        return hp

    def run_trial(self, trial, *fit_args, **fit_kwargs):
        """Train the trial's model ``executions_per_trial`` times (each resumed from its
        checkpoint when an earlier worker was interrupted); returns (the mean of the
        executions' best objective values, whether a pruner stopped it)."""
        folder = self.get_trial_dir(trial.number)
        os.makedirs(folder, exist_ok=True)
        if self._input_spec is not None:
            trial.set_user_attr("tuner/input", self._input_spec)
        scores = list(trial.user_attrs.get("tuner/scores", []))
        for execution in range(len(scores), self.executions_per_trial):
            recorder, result = self._run_execution(trial, execution, folder, fit_args,
                                                   fit_kwargs)
            if recorder.pruned:
                return None, True
            score = recorder.best_value
            if isinstance(result, (int, float)) and not isinstance(result, bool):
                score = float(result)
            elif isinstance(result, dict) and self.oracle.objective.name in result:
                score = float(result[self.oracle.objective.name])
            scores.append(score)
            trial.set_user_attr("tuner/scores", scores)
        if any(s is None for s in scores):
            return None, False
        return float(numpy.mean(scores)), False

    def _fit_settings(self, trial, fit_kwargs):
        """(first epoch, number of epochs) of a fresh run of ``trial``."""
        return fit_kwargs.get("initial_epoch", 0), fit_kwargs.get("epochs", 1)

    def _start_weights(self, trial):
        """The checkpoint a fresh run starts from (None: the built model's own)."""
        return None

    def _run_execution(self, trial, execution, folder, fit_args, fit_kwargs):
        hp = self._trial_hp(trial)
        model = self.hypermodel.build(hp)
        initial_epoch, epochs = self._fit_settings(trial, fit_kwargs)
        last = trial.user_attrs.get(f"tuner/last/{execution}")
        best = trial.user_attrs.get(f"tuner/best/{execution}")
        history = trial.user_attrs.get(f"tuner/history/{execution}")
        if last:
            self._load(model, trial.user_attrs, os.path.join(folder, last["file"]),
                       last.get("optimizer") and os.path.join(folder, last["optimizer"]))
            initial_epoch = last["epoch"] + 1
        else:
            best, history = None, None
            start = self._start_weights(trial)
            if start is not None:
                self._load(model, trial.user_attrs, start)
        recorder = TrialRecorder(trial, self.oracle.objective, execution, folder, best,
                                 history, report=self.executions_per_trial == 1)
        kwargs = dict(fit_kwargs)
        callbacks = list(kwargs.pop("callbacks", None) or [])
        try:
            callbacks = copy.deepcopy(callbacks)
        except Exception:  # a callback that cannot be copied is shared by the trials
            pass
        kwargs.update(callbacks=callbacks + [recorder], initial_epoch=initial_epoch,
                      epochs=epochs)
        kwargs.setdefault("verbose", 0)   # the tuner prints one line per trial instead
        result = None
        if initial_epoch < epochs:
            result = self.hypermodel.fit(hp, model, *fit_args, **kwargs)
        return recorder, result

    # ------------------------------------------------------------ models from checkpoints

    def _build_for_weights(self, model, attrs):
        """Create a lazily built model's weights by calling it once on zeros of the
        recorded input shape."""
        spec = attrs.get("tuner/input") or self._input_spec
        if spec is None or model.state_dict():
            return
        from ..autograd import no_grad
        x = numpy.zeros([1] + list(spec["shape"]), dtype=spec["dtype"])
        with no_grad():
            model.predict_on_batch(x)

    def _load(self, model, attrs, weights, optimizer=None):
        from ..io import load as load_tensors
        from ..keras.saving import assign_by_position, restore_optimizer_state
        self._build_for_weights(model, attrs)
        assign_by_position(model, load_tensors(weights), f"{type(self).__name__}: "
                                                         f"checkpoint {weights!r}")
        if optimizer and getattr(model, "optimizer", None) is not None:
            restore_optimizer_state(model, load_tensors(optimizer),
                                    f"{type(self).__name__}: checkpoint {optimizer!r}")

    def get_trial_dir(self, number):
        """The folder of trial ``number``'s checkpoints: ``directory/project_name/trial_0007``."""
        return os.path.join(self.project_dir, f"trial_{trial_id(int(number))}")

    def load_model(self, trial):
        """The model of ``trial`` (a ``Trial``) with the weights of its best epoch."""
        best = trial.user_attrs.get("tuner/best/0")
        if not best:
            raise ValueError(f"{type(self).__name__}.load_model: trial {trial.trial_id} has "
                             f"no checkpoint (status {trial.status})")
        model = self.hypermodel.build(trial.hyperparameters.copy())
        self._load(model, trial.user_attrs,
                   os.path.join(self.get_trial_dir(trial.number), best["file"]))
        return model

    # ------------------------------------------------------------ results

    def get_best_models(self, num_models=1):
        """The ``num_models`` best models, best first, each with its best epoch's weights."""
        return [self.load_model(t) for t in self.oracle.get_best_trials(num_models)]

    def get_best_hyperparameters(self, num_trials=1):
        """The ``HyperParameters`` of the ``num_trials`` best trials, best first."""
        return [t.hyperparameters for t in self.oracle.get_best_trials(num_trials)]

    def results_summary(self, num_trials=10):
        """Print the ``num_trials`` best trials: hyperparameters and score."""
        print("Results summary")
        print(f"Results in {self.project_dir}")
        print(f"Showing {num_trials} best trials")
        print(self.oracle.objective)
        for trial in self.oracle.get_best_trials(num_trials):
            print()
            trial.summary()
