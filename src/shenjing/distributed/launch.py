"""``shenjing launch -n N script.py [args]``: ``mpirun`` for one machine (or a hostfile).

It builds the ``mpirun`` command line and runs it: Open MPI's flags for running as root
and for more ranks than cores are added when they are needed, and each rank gets an equal
share of the cores for its BLAS and shenjing threads (unless the environment sets them),
so two ranks on two cores do not fight over them.  Several machines: ``--hostfile FILE``
(lines such as ``node1 slots=4``), passed to mpirun as it is.
"""

import os
import shutil
import subprocess
import sys

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "SHENJING_THREADS")


def _is_open_mpi(mpirun):
    try:
        text = subprocess.run([mpirun, "--version"], capture_output=True, text=True,
                              timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "Open MPI" in text or "OpenRTE" in text


def command(nprocs, script, args=(), hostfile=None, mpirun=None, python=None, extra=()):
    """The mpirun command line (a list) that starts ``nprocs`` ranks of ``python script
    args``; raises FileNotFoundError with the install line when mpirun is missing."""
    if not isinstance(nprocs, int) or nprocs < 1:
        raise ValueError(f"launch: -n should be a positive number of ranks, got {nprocs!r}")
    mpirun = mpirun or shutil.which("mpirun") or shutil.which("mpiexec")
    if mpirun is None:
        raise FileNotFoundError("launch: mpirun was not found; install an MPI library, e.g. "
                                "apt-get install openmpi-bin libopenmpi-dev, and "
                                "pip install 'shenjing[distributed]'")
    cmd = [mpirun, "-n", str(nprocs)]
    if _is_open_mpi(mpirun):
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-run-as-root")
        if hostfile is None and nprocs > (os.cpu_count() or 1):
            cmd.append("--oversubscribe")
        if hostfile is None and (os.cpu_count() or 1) // nprocs > 1:
            # Open MPI binds each of up to two ranks to one core: a rank given several
            # threads (``environment``) must be free to run them on several
            cmd += ["--bind-to", "none"]
    if hostfile is not None:
        cmd += ["--hostfile", str(hostfile)]
    return cmd + list(extra) + [python or sys.executable, str(script), *map(str, args)]


def environment(nprocs, base=None):
    """The environment of the ranks: each gets cores // nprocs threads (at least 1) for
    the variables the caller has not set."""
    env = dict(os.environ if base is None else base)
    share = str(max(1, (os.cpu_count() or 1) // nprocs))
    for name in _THREAD_VARS:
        env.setdefault(name, share)
    return env


def launch(nprocs, script, args=(), hostfile=None, dry_run=False, out=None):
    """Run ``script`` on ``nprocs`` ranks under mpirun; returns mpirun's exit status (with
    ``dry_run`` the command is printed and not run)."""
    cmd = command(nprocs, script, args, hostfile)
    if dry_run:
        print(" ".join(cmd), file=out or sys.stdout)
        return 0
    return subprocess.run(cmd, env=environment(nprocs)).returncode
