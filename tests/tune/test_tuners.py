"""The four tuners on real MNIST: a best trial, a best model whose evaluation is the recorded
objective, summaries, failures recorded, bad input named."""

import numpy as np
import pytest

import shenjing.tune as kt
from shenjing import keras

from .models import build_model

TUNERS = [
    (kt.RandomSearch, {"max_trials": 3}),
    (kt.GridSearch, {}),
    (kt.BayesianOptimization, {"max_trials": 4, "num_initial_points": 2}),
    (kt.Hyperband, {"max_epochs": 3, "factor": 3}),
]


def small_space(hp):
    """Two values of units x one learning rate: a grid of 2."""
    model = keras.Sequential([keras.layers.Dense(hp.Int("units", 8, 16, step=8),
                                                 activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(hp.Choice("learning_rate", [1e-2])),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("tuner_class, settings", TUNERS, ids=lambda v: getattr(v, "__name__", ""))
def test_tuner_finds_a_best_trial_and_its_model(tmp_path, digits, tuner_class, settings):
    x, y, xv, yv = digits
    space = small_space if tuner_class is kt.GridSearch else build_model
    tuner = tuner_class(space, objective="val_accuracy", directory=tmp_path,
                        project_name="p", seed=0, verbose=0, **settings)
    tuner.search(x, y, epochs=2, validation_data=(xv, yv))
    trials = tuner.oracle.trials()
    assert trials and all(t.state.name == "COMPLETE" for t in trials)
    if tuner_class is kt.GridSearch:
        assert sorted(t.params["units"] for t in trials) == [8, 16]
    elif tuner_class is not kt.Hyperband:
        assert len(trials) == settings["max_trials"]
    best = tuner.oracle.get_best_trials(1)[0]
    assert best.score == max(t.value for t in trials)
    hp = tuner.get_best_hyperparameters(num_trials=1)[0]
    assert hp.values == best.hyperparameters.values
    model = tuner.get_best_models(num_models=1)[0]
    loss, accuracy = model.evaluate(xv, yv, verbose=0)
    assert accuracy == pytest.approx(best.score, abs=1e-6)
    assert accuracy > 0.5              # it was trained: chance is 0.1
    history = best.metrics["val_accuracy"]
    assert max(history) == pytest.approx(best.score)


def test_summaries_print_the_space_and_the_best(tmp_path, digits, capsys):
    x, y, xv, yv = digits
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2,
                            directory=tmp_path, project_name="p", seed=0, verbose=0)
    tuner.search_space_summary()
    out = capsys.readouterr().out
    assert "units (Int)" in out and "learning_rate (Choice)" in out and "'step': 8" in out
    tuner.search(x, y, epochs=1, validation_data=(xv, yv))
    tuner.results_summary(1)
    out = capsys.readouterr().out
    best = tuner.oracle.get_best_trials(1)[0]
    assert f"Trial {best.trial_id} summary" in out and f"Score: {best.score}" in out


def test_search_again_runs_nothing_new(tmp_path, digits):
    x, y, xv, yv = digits
    make = lambda overwrite: kt.RandomSearch(  # noqa: E731
        build_model, objective="val_loss", max_trials=2, directory=tmp_path,
        project_name="p", seed=0, verbose=0, overwrite=overwrite)
    first = make(False)
    first.search(x, y, epochs=1, validation_data=(xv, yv))
    values = [t.value for t in first.oracle.trials()]
    again = make(False)
    again.search(x, y, epochs=1, validation_data=(xv, yv))
    assert [t.value for t in again.oracle.trials()] == values
    fresh = make(True)
    assert fresh.oracle.trials() == []


def test_a_trial_that_raises_is_recorded_and_the_search_goes_on(tmp_path, digits):
    x, y, xv, yv = digits

    def fragile(hp):
        model = build_model(hp)
        if hp.values["units"] == 16 and hp._trial is not None:
            raise RuntimeError("no 16 today")
        return model

    tuner = kt.GridSearch(fragile, objective="val_accuracy", directory=tmp_path,
                          project_name="p", verbose=0)
    tuner.search(x, y, epochs=1, validation_data=(xv, yv))
    trials = tuner.oracle.trials()
    assert len(trials) == 8                       # 4 units x 2 learning rates
    failed = [t for t in trials if t.state.name == "FAIL"]
    assert len(failed) == 2 and all(t.params["units"] == 16 for t in failed)
    assert failed[0].user_attrs["error"] == "RuntimeError: no 16 today"
    assert sum(t.state.name == "COMPLETE" for t in trials) == 6
    assert tuner.oracle.get_trial(failed[0].number).status == "FAILED"


def test_objective_not_logged_lists_the_logged_metrics(tmp_path, digits):
    x, y, xv, yv = digits
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2,
                            directory=tmp_path, project_name="p", verbose=0)
    with pytest.raises(ValueError) as info:
        tuner.search(x, y, epochs=1)             # no validation data: no val_accuracy
    message = str(info.value)
    assert "'val_accuracy'" in message and "['accuracy', 'loss']" in message
    assert [t.state.name for t in tuner.oracle.trials()] == ["FAIL"]


def test_storage_that_cannot_be_opened_names_address_and_driver(tmp_path):
    with pytest.raises(ValueError) as info:
        kt.RandomSearch(build_model, objective="val_loss", directory=tmp_path,
                        storage="mysql://tuner:secret@localhost/db")
    assert "mysql://tuner:***@localhost/db" in str(info.value)
    assert "MySQLdb" in str(info.value) and "secret" not in str(info.value)
    with pytest.raises(ValueError, match="nosuchscheme"):
        kt.RandomSearch(build_model, objective="val_loss", directory=tmp_path,
                        storage="nosuchscheme://x")


def test_hypermodel_subclass_and_executions_per_trial(tmp_path, digits):
    x, y, xv, yv = digits

    class MyHyperModel(kt.HyperModel):
        def build(self, hp):
            return build_model(hp)

        def fit(self, hp, model, *args, **kwargs):
            return model.fit(*args, batch_size=hp.Choice("batch_size", [32, 64]), **kwargs)

    tuner = kt.RandomSearch(MyHyperModel(), objective=kt.Objective("val_loss", "min"),
                            max_trials=2, executions_per_trial=2, directory=tmp_path,
                            project_name="p", seed=3, verbose=0)
    tuner.search(x, y, epochs=1, validation_data=(xv, yv))
    for trial in tuner.oracle.trials():
        scores = trial.user_attrs["tuner/scores"]
        assert len(scores) == 2 and trial.value == pytest.approx(np.mean(scores))
        assert trial.params["batch_size"] in (32, 64)
    best = tuner.oracle.get_best_trials(1)[0]
    assert best.score == min(t.value for t in tuner.oracle.trials())


def test_an_optuna_pruner_stops_trials_early(tmp_path, digits):
    optuna = pytest.importorskip("optuna")
    x, y, xv, yv = digits
    # no trial reaches 99.9% validation accuracy: each is pruned after its first epoch
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2,
                            directory=tmp_path, project_name="p", seed=0, verbose=0,
                            pruner=optuna.pruners.ThresholdPruner(lower=0.999))
    tuner.search(x, y, epochs=4, validation_data=(xv, yv))
    trials = tuner.oracle.trials()
    assert [t.state.name for t in trials] == ["PRUNED", "PRUNED"]
    assert all(len(t.user_attrs["tuner/history/0"]) == 1 for t in trials)
    assert all(list(t.intermediate_values) == [0] for t in trials)
    assert tuner.oracle.get_best_trials(1) == []
