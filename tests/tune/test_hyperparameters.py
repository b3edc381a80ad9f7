"""HyperParameters: declaring, defaults, Optuna's values, conditional scopes, bad input."""

import pytest

import shenjing.tune as kt


def test_defaults_outside_a_search():
    hp = kt.HyperParameters()
    assert hp.Int("units", 32, 512, step=32) == 32
    assert hp.Float("lr", 1e-4, 1e-2, sampling="log") == pytest.approx(1e-4)
    assert hp.Choice("act", ["relu", "tanh"]) == "relu"
    assert hp.Boolean("dropout") is False
    assert hp.Fixed("depth", 3) == 3
    assert [h.name for h in hp.space] == ["units", "lr", "act", "dropout", "depth"]
    assert hp.values == {"units": 32, "lr": pytest.approx(1e-4), "act": "relu",
                         "dropout": False, "depth": 3}
    assert hp.Int("units", 32, 512, step=32) == 32 and len(hp.space) == 5  # declared once


def test_values_come_from_optuna_and_lie_in_the_space():
    optuna = pytest.importorskip("optuna")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = set()
    for _ in range(30):
        hp = kt.HyperParameters()
        hp._trial = study.ask()
        units = hp.Int("units", 32, 512, step=32)
        lr = hp.Float("lr", 1e-4, 1e-1, sampling="log")
        width = hp.Int("width", 2, 64, sampling="log", step=2)
        assert units % 32 == 0 and 32 <= units <= 512
        assert 1e-4 <= lr <= 1e-1
        assert width in (2, 4, 8, 16, 32, 64)
        seen.add(units)
        study.tell(hp._trial, 0.0)
    assert len(seen) > 5     # really sampled, not the default


def test_conditional_scope_activates_by_parent_value():
    optuna = pytest.importorskip("optuna")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    kinds = set()
    for _ in range(20):
        hp = kt.HyperParameters()
        hp._trial = study.ask()
        kind = hp.Choice("model", ["mlp", "linear"])
        with hp.conditional_scope("model", ["mlp"]):
            units = hp.Int("units", 8, 64, step=8)
        kinds.add(kind)
        if kind == "mlp":
            assert units in range(8, 65, 8) and "units" in hp._trial.params
        else:
            assert units is None and "units" not in hp._trial.params
        study.tell(hp._trial, 0.0)
    assert kinds == {"mlp", "linear"}


@pytest.mark.parametrize("call, words", [
    (lambda hp: hp.Int("units", 64, 32), ["units", "empty range", "64", "32"]),
    (lambda hp: hp.Int("units", 32, 32), ["units", "empty range"]),
    (lambda hp: hp.Int("units", 32, 64, step=64), ["units", "step 64", "larger than the range"]),
    (lambda hp: hp.Float("lr", 0.1, 0.2, step=0.5), ["lr", "step 0.5", "larger"]),
    (lambda hp: hp.Float("lr", 1e-3, 1e-1, sampling="cubic"), ["lr", "unknown sampling",
                                                               "cubic"]),
    (lambda hp: hp.Float("lr", 0.0, 1e-1, sampling="log"), ["lr", "min_value > 0"]),
    (lambda hp: hp.Choice("act", []), ["act", "non-empty"]),
])
def test_bad_space_names_the_hyperparameter_and_the_problem(call, words):
    with pytest.raises(ValueError) as info:
        call(kt.HyperParameters())
    for word in words:
        assert word in str(info.value)


def test_unknown_parent_and_unknown_name():
    hp = kt.HyperParameters()
    with pytest.raises(ValueError, match="unknown parent 'kind'"):
        with hp.conditional_scope("kind", ["a"]):
            pass
    with pytest.raises(KeyError, match="no hyperparameter 'depth'"):
        hp.get("depth")


def test_objective_direction():
    assert kt.Objective("val_loss", "min").direction == "min"
    from shenjing.tune.objective import as_objective
    assert as_objective("val_accuracy").direction == "max"
    assert as_objective("val_loss").direction == "min"
    with pytest.raises(ValueError, match="kt.Objective"):
        as_objective("val_banana")
    with pytest.raises(ValueError, match="'min' or 'max'"):
        kt.Objective("val_loss", "down")


def test_sampling_names_as_keras_tuner_takes_them():
    hp = kt.HyperParameters()
    assert hp.Float("lr", 1e-4, 1e-2, sampling="LOG") == pytest.approx(1e-4)
    assert hp.space[0].sampling == "log"
