"""``shenjing tune status DIR``: the trials table of a search, from its storage."""

import re

import shenjing.tune as kt
from shenjing import cli

from .models import build_model


def test_status_prints_the_trials_table(tmp_path, digits, capsys):
    x, y, xv, yv = digits
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2,
                            directory=tmp_path, project_name="proj", seed=0, verbose=0)
    tuner.search(x, y, epochs=2, validation_data=(xv, yv))
    capsys.readouterr()
    assert cli.main(["tune", "status", str(tmp_path / "proj")]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert lines[0].split()[:4] == ["trial", "status", "val_accuracy", "epochs"]
    for trial in tuner.oracle.trials():
        row = next(line for line in lines if line.startswith(f"{trial.number:04d}"))
        assert "COMPLETED" in row and f"{trial.value:.6g}" in row
        assert f"units={trial.params['units']}" in row
        assert re.search(r"COMPLETED\s+\S+\s+2\s", row)        # two epochs recorded
    best = tuner.oracle.get_best_trials(1)[0]
    assert lines[-1] == (f"2 trials, 2 completed (maximize val_accuracy); best trial "
                         f"{best.trial_id}: val_accuracy {best.score:.6g}")


def test_status_of_a_folder_without_a_search(tmp_path, capsys):
    assert cli.main(["tune", "status", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no search in" in err and str(tmp_path) in err
