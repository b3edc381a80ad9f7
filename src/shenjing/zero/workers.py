"""Run independent jobs (self-play games, arena games) on all cores.

``WorkerPool(workers)`` maps a top-level function over a list of argument tuples in
``workers`` processes started with ``spawn`` (a clean interpreter each: no inherited
locks or BLAS thread pools), each limited to one BLAS thread so that the processes do not
fight over the cores. ``workers <= 1`` runs the jobs in this process, in order.
"""

import multiprocessing
import os

_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class WorkerPool:
    """A pool of ``workers`` processes (or none, when ``workers <= 1``)."""

    def __init__(self, workers):
        self.workers = max(1, int(workers))
        self._pool = None

    def map(self, function, jobs):
        """``[function(*job) for job in jobs]``, in parallel when the pool has processes."""
        jobs = list(jobs)
        if self.workers == 1 or len(jobs) <= 1:
            return [function(*job) for job in jobs]
        if self._pool is None:
            self._pool = _start(self.workers)
        return self._pool.starmap(function, jobs, chunksize=1)

    def close(self):
        """Stop the processes (also done on ``with`` exit)."""
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def _start(workers):
    # the children read the thread limits at start-up, from the environment they inherit
    saved = {key: os.environ.get(key) for key in _ONE_THREAD}
    os.environ.update(_ONE_THREAD)
    try:
        return multiprocessing.get_context("spawn").Pool(workers)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def split(total, parts):
    """``total`` items in ``parts`` near-equal counts (no zeros): split(10, 3) -> [4, 3, 3]."""
    parts = max(1, min(int(parts), int(total)))
    base, extra = divmod(int(total), parts)
    return [base + (i < extra) for i in range(parts)]
