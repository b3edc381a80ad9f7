"""``shenjing launch``: the mpirun command it builds, and a real two-rank run."""

import sys

import pytest

from shenjing.cli import main
from shenjing.distributed import launch

from .conftest import RANKS


def test_dry_run_prints_mpirun_with_the_hostfile_and_the_script(capsys, tmp_path):
    hostfile = tmp_path / "hosts"
    hostfile.write_text("node1 slots=2\nnode2 slots=2\n")
    status = main(["launch", "-n", "4", "--hostfile", str(hostfile), "--dry-run", "train.py",
                   "--lr", "0.1"])
    assert status == 0
    line = capsys.readouterr().out.split()
    assert line[1:3] == ["-n", "4"]
    assert line[line.index("--hostfile") + 1] == str(hostfile)
    assert line[-4:] == [sys.executable, "train.py", "--lr", "0.1"]


def test_missing_mpirun_names_what_to_install(monkeypatch):
    monkeypatch.setattr(launch.shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="apt-get install openmpi-bin.*shenjing"
                                                r"\[distributed\]"):
        launch.command(2, "train.py")
    with pytest.raises(ValueError, match="-n should be a positive number of ranks, got 0"):
        launch.command(0, "train.py", mpirun="/bin/true")


def test_each_rank_gets_a_share_of_the_cores(monkeypatch):
    monkeypatch.setattr(launch.os, "cpu_count", lambda: 8)
    env = launch.environment(2, base={"OMP_NUM_THREADS": "3"})
    assert env["OPENBLAS_NUM_THREADS"] == "4" and env["SHENJING_THREADS"] == "4"
    assert env["OMP_NUM_THREADS"] == "3"          # what the user set is kept


def test_launch_runs_two_ranks(mpi, tmp_path):
    env = mpi.env()
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "SHENJING_THREADS"):
        env.pop(name)
    done = mpi.call([sys.executable, "-m", "shenjing", "launch", "-n", "2",
                     str(RANKS / "hello.py"), str(tmp_path)], timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    results = mpi.results(tmp_path)
    assert [r["rank"] for r in results] == [0, 1]
    assert all(r["world"] == 2 for r in results)
    assert all(int(r["threads"]) >= 1 for r in results)


def test_launch_returns_the_failure_of_a_rank(mpi):
    done = mpi.call([sys.executable, "-m", "shenjing", "launch", "-n", "2",
                     str(RANKS / "raises.py")], timeout=60)
    assert done.returncode != 0
    assert "rank one failed on purpose" in done.stderr


def test_a_rank_given_several_cores_is_not_bound_to_one(monkeypatch):
    monkeypatch.setattr(launch, "_is_open_mpi", lambda mpirun: True)
    monkeypatch.setattr(launch.os, "cpu_count", lambda: 8)
    one = launch.command(1, "train.py", mpirun="/usr/bin/mpirun")
    assert one[one.index("--bind-to") + 1] == "none"
    assert "--bind-to" not in launch.command(8, "train.py", mpirun="/usr/bin/mpirun")


def test_one_rank_runs_on_every_core(mpi, tmp_path):
    import os
    import re
    cmd = launch.command(1, "-c", ["import os; print(len(os.sched_getaffinity(0)))"])
    done = mpi.call(cmd, timeout=60, env=mpi.env())
    assert done.returncode == 0, done.stderr[-2000:]
    printed = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout).split()    # mpirun's colour codes
    assert int(printed[0]) == len(os.sched_getaffinity(0))
