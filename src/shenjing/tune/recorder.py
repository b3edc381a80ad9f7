"""``TrialRecorder``: the callback that writes one execution of a trial into the storage.

After every epoch: the objective is read from the logs (an error listing the logged
metrics when it is not there), the epoch's logs are appended to the trial's history, the
weights (and optimizer state) are checkpointed to ``last-<execution>-<epoch>`` files and,
when the objective improved, to ``best-<execution>``; then the record points at them and
the worker's heartbeat is renewed.  Files first, record second: a worker killed at any
moment leaves a record whose files exist.  The objective is also reported to Optuna (its
pruners see it) and a pruned trial stops training.
"""

import math
import os
import time

from ..keras.callbacks import Callback
from ..keras.saving import optimizer_state
from ..io import save as save_tensors
from .trial import OWNER


class ObjectiveNotLogged(ValueError):
    """The objective is not among the metrics the model logs: a mistake of the search, not
    of one trial, so the search stops."""


class TrialRecorder(Callback):
    """Records execution ``execution`` of the Optuna ``trial`` into the storage; ``folder``
    holds its checkpoints; ``best`` / ``history``: what an interrupted run had recorded."""

    def __init__(self, trial, objective, execution, folder, best=None, history=None,
                 report=True):
        super().__init__()
        self.trial, self.objective, self.execution = trial, objective, execution
        self.folder = folder
        self.best = best or {}
        self.history = list(history or [])
        self.report, self.pruned = report, False

    @property
    def best_value(self):
        """The best objective value of this execution so far (None if none was finite)."""
        return self.best.get("value")

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        name = self.objective.name
        if name not in logs:
            raise ObjectiveNotLogged(
                f"objective {name!r} is not logged by the model; the logged metrics are "
                f"{sorted(logs)} (validation metrics need validation_data or "
                f"validation_split)")
        value = float(logs[name])
        row = {"epoch": epoch, **{k: float(v) for k, v in logs.items()}}
        self.history.append(row)
        if math.isfinite(value) and self.objective.better(value, self.best_value):
            best_file = f"best-{self.execution}.safetensors"
            save_tensors(self.model.state_dict(), os.path.join(self.folder, best_file))
            self.best = {"epoch": epoch, "value": value, "file": best_file}
        last = self._save_last(epoch)
        trial = self.trial
        trial.set_user_attr(f"tuner/history/{self.execution}", self.history)
        trial.set_user_attr(f"tuner/best/{self.execution}", self.best)
        previous = trial.user_attrs.get(f"tuner/last/{self.execution}")
        trial.set_user_attr(f"tuner/last/{self.execution}", last)
        owner = dict(trial.user_attrs.get(OWNER) or {}, heartbeat=time.time())
        trial.set_user_attr(OWNER, owner)
        if previous:     # the record now points at the new files: the old ones can go
            for key in ("file", "optimizer"):
                if previous.get(key) and previous[key] != last.get(key):
                    _remove(os.path.join(self.folder, previous[key]))
        if self.report and math.isfinite(value):
            if epoch not in trial.storage.get_trial(trial._trial_id).intermediate_values:
                trial.report(value, epoch)
            if trial.should_prune():
                self.pruned = True
                self.model.stop_training = True

    def _save_last(self, epoch):
        stem = f"last-{self.execution}-{epoch}"
        save_tensors(self.model.state_dict(), os.path.join(self.folder, stem + ".safetensors"))
        last = {"epoch": epoch, "file": stem + ".safetensors"}
        state = optimizer_state(self.model)
        if state is not None:
            save_tensors(state, os.path.join(self.folder, stem + ".optimizer.safetensors"))
            last["optimizer"] = stem + ".optimizer.safetensors"
        return last


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
