"""Fixtures for the MPI tests: Open MPI and mpi4py (installed here when missing), and a
runner that starts ``mpirun -n N`` on a script of ``ranks/`` with a timeout.

The MPI processes never run inside the pytest process: each test starts them as a
subprocess, so a hang is a timeout and a crash is a return code, never a stuck test run.
"""

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_data_dir

RANKS = Path(__file__).resolve().parent / "ranks"
REPO = Path(__file__).resolve().parents[2]


def _install():
    """apt-get / pip what is missing; a reason string when it cannot be done."""
    if shutil.which("mpirun") is None:
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            return "mpirun not found and apt-get (as root) is not available to install Open MPI"
        for cmd in (["apt-get", "update"],
                    ["apt-get", "install", "-y", "openmpi-bin", "libopenmpi-dev"]):
            if subprocess.run(cmd, capture_output=True, timeout=900).returncode != 0:
                return "apt-get install openmpi-bin libopenmpi-dev failed"
    if importlib.util.find_spec("mpi4py") is None:
        done = subprocess.run([sys.executable, "-m", "pip", "install", "mpi4py"],
                              capture_output=True, timeout=900)
        if done.returncode != 0:
            return "pip install mpi4py failed (needs an MPI library and a C compiler)"
    return None


class MPIRun:
    """``run(script, *args, n=2, timeout=...)``: mpirun a script of ``ranks/``; returns the
    CompletedProcess (rc, stdout, stderr); ``call(cmd, timeout)`` any command the same way.
    ``results(folder)``: the rank*.json files the ranks wrote."""

    def __init__(self):
        self.mpirun = shutil.which("mpirun")

    def command(self, n):
        return [self.mpirun, "-n", str(n), "--allow-run-as-root", "--oversubscribe",
                "--mca", "btl", "self,vader,tcp"]

    def env(self):
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMPI_MCA_rmaps_base_oversubscribe="1", SHENJING_THREADS="1",
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO),
                                             env.get("PYTHONPATH", "")])
        return env

    def run(self, script, *args, n=2, timeout=120):
        cmd = self.command(n) + [sys.executable, str(RANKS / script), *map(str, args)]
        return self.call(cmd, timeout)

    def call(self, cmd, timeout, env=None):
        """Run ``cmd`` in a session of its own; past ``timeout`` the whole session (mpirun
        and every rank it started) is killed and the test fails, so no rank outlives it."""
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env or self.env(), cwd=str(REPO),
                                start_new_session=True)
        self.last_pid = proc.pid
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            pytest.fail(f"{' '.join(map(str, cmd[-3:]))} did not end within {timeout} s (a "
                        f"hang); its stderr:\n{stderr[-2000:]}")
        return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)

    @staticmethod
    def results(folder, n=2):
        return [json.loads((Path(folder) / f"rank{r}.json").read_text()) for r in range(n)]


@pytest.fixture(scope="session")
def mpi():
    """The runner; skips (with the reason) only where Open MPI / mpi4py cannot be installed."""
    reason = _install()
    if reason:
        pytest.skip(reason)
    return MPIRun()


@pytest.fixture(scope="session")
def mnist_npz(tmp_path_factory):
    """The first 512 MNIST test images (float32 in [0, 1]) and labels, as one .npz file
    that the rank processes read (faster than decoding the IDX files in every rank)."""
    from shenjing.datasets.idx import read_idx
    folder = shared_data_dir() / "mnist"
    if not folder.is_dir():
        pytest.skip(f"real MNIST not found at {folder}; set SHENJING_DATA to its parent folder")
    x = read_idx(folder / "t10k-images-idx3-ubyte.gz")[:512].astype(np.float32) / 255
    y = read_idx(folder / "t10k-labels-idx1-ubyte.gz")[:512].astype(np.int64)
    path = tmp_path_factory.mktemp("mnist") / "mnist512.npz"
    np.savez(path, x=x, y=y)
    return path
