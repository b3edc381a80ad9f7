"""Hyperband (Li et al., 2018) as Keras Tuner runs it: brackets of successive halving.

With ``R = max_epochs`` and ``eta = factor``, there are ``s_max + 1`` brackets, where
``s_max + 1`` is the number of times R can be divided by eta before it falls below 1.
Bracket ``s`` (run from ``s_max`` down to 0) has ``s + 1`` rounds; round ``r`` trains

    n(s, r) = ceil( ceil(1 + log_eta R) / (s + 1) * eta ** (s - r) )  trials
    to epoch  e(s, r) = ceil( R / eta ** (s - r) ).

Round 0's trials are new (random values, Optuna's ``RandomSampler``); each later round
takes the ``n(s, r)`` best of the previous one and continues each from its parent's best
checkpoint, training epochs ``e(s, r-1) .. e(s, r) - 1`` (a new trial, as in Keras Tuner,
whose ``tuner/trial_id`` is the parent's).  The whole schedule is repeated
``hyperband_iterations`` times.  Every step is decided from the trials in the storage, so
any number of workers can share one Hyperband search.
"""

import math

from .oracle import WAIT, Oracle
from .trial import trial_id


def num_brackets(max_epochs, factor):
    """How many brackets: how many times ``max_epochs`` divides by ``factor`` staying >= 1."""
    epochs, brackets = max_epochs, 0
    while epochs >= 1:
        epochs /= factor
        brackets += 1
    return brackets


def bracket_size(max_epochs, factor, bracket, round_):
    """``n(s, r)``: the trials of round ``round_`` of bracket ``bracket``."""
    end_size = math.ceil(1 + math.log(max_epochs, factor)) / (bracket + 1)
    return math.ceil(end_size * factor ** (bracket - round_))


def bracket_epochs(max_epochs, factor, bracket, round_):
    """``e(s, r)``: the epoch that round ``round_`` of bracket ``bracket`` trains up to."""
    return math.ceil(max_epochs / factor ** (bracket - round_))


def schedule(max_epochs, factor):
    """[(bracket, [(trials, epochs) per round])] in the order Hyperband runs them."""
    top = num_brackets(max_epochs, factor) - 1
    return [(s, [(bracket_size(max_epochs, factor, s, r), bracket_epochs(max_epochs, factor, s, r))
                 for r in range(s + 1)]) for s in range(top, -1, -1)]


class HyperbandOracle(Oracle):
    """Hands out Hyperband's trials: ``max_epochs`` (R), ``factor`` (eta, >= 2),
    ``hyperband_iterations`` (times the whole schedule runs)."""

    def __init__(self, objective=None, max_epochs=100, factor=3, hyperband_iterations=1,
                 seed=None, hyperparameters=None, **kwargs):
        if not isinstance(max_epochs, int) or max_epochs < 1:
            raise ValueError(f"Hyperband: max_epochs must be a positive integer, got "
                             f"{max_epochs!r}")
        if not isinstance(factor, int) or factor < 2:
            raise ValueError(f"Hyperband: factor must be an integer >= 2, got {factor!r}")
        if not isinstance(hyperband_iterations, int) or hyperband_iterations < 1:
            raise ValueError(f"Hyperband: hyperband_iterations must be a positive integer, "
                             f"got {hyperband_iterations!r}")
        kwargs.setdefault("max_trials", None)
        super().__init__(objective, seed=seed, hyperparameters=hyperparameters, **kwargs)
        self.max_epochs, self.factor = max_epochs, factor
        self.hyperband_iterations = hyperband_iterations

    def _plan(self, trials):
        waiting = False
        for iteration in range(self.hyperband_iterations):
            for bracket, rounds in schedule(self.max_epochs, self.factor):
                for round_, (size, epochs) in enumerate(rounds):
                    here = [t for t in trials if _where(t) == (iteration, bracket, round_)]
                    attrs = {"tuner/iteration": iteration, "tuner/bracket": bracket,
                             "tuner/round": round_, "tuner/epochs": epochs,
                             "tuner/initial_epoch": 0 if round_ == 0 else rounds[round_ - 1][1]}
                    if round_ == 0:
                        if len(here) < size:
                            return None, attrs
                        continue
                    before = [t for t in trials if _where(t) == (iteration, bracket, round_ - 1)]
                    if not all(t.state.is_finished() for t in before):
                        waiting = True     # the round before is still running elsewhere
                        break
                    parents = {t.user_attrs.get("tuner/trial_id") for t in here}
                    best = sorted((t for t in before if t.state.name == "COMPLETE"),
                                  key=lambda t: t.value, reverse=self.objective.direction == "max")
                    for parent in best[:size]:
                        if trial_id(parent.number) not in parents:
                            attrs["tuner/trial_id"] = trial_id(parent.number)
                            return dict(parent.params), attrs
        return WAIT if waiting else None


def _where(trial):
    a = trial.user_attrs
    return a.get("tuner/iteration"), a.get("tuner/bracket"), a.get("tuner/round")
