"""AlphaZero across MPI ranks: ``mpirun -n N shenjing zero train GAME --mpi``.

Rank 0 runs the ``Trainer`` (it learns, saves and logs); the self-play and arena games of
each iteration are spread over all ranks, rank 0 included.  ``MPIPool`` has the
``WorkerPool`` interface the trainer already uses (``map(function, jobs)`` and
``workers``): the trainer makes one job per rank, rank 0 broadcasts the function and the
jobs, each rank runs its own job and the results are gathered back on rank 0 in order.
The other ranks only serve (``serve``) until rank 0 closes the pool.

The jobs and results travel as mpi4py's pickled Python objects: the same trust as the
spawned worker processes of ``WorkerPool`` (this job's own processes), never files.
"""

from ..distributed import process_group


class MPIPool:
    """Rank 0's view of the ranks as a pool of ``workers = world size`` workers."""

    def __init__(self, group=None):
        self.group = group or process_group.default_group("zero MPIPool")
        self.workers = self.group.size()
        self.games_per_rank = [0] * self.workers   # jobs' lengths run by each rank, in all

    def map(self, function, jobs):
        """``[function(*job) for job in jobs]``, job i on rank i % workers."""
        jobs = list(jobs)
        comm = self.group.comm
        mine = comm.bcast((function, jobs), root=0)
        results = _run_share(mine, 0, self.workers)
        gathered = comm.gather(results, root=0)
        out = [None] * len(jobs)
        for rank, share in enumerate(gathered):
            for index, result in share:
                out[index] = result
                self.games_per_rank[rank] += len(result) if isinstance(result, list) else 1
        return out

    def close(self):
        """Tell the serving ranks to stop (once)."""
        if self.group is not None:
            self.group.comm.bcast(None, root=0)
            self.group = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _run_share(message, rank, world):
    function, jobs = message
    return [(i, function(*job)) for i, job in enumerate(jobs) if i % world == rank]


def serve(group=None):
    """On ranks other than 0: run this rank's share of every ``map`` until rank 0 closes
    the pool.  Returns how many jobs this rank ran."""
    group = group or process_group.default_group("zero serve")
    comm, rank, world = group.comm, group.rank(), group.size()
    done = 0
    while True:
        message = comm.bcast(None, root=0)
        if message is None:
            return done
        results = _run_share(message, rank, world)
        done += len(results)
        comm.gather(results, root=0)


def train_over_mpi(args, train_here):
    """``zero train --mpi``: rank 0 trains (``train_here(args, pool)``) with the games on
    every rank; the other ranks serve.  Returns the exit status."""
    if not process_group.is_initialized():
        process_group.init_process_group(backend="mpi")
    group = process_group.default_group("zero train --mpi")
    if group.rank() != 0:
        serve(group)
        return 0
    with MPIPool(group) as pool:   # closed however rank 0 ends, so no rank waits forever
        status = train_here(args, pool)
        print(f"games played per rank: {pool.games_per_rank}")
    return status
