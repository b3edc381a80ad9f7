"""Work split over the CPU cores by batch: each core runs whole pieces of work on its share.

A multi-threaded BLAS splits each GEMM over the cores, but the passes around it (im2col
copies, bias, ReLU) run on the calling thread alone, and every large buffer that one core
writes after another core's GEMM thread has read it pays for moving cache lines between
the cores: on the 2-core machines an im2col copy that takes 0.07 ms when its buffer stays
local takes 0.8 ms right after a threaded GEMM has read that buffer.  Splitting the batch
instead, so that each worker thread does its share's copies and its own single-threaded
GEMM, keeps each buffer on one core and runs the other passes in parallel too.

The one thread policy of shenjing: once this pool has started, it is the only source of
threads.  OpenBLAS (NumPy's BLAS) keeps one thread count for the whole process (its
``openblas_set_num_threads_local``, 0.3.27 and later, sets it and returns the one before),
and the pool sets it to 1 when it starts, for good: every GEMM then runs on the thread
that calls it.  Two things made that the rule, measured on the 2-core machines:

* OpenBLAS's threads spin for about a tenth of a second after each threaded GEMM, waiting
  for the next; they take a core from the shares and kernels that run next (the cnn
  training step: 15 ms with the BLAS on one thread against 21-28 ms with it threaded);
* small GEMMs (bias gradients, the heads) gain nothing from threads and pay to wake them.

The GEMMs big enough to want both cores are split by shenjing instead: ``matmul`` cuts the
rows of the product into shares (a convolution's shares already hold their own GEMMs).
Until the pool first runs (a model with no convolution and no large product, such as a
small MLP) OpenBLAS keeps its own threads.

The compiled kernels (``shenjing.kernels``) run on one thread each and release the GIL, so
an op spreads a kernel over the cores by calling it from ``map_batch`` shares; numba's own
threading layer is never started and nothing is nested (``map_batch`` called inside a
share runs inline), so the cores are never oversubscribed.  Between calls the pool's
threads sleep on a queue.  Where OpenBLAS's setter is missing, ``workers()`` is 1 and
everything runs on the calling thread, so results never depend on it.

The number of workers is the CPUs this process may use, capped by ``SHENJING_THREADS``
or else by ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` when set (processes started
with one BLAS thread, such as self-play workers, stay on one core).  With one worker
(``SHENJING_THREADS=1``) OpenBLAS is set to one thread as well, the first time
``workers()`` is asked.

    parts = parallel.map_batch(lambda start, stop: f(x[start:stop]), len(x))
"""

import ctypes
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy

_ENV_CAPS = ("SHENJING_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")

_local = threading.local()
_pool = None
_workers = None
_set_local = None


def _local_blas_setter():
    """OpenBLAS's ``openblas_set_num_threads_local`` from the library NumPy loaded, or None."""
    try:                   # (NumPy, imported above, has loaded its BLAS)
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps
                     if "openblas" in line.lower() and ".so" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            return ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
    return None


def _cpu_count():
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:
        count = os.cpu_count() or 1
    for name in _ENV_CAPS:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return min(count, int(value))
    return count


def workers():
    """How many threads ``map_batch`` splits work over (1: no split)."""
    global _workers, _set_local
    if _workers is None:
        count = _cpu_count()
        _set_local = _local_blas_setter()
        if count == 1 and _set_local is not None:
            _set_local(1)  # one CPU asked for (SHENJING_THREADS=1): OpenBLAS on one too
        _workers = count if _set_local is not None else 1
    return _workers


def _forget_pool():
    """A forked child has none of its parent's pool threads: it starts a pool of its own
    (the parent's pool object would queue the work for threads that do not exist)."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _init_worker():
    _local.inside = True


def _start_pool():
    global _pool
    _set_local(1)      # the whole process's BLAS count, for good: see the module docstring
    _pool = ThreadPoolExecutor(workers(), thread_name_prefix="shenjing",
                               initializer=_init_worker)


def shares(n, parts=None):
    """The (start, stop) slices of range(n) that ``map_batch(fn, n, parts)`` runs."""
    parts = max(1, min(parts or workers(), workers(), n))
    bounds = [n * i // parts for i in range(parts + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def map_batch(fn, n, parts=None):
    """``[fn(start, stop) for each of parts contiguous slices of range(n)]``, the slices
    run at once on worker threads whose BLAS uses one thread each.

    ``parts`` defaults to ``workers()`` and is cut to ``n``; with one part (or when called
    from inside a worker) ``fn(0, n)`` runs on the calling thread.  Results come back in
    slice order; an exception in any slice is raised here.
    """
    slices = shares(n, parts)
    if len(slices) == 1 or getattr(_local, "inside", False):
        return [fn(0, n)]
    if _pool is None:
        _start_pool()
    futures = [_pool.submit(fn, start, stop) for start, stop in slices]
    return [future.result() for future in futures]


#: the multiply-adds from which ``matmul`` splits a product over the cores (32 M: about
#: 0.5 ms on one core, where a share's hand-off costs well under a tenth of it)
SPLIT_MACS = 1 << 25


def matmul(a, b, out=None):
    """``a @ b`` for 2-d arrays (into ``out`` if given), its rows cut into shares over the
    cores when the product has at least ``SPLIT_MACS`` multiply-adds (NumPy arrays only;
    others are multiplied as they are).  The same run to run for a fixed thread count."""
    m, k = a.shape
    n = b.shape[1]
    if type(a) is not numpy.ndarray or type(b) is not numpy.ndarray:
        if out is None:
            return a @ b
        out[...] = a @ b
        return out
    if out is None:
        out = numpy.empty((m, n), numpy.result_type(a, b))
    if workers() < 2 or m * k * n < SPLIT_MACS or m < 2 * workers():
        return numpy.matmul(a, b, out=out)
    map_batch(lambda start, stop: numpy.matmul(a[start:stop], b, out=out[start:stop]), m)
    return out


def set_workers(n):
    """Split work over ``n`` threads from now on (``torch.set_num_threads``); where OpenBLAS's
    per-thread setter is missing it stays 1, as ``workers()``.  A running pool of another
    size is shut down and a new one starts on the next split."""
    global _workers, _pool, _set_local
    if int(n) < 1:
        raise ValueError(f"set_num_threads: expects a positive number of threads, got {n!r}")
    if _set_local is None:
        _set_local = _local_blas_setter()
    count = int(n) if _set_local is not None else 1
    if _pool is not None and count != _workers:
        _pool.shutdown(wait=True)
        _pool = None
    _workers = count
