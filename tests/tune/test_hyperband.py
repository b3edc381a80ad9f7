"""Hyperband: the brackets, round sizes and epoch budgets of the algorithm, and promoted
trials continuing from their parent's weights."""

import math
import os

import numpy as np
import pytest

import shenjing.tune as kt
from shenjing.io import load

from .models import build_model


def expected_schedule(R, eta):
    """{(bracket, round): (trials, epochs)} by Li et al.'s formulas as Keras Tuner states
    them: s_max = floor(log_eta R) (by repeated division), bracket s has s + 1 rounds,
    round i trains ceil(ceil(1 + log_eta R) / (s + 1) * eta^(s - i)) trials to
    ceil(R / eta^(s - i)) epochs."""
    s_max = 0
    while R / eta ** (s_max + 1) >= 1:
        s_max += 1
    top = math.ceil(1 + math.log(R) / math.log(eta))
    return {(s, i): (math.ceil(top / (s + 1) * eta ** (s - i)), math.ceil(R / eta ** (s - i)))
            for s in range(s_max + 1) for i in range(s + 1)}


def test_schedule_of_the_course_settings():
    from shenjing.tune.hyperband import schedule
    for R, eta in [(10, 3), (9, 3), (4, 2), (27, 3), (100, 3)]:
        got = {(s, r): size for s, rounds in schedule(R, eta) for r, size in enumerate(rounds)}
        assert got == expected_schedule(R, eta)
    # the course's max_epochs=10, factor=3: brackets of 12, 6 and 4 trials to start with
    assert expected_schedule(10, 3)[(2, 0)] == (12, 2)


class Recording(kt.HyperModel):
    """Builds ``build_model`` and keeps each trial's weights as training starts."""

    def __init__(self):
        super().__init__()
        self.start = {}

    def build(self, hp):
        return build_model(hp)

    def fit(self, hp, model, *args, **kwargs):
        recorder = kwargs["callbacks"][-1]
        self.start[recorder.trial.number] = [w.numpy().copy() for w in
                                             model.state_dict().values()] \
            if model.state_dict() else None
        return model.fit(*args, **kwargs)


def test_hyperband_runs_the_prescribed_brackets(tmp_path, digits):
    x, y, xv, yv = digits
    R, eta = 4, 2
    hypermodel = Recording()
    tuner = kt.Hyperband(hypermodel, objective="val_accuracy", max_epochs=R, factor=eta,
                         directory=tmp_path, project_name="hb", seed=0, verbose=0)
    tuner.search(x, y, epochs=100, validation_data=(xv, yv))
    trials = tuner.oracle.trials()
    assert all(t.state.name == "COMPLETE" for t in trials)
    expected = expected_schedule(R, eta)
    got = {}
    for t in trials:
        key = (t.user_attrs["tuner/bracket"], t.user_attrs["tuner/round"])
        got[key] = got.get(key, 0) + 1
        s, i = key
        first = 0 if i == 0 else expected[(s, i - 1)][1]
        epochs = [row["epoch"] for row in t.user_attrs["tuner/history/0"]]
        assert epochs == list(range(first, expected[key][1]))   # the round's epoch budget
    assert got == {key: size for key, (size, _) in expected.items()}
    # the brackets ran from the most exploratory to the least, in trial order
    brackets = [t.user_attrs["tuner/bracket"] for t in sorted(trials, key=lambda t: t.number)]
    assert brackets == sorted(brackets, reverse=True)

    by_id = {t.number: t for t in trials}
    promoted = [t for t in trials if t.user_attrs["tuner/round"] > 0]
    assert promoted
    for child in promoted:
        parent = by_id[int(child.user_attrs["tuner/trial_id"])]
        assert child.params == parent.params
        s, i = child.user_attrs["tuner/bracket"], child.user_attrs["tuner/round"]
        assert parent.user_attrs["tuner/bracket"] == s
        assert parent.user_attrs["tuner/round"] == i - 1
        # the parent is among the best of its round
        peers = [t.value for t in trials if (t.user_attrs["tuner/bracket"],
                                             t.user_attrs["tuner/round"]) == (s, i - 1)]
        assert parent.value >= sorted(peers, reverse=True)[expected[(s, i)][0] - 1]
        # and the child started from the parent's best checkpoint, not from scratch
        best = parent.user_attrs["tuner/best/0"]
        saved = load(os.path.join(tuner.get_trial_dir(parent.number), best["file"]))
        start = hypermodel.start[child.number]
        assert start is not None
        for a, b in zip(start, saved.values()):
            np.testing.assert_array_equal(a, np.asarray(b.numpy() if hasattr(b, "numpy") else b))

    best = tuner.oracle.get_best_trials(1)[0]
    _, accuracy = tuner.get_best_models(1)[0].evaluate(xv, yv, verbose=0)
    assert accuracy == pytest.approx(best.score, abs=1e-6)


def test_bad_hyperband_settings():
    with pytest.raises(ValueError, match="factor must be an integer >= 2, got 1"):
        kt.Hyperband(build_model, objective="val_loss", max_epochs=10, factor=1)
    with pytest.raises(ValueError, match="max_epochs must be a positive integer"):
        kt.Hyperband(build_model, objective="val_loss", max_epochs=0)


def test_schedule_matches_keras_tuner():
    from tests.keras.oracle import keras3
    keras3()                                   # Keras 3 on torch, or skip
    keras_tuner = pytest.importorskip("keras_tuner")
    from keras_tuner.src.tuners.hyperband import HyperbandOracle as TheirOracle
    from shenjing.tune.hyperband import schedule
    for R, eta in [(10, 3), (9, 3), (4, 2), (30, 4), (100, 3)]:
        theirs = TheirOracle(objective=keras_tuner.Objective("val_accuracy", "max"),
                             max_epochs=R, factor=eta)
        top = theirs._get_num_brackets() - 1
        expected = [(s, [(theirs._get_size(s, r), theirs._get_epochs(s, r))
                         for r in range(s + 1)]) for s in range(top, -1, -1)]
        assert schedule(R, eta) == expected
