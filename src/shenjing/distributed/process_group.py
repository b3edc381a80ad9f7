"""The process group: which process this is (rank) among how many (world size).

shenjing does not invent a protocol between processes: the MPI launcher (``mpirun -n 2
python train.py``, or ``shenjing launch -n 2 train.py``) starts the processes and MPI says
who is who.  ``init_process_group(backend="mpi")`` takes rank and world size from it, as
``torch.distributed`` does.  The group talks on its own duplicate of ``COMM_WORLD``, so that
a user's own mpi4py messages never mix with the library's.

A rank that raises an uncaught exception aborts the whole job (``MPI_Abort``), so the
other ranks exit with an error instead of waiting forever in a collective.
"""

import os
import sys
import traceback

from . import _mpi

_state = {"group": None, "excepthook": None}


class ProcessGroup:
    """The ranks of one MPI communicator: ``rank()``, ``size()`` and the communicator."""

    def __init__(self, comm):
        self.comm = comm

    def rank(self):
        """This process's rank, 0 .. size() - 1."""
        return self.comm.Get_rank()

    def size(self):
        """How many processes the group holds."""
        return self.comm.Get_size()


def _launcher_rank():
    """The rank the launcher gave this process, read from the environment (no MPI call)."""
    for name in ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "RANK"):
        if name in os.environ:
            return os.environ[name]
    return "?"


def default_group(where):
    """The group made by ``init_process_group``; a clear error naming ``where`` when none."""
    group = _state["group"]
    if group is None:
        raise RuntimeError(f"{where}: the default process group is not initialized (launcher "
                           f"rank {_launcher_rank()}); call shenjing.distributed."
                           f"init_process_group(backend='mpi') first")
    return group


def _abort_on_exception(kind, value, tb):
    """sys.excepthook while a group is up: print the traceback with the rank, then abort the
    job so that the other ranks do not hang in their next collective."""
    group = _state["group"]
    rank = group.rank() if group is not None else _launcher_rank()
    sys.stderr.write(f"[shenjing.distributed rank {rank}] uncaught exception; aborting all "
                     f"ranks\n" + "".join(traceback.format_exception(kind, value, tb)))
    sys.stderr.flush()
    _mpi.mpi().COMM_WORLD.Abort(1)


def init_process_group(backend="mpi", init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the processes that the MPI launcher started: rank and world size come from MPI.

    Only ``backend="mpi"`` exists.  ``world_size`` / ``rank``, when given, must agree with
    the launcher's.  Calling it twice is an error, as in PyTorch.
    """
    if backend is None:
        backend = "mpi"
    if str(backend).lower() != "mpi":
        raise ValueError(f"init_process_group: backend={backend!r} is not available; shenjing "
                         f"runs on MPI only: backend='mpi' under mpirun")
    if _state["group"] is not None:
        raise RuntimeError(f"init_process_group: rank {_state['group'].rank()} already "
                           f"initialized the default process group; call "
                           f"destroy_process_group() first")
    MPI = _mpi.mpi()
    group = ProcessGroup(MPI.COMM_WORLD.Dup())
    if world_size not in (-1, None) and world_size != group.size():
        raise ValueError(f"init_process_group: rank {group.rank()}: world_size={world_size} "
                         f"but the MPI launcher started {group.size()} processes")
    if rank not in (-1, None) and rank != group.rank():
        raise ValueError(f"init_process_group: rank={rank} but MPI gave this process rank "
                         f"{group.rank()}")
    _state["group"] = group
    _state["excepthook"] = sys.excepthook
    sys.excepthook = _abort_on_exception


def destroy_process_group(group=None):
    """Leave the default group (MPI itself is finalized when the process exits)."""
    current = _state["group"]
    if current is None:
        return
    _state["group"] = None
    if _state["excepthook"] is not None:
        sys.excepthook = _state["excepthook"]
        _state["excepthook"] = None
    current.comm.Free()


def is_available():
    """True when mpi4py (and so the ``mpi`` backend) can be used."""
    return _mpi.available()


def is_mpi_available():
    """True when the ``mpi`` backend can be used."""
    return _mpi.available()


def is_initialized():
    """True between ``init_process_group`` and ``destroy_process_group``."""
    return _state["group"] is not None


def get_backend(group=None):
    """The name of the group's backend: always ``"mpi"``."""
    default_group("get_backend")
    return "mpi"


def get_rank(group=None):
    """This process's rank in the group (0 for the one that saves and logs)."""
    return (group or default_group("get_rank")).rank()


def get_world_size(group=None):
    """How many processes take part."""
    return (group or default_group("get_world_size")).size()


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank has reached this call."""
    (group or default_group("barrier")).comm.Barrier()
