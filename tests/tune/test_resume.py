"""A search killed mid-trial (SIGKILL) and started again finishes like an uninterrupted one:
the same trials, each completed once, the interrupted one resumed from its last epoch."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tune.models import mnist_folder


def needs_mnist():
    """Skip when the real MNIST the workers train on is missing (set SHENJING_DATA)."""
    if not mnist_folder().is_dir():
        pytest.skip(f"real MNIST not found at {mnist_folder()}; set SHENJING_DATA")

ROOT = Path(__file__).resolve().parents[2]


def start_worker(directory, project, *extra):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "src"),
                                                        os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-m", "tests.tune.worker", str(directory), project,
                             *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def ran(output):
    """[(trial number, first epoch)] of a worker's ``RAN`` lines."""
    return [(int(a), int(b)) for a, b in re.findall(r"RAN (\d+) FROM (\d+)", output)]


def study(directory, project):
    import optuna
    return optuna.load_study(study_name=project,
                             storage=f"sqlite:///{directory}/{project}/tuner.db")


def test_killed_search_resumes_where_it_stopped(tmp_path):
    pytest.importorskip("optuna")
    needs_mnist()
    args = ["--max-trials", "3", "--epochs", "4"]
    worker = start_worker(tmp_path, "killed", *args, "--sleep", "0.4")
    deadline = time.time() + 120
    try:   # wait until trial 1 has checkpointed an epoch or two, then kill -9 the worker
        while time.time() < deadline:
            time.sleep(0.2)
            if worker.poll() is not None:
                pytest.fail("the worker ended before it could be killed:\n" + worker.stdout.read())
            if not (tmp_path / "killed" / "tuner.db").exists():
                continue
            try:
                running = [t for t in study(tmp_path, "killed").trials
                           if t.state.name == "RUNNING" and t.number == 1]
            except Exception:      # the study is still being created
                continue
            if running and running[0].user_attrs.get("tuner/last/0", {}).get("epoch", -1) >= 1:
                break
        else:
            pytest.fail("trial 1 never reached its second epoch")
    finally:
        worker.send_signal(signal.SIGKILL)
        first_output = worker.communicate()[0]
    assert worker.returncode == -signal.SIGKILL
    killed = {t.number: t for t in study(tmp_path, "killed").trials}
    assert killed[0].state.name == "COMPLETE" and killed[1].state.name == "RUNNING"
    last_epoch = killed[1].user_attrs["tuner/last/0"]["epoch"]

    again = start_worker(tmp_path, "killed", *args)
    second_output = again.communicate(timeout=300)[0]
    assert again.returncode == 0, second_output
    # trial 0 was not run again; trial 1 went on from the epoch after its checkpoint
    assert ran(second_output) == [(1, last_epoch + 1), (2, 0)], second_output
    assert [n for n, _ in ran(first_output)] == [0, 1]

    uninterrupted = start_worker(tmp_path, "whole", *args)
    whole_output = uninterrupted.communicate(timeout=300)[0]
    assert uninterrupted.returncode == 0, whole_output

    resumed = {t.number: t for t in study(tmp_path, "killed").trials}
    whole = {t.number: t for t in study(tmp_path, "whole").trials}
    assert len(resumed) == len(whole) == 3
    assert all(t.state.name == "COMPLETE" for t in list(resumed.values()) + list(whole.values()))
    for number in range(3):   # the same trials (per-trial seeds), each epoch recorded once
        assert resumed[number].params == whole[number].params
        epochs = [row["epoch"] for row in resumed[number].user_attrs["tuner/history/0"]]
        assert epochs == [0, 1, 2, 3]
    assert resumed[1].user_attrs["tuner/resumed"] == 1
    assert "tuner/resumed" not in resumed[0].user_attrs
    # the checkpoints of superseded epochs were cleaned up
    files = sorted(os.listdir(tmp_path / "killed" / "trial_0001"))
    assert files == ["best-0.safetensors", "last-0-3.optimizer.safetensors",
                     "last-0-3.safetensors"]


def test_ctrl_c_then_search_again_resumes_in_the_same_process(tmp_path, digits):
    import shenjing.tune as kt
    from shenjing import keras
    from .models import build_model
    x, y, xv, yv = digits

    class CtrlC(keras.callbacks.Callback):
        """Presses Ctrl-C once, after epoch 1 of trial 1."""
        pressed = False

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1 and not CtrlC.pressed and self.model is not None \
                    and len(tuner.oracle.trials()) == 2:
                CtrlC.pressed = True
                raise KeyboardInterrupt

    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=3,
                            directory=tmp_path, project_name="p", seed=0, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        tuner.search(x, y, epochs=3, validation_data=(xv, yv), callbacks=[CtrlC()])
    states = [t.state.name for t in tuner.oracle.trials()]
    assert states == ["COMPLETE", "RUNNING"]
    tuner.search(x, y, epochs=3, validation_data=(xv, yv), callbacks=[CtrlC()])
    trials = tuner.oracle.trials()
    assert [t.state.name for t in trials] == ["COMPLETE"] * 3
    assert trials[1].user_attrs["tuner/resumed"] == 1
    assert [row["epoch"] for row in trials[1].user_attrs["tuner/history/0"]] == [0, 1, 2]


def test_too_many_failures_in_a_row_stop_the_search(tmp_path, digits):
    import shenjing.tune as kt
    x, y, xv, yv = digits

    def broken(hp):
        hp.Int("units", 8, 32, step=8)
        if hp._trial is not None:
            raise ValueError("broken model")
        from .models import build_model
        return build_model(hp)

    tuner = kt.RandomSearch(broken, objective="val_accuracy", max_trials=10,
                            directory=tmp_path, project_name="p", verbose=0)
    with pytest.raises(RuntimeError, match="3 trials in a row failed.*broken model"):
        tuner.search(x, y, epochs=1, validation_data=(xv, yv))
    assert [t.state.name for t in tuner.oracle.trials()] == ["FAIL"] * 3
