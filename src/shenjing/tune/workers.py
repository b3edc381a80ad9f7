"""Who runs a trial: the owner record a worker writes on its trial, and the test of whether
that owner is gone (killed, Ctrl-C'd) so that another worker may resume the trial.

A worker on this machine is gone when its process is (checked by pid and process start
time, so a reused pid is not mistaken for it); a worker on another machine is gone when it
has not written a heartbeat (once per epoch) for ``grace`` seconds.
"""

import os
import socket
import time
import uuid

_TOKEN = uuid.uuid4().hex       # this process, even if its pid is reused later
ACTIVE = set()                  # numbers of the trials this process is running now


def _proc_stat(pid):
    """(state, start time in clock ticks) of process ``pid`` from /proc; None if unknown."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return fields[0], int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def owner():
    """The owner record of this process: host, pid, start time, token and a heartbeat."""
    stat = _proc_stat(os.getpid())
    return {"host": socket.gethostname(), "pid": os.getpid(),
            "start": stat[1] if stat else None, "token": _TOKEN, "heartbeat": time.time()}


def is_gone(record, number, grace):
    """Whether the worker of ``record`` (an ``owner()`` dict) no longer runs trial
    ``number``."""
    if not record:
        return True
    if record.get("token") == _TOKEN:           # this process: gone unless running it now
        return number not in ACTIVE
    if record.get("host") == socket.gethostname():
        stat = _proc_stat(record.get("pid"))
        if stat is not None:
            return stat[0] in ("Z", "X") or (record.get("start") not in (None, stat[1]))
        if os.path.isdir("/proc/self"):         # /proc works here and has no such process
            return True
        try:
            os.kill(record["pid"], 0)
        except ProcessLookupError:
            return True
        except (PermissionError, KeyError, TypeError):
            pass
        return False
    return time.time() - float(record.get("heartbeat") or 0) > grace
