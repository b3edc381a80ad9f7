"""``Trial``: one trial of a search as Keras Tuner shows it, read from its Optuna record.

What a trial keeps in the storage (Optuna user attributes, beside its params, value and
state): ``tuner/owner`` (the worker running it), ``tuner/history/<execution>`` (each
epoch's logs), ``tuner/best/<execution>`` and ``tuner/last/<execution>`` (the epoch, score
and checkpoint file of its best and of its last epoch), ``tuner/scores`` (each finished
execution's best score), ``error`` (for a failed trial); Hyperband adds
``tuner/bracket``, ``tuner/round``, ``tuner/epochs``, ``tuner/initial_epoch`` and
``tuner/trial_id`` (the trial it continues).
"""

OWNER = "tuner/owner"

# Optuna's states in Keras Tuner's words
STATUS = {"COMPLETE": "COMPLETED", "FAIL": "FAILED", "PRUNED": "STOPPED",
          "RUNNING": "RUNNING", "WAITING": "IDLE"}


def trial_id(number):
    """Keras Tuner's text id of trial ``number``: ``'0007'``."""
    return f"{number:04d}"


class Trial:
    """One trial: ``trial_id``, ``number``, ``hyperparameters`` (a ``HyperParameters``
    with its values), ``score`` (the objective, None unless completed), ``status``
    (``'COMPLETED'``, ``'FAILED'``, ``'RUNNING'``, ``'STOPPED'``, ``'IDLE'``),
    ``best_step`` (the best epoch), ``metrics`` ({name: [per-epoch values]} of its first
    execution), ``error`` (a failed trial's), ``user_attrs`` (everything recorded)."""

    def __init__(self, frozen, space=()):
        from .hyperparameters import HyperParameters
        self.number = frozen.number
        self.trial_id = trial_id(frozen.number)
        hp = HyperParameters()
        for h in space:
            hp.space.append(h)
            hp._by_name[h.name] = h
        fixed = {k[len("fixed/"):]: v for k, v in frozen.user_attrs.items()
                 if k.startswith("fixed/")}
        hp.values = {**fixed, **frozen.params}
        self.hyperparameters = hp
        self.status = STATUS.get(frozen.state.name, frozen.state.name)
        self.score = frozen.value if frozen.state.name == "COMPLETE" else None
        self.user_attrs = dict(frozen.user_attrs)
        best = self.user_attrs.get("tuner/best/0") or {}
        self.best_step = best.get("epoch")
        history = self.user_attrs.get("tuner/history/0") or []
        self.metrics = {}
        for logs in history:
            for name, value in logs.items():
                if name != "epoch":
                    self.metrics.setdefault(name, []).append(value)
        self.error = self.user_attrs.get("error")

    def summary(self):
        """Print the trial: id, hyperparameters, score (Keras Tuner's layout)."""
        print(f"Trial {self.trial_id} summary")
        print("Hyperparameters:")
        for name, value in self.hyperparameters.values.items():
            print(f"{name}: {value}")
        if self.score is not None:
            print(f"Score: {self.score}")
        if self.error:
            print(self.error)

    def __repr__(self):
        return (f"Trial(trial_id={self.trial_id!r}, status={self.status!r}, "
                f"score={self.score!r}, hyperparameters={self.hyperparameters.values!r})")


def as_trial(frozen, space=()):
    """The ``Trial`` view of Optuna's ``FrozenTrial`` ``frozen``."""
    return Trial(frozen, space)
