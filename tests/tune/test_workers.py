"""Many workers on one search: two processes on one SQLite file, and on PostgreSQL, complete
the search together with every trial run exactly once."""

import pytest

from tests.tune.models import mnist_folder


def needs_mnist():
    """Skip when the real MNIST the workers train on is missing (set SHENJING_DATA)."""
    if not mnist_folder().is_dir():
        pytest.skip(f"real MNIST not found at {mnist_folder()}; set SHENJING_DATA")

from .test_resume import ran, start_worker


def run_two_workers(directory, project, *args):
    """Start two workers, let them search at the same moment; returns (their outputs,
    [(trial, first epoch)] of each)."""
    go = directory / f"{project}.go"
    workers = [start_worker(directory, project, *args, "--go", str(go)) for _ in range(2)]
    heads = []
    for w in workers:          # both built their tuner and wait: start them together
        lines = []
        for line in w.stdout:
            lines.append(line)
            if line.strip() == "READY":
                break
        heads.append("".join(lines))
    go.write_text("go")
    outputs = [head + w.communicate(timeout=300)[0] for head, w in zip(heads, workers)]
    for w, out in zip(workers, outputs):
        assert w.returncode == 0, out
    return outputs, [ran(out) for out in outputs]


def load(project, storage):
    import optuna
    return optuna.load_study(study_name=project, storage=storage).trials


def check_each_trial_once(trials, runs, count):
    both = runs[0] + runs[1]
    numbers = [n for n, _ in both]
    assert sorted(numbers) == list(range(count))          # every trial run, none twice
    assert len(trials) == count and all(t.state.name == "COMPLETE" for t in trials)
    assert runs[0] and runs[1], "both workers should have taken trials"


def test_two_workers_share_a_sqlite_search(tmp_path):
    pytest.importorskip("optuna")
    needs_mnist()
    outputs, runs = run_two_workers(tmp_path, "shared", "--max-trials", "6", "--epochs", "2",
                                    "--sleep", "0.3")
    trials = load("shared", f"sqlite:///{tmp_path}/shared/tuner.db")
    check_each_trial_once(trials, runs, 6)


def test_two_workers_share_a_hyperband_search(tmp_path):
    pytest.importorskip("optuna")
    needs_mnist()
    # max_epochs 2, factor 2: bracket 1 runs 2 trials for 1 epoch and promotes the best to
    # 2 epochs; bracket 0 runs 2 trials for 2 epochs: 5 trials
    outputs, runs = run_two_workers(tmp_path, "hb", "--tuner", "hyperband", "--epochs", "2",
                                    "--sleep", "0.3")
    trials = load("hb", f"sqlite:///{tmp_path}/hb/tuner.db")
    check_each_trial_once(trials, runs, 5)
    promoted = [t for t in trials if t.user_attrs["tuner/round"] == 1]
    assert len(promoted) == 1
    first_epoch = dict(runs[0] + runs[1])[promoted[0].number]
    assert first_epoch == 1                   # it went on from its parent's epoch


def test_two_workers_share_a_postgresql_search(tmp_path, postgres_url):
    pytest.importorskip("optuna")
    needs_mnist()
    outputs, runs = run_two_workers(tmp_path, "pg", "--max-trials", "6", "--epochs", "2",
                                    "--sleep", "0.3", "--storage", postgres_url)
    trials = load("pg", postgres_url)
    check_each_trial_once(trials, runs, 6)
    from shenjing.tune.status import status_table
    table = status_table("pg", storage=postgres_url).splitlines()
    assert len(table) == 1 + 6 + 1 and table[-1].startswith("6 trials, 6 completed")
    assert not (tmp_path / "pg" / "tuner.db").exists()     # the database held the search


def test_when_a_worker_counts_as_gone():
    import subprocess
    import sys
    import time

    from shenjing.tune import workers
    me = workers.owner()
    workers.ACTIVE.add(5)
    try:
        assert not workers.is_gone(me, 5, grace=60)          # this process runs trial 5
    finally:
        workers.ACTIVE.discard(5)
    assert workers.is_gone(me, 5, grace=60)                  # ... and no longer does
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        record = dict(me, pid=child.pid, token="other", start=None)
        assert not workers.is_gone(record, 1, grace=60)      # alive on this machine
    finally:
        child.kill()
        child.wait()
    assert workers.is_gone(record, 1, grace=60)              # killed
    elsewhere = dict(me, host=me["host"] + "-elsewhere", token="other")
    assert not workers.is_gone(dict(elsewhere, heartbeat=time.time()), 1, grace=60)
    assert workers.is_gone(dict(elsewhere, heartbeat=time.time() - 120), 1, grace=60)
