"""A throwaway PostgreSQL server for the many-workers test (session fixture ``postgres_url``).

It finds Debian's server (``/usr/lib/postgresql/*/bin``, or on PATH), installing the
``postgresql`` package with apt-get when it is missing and we are root; creates a cluster in
a temporary folder (as the ``postgres`` or ``nobody`` user when run as root: initdb refuses
root), starts it on a free localhost port with trust authentication, and stops it at the
end.  Skips with the reason only when none of that is possible.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile

import pytest


def _bin_dir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(initdb)) if initdb else None


def _install():
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "PostgreSQL is not installed (apt-get install -y postgresql needs root)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-300:]}"
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """The address of a fresh PostgreSQL database on localhost (user ``tuner``, no
    password)."""
    pytest.importorskip("psycopg2", reason="the PostgreSQL driver: pip install psycopg2-binary")
    if _bin_dir() is None:
        problem = _install()
        if problem or _bin_dir() is None:
            pytest.skip(problem or "PostgreSQL's initdb not found after installing")
    bin_dir = _bin_dir()
    folder = tempfile.mkdtemp(prefix="shenjing-pg-")
    prefix = []
    if os.geteuid() == 0:
        user = "postgres" if _has_user("postgres") else "nobody"
        shutil.chown(folder, user)
        prefix = ["runuser", "-u", user, "--"]
    data, port = os.path.join(folder, "data"), _free_port()
    run = lambda *cmd: subprocess.run(prefix + list(cmd), capture_output=True,  # noqa: E731
                                      text=True, timeout=120, cwd=folder)
    done = run(f"{bin_dir}/initdb", "-D", data, "-U", "tuner", "--auth=trust", "-E", "UTF8")
    if done.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"initdb failed: {done.stderr.strip()[-300:]}")
    done = run(f"{bin_dir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(folder, "log"),
               "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
               "start")
    if done.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"the PostgreSQL server did not start: {done.stderr.strip()[-300:]}")
    try:
        yield f"postgresql://tuner@127.0.0.1:{port}/postgres"
    finally:
        run(f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _has_user(name):
    import pwd
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
