"""shenjing.parallel: batch slices run on worker threads, results in order."""

import os
import signal
import subprocess
import sys
import threading
import time

import numpy
import pytest

from shenjing import parallel


@pytest.mark.parametrize("n", [1, 2, 3, 7, 100])
def test_shares_cover_the_batch_in_order(n):
    slices = parallel.shares(n)
    assert slices[0][0] == 0 and slices[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(slices, slices[1:]))
    assert all(stop > start for start, stop in slices)
    assert len(slices) == min(n, parallel.workers())


def test_map_batch_returns_each_slice_result_in_order():
    x = numpy.arange(101.0)
    parts = parallel.map_batch(lambda start, stop: x[start:stop].copy(), len(x))
    numpy.testing.assert_array_equal(numpy.concatenate(parts), x)


def test_slices_run_on_worker_threads_when_there_are_cores():
    names = parallel.map_batch(lambda start, stop: threading.current_thread().name, 10)
    if parallel.workers() > 1:
        assert all(name.startswith("shenjing") for name in names)
    else:
        assert names == [threading.current_thread().name]


def test_a_call_from_inside_a_worker_runs_inline():
    inner = parallel.map_batch(lambda start, stop: parallel.map_batch(
        lambda a, b: threading.current_thread().name, stop - start), 4)
    assert all(len(names) == 1 for names in inner)


def test_an_exception_in_a_slice_is_raised():
    def fail(start, stop):
        if start > 0 or parallel.workers() == 1:
            raise ValueError("slice failed")
        return start
    with pytest.raises(ValueError, match="slice failed"):
        parallel.map_batch(fail, 10)


def test_one_blas_thread_in_the_environment_means_no_split():
    code = "from shenjing import parallel; print(parallel.workers(), parallel.shares(8))"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env.pop("SHENJING_THREADS", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split(maxsplit=1)
    assert out == ["1", "[(0, 8)]\n"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_a_pool_of_its_own():
    # the parent's pool exists and its threads are idle, as after any split convolution
    for _ in range(3):
        parallel.map_batch(lambda start, stop: stop - start, 4)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                                # the child: must not hang
        try:
            total = sum(parallel.map_batch(lambda start, stop: stop - start, 4))
            os.write(write, str(total).encode())
        finally:
            os._exit(0)
    os.close(write)
    deadline = time.monotonic() + 30
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung in map_batch")
        time.sleep(0.05)
    assert os.read(read, 16) == b"4"


def _blas_threads():
    count = parallel._set_local(1)     # sets and returns the count before: read it, put it back
    parallel._set_local(count)
    return count


def test_the_pool_holds_the_blas_to_one_thread():
    if parallel.workers() < 2:
        pytest.skip("no split on one core (or without OpenBLAS's thread setter)")
    parallel.map_batch(lambda start, stop: None, 2)
    assert set(parallel.map_batch(lambda start, stop: _blas_threads(), 4)) == {1}
    assert _blas_threads() == 1          # the caller's GEMMs too, for good


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_matmul_split_over_the_cores_is_the_product(dtype, monkeypatch):
    rng = numpy.random.default_rng(0)
    a, b = rng.standard_normal((37, 50)).astype(dtype), rng.standard_normal((50, 21)).astype(dtype)
    whole = parallel.matmul(a, b)
    monkeypatch.setattr(parallel, "SPLIT_MACS", 1)
    for left in (a, numpy.asfortranarray(a)):
        out = numpy.full((37, 21), numpy.nan, dtype)
        assert parallel.matmul(left, b, out=out) is out
        numpy.testing.assert_allclose(out, a @ b, atol=1e-5, rtol=1e-5 if dtype == numpy.float32 else 1e-12)
    numpy.testing.assert_array_equal(parallel.matmul(a, b), parallel.matmul(a, b))
    numpy.testing.assert_allclose(whole, a @ b, atol=1e-5, rtol=1e-5 if dtype == numpy.float32 else 1e-12)


def test_one_shenjing_thread_puts_openblas_on_one_thread():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    del threadpoolctl
    code = ("import threadpoolctl; from shenjing import parallel; parallel.workers(); "
            "print(sorted({i['num_threads'] for i in threadpoolctl.threadpool_info() "
            "if i['internal_api'] == 'openblas'}))")
    env = dict(os.environ, SHENJING_THREADS="1")
    env.pop("OPENBLAS_NUM_THREADS", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() in ("[1]", "[]"), out      # [] where NumPy's BLAS is not OpenBLAS
