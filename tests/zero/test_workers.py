import os

from shenjing.zero.workers import WorkerPool, split


def blas_threads(tag):
    return tag, os.environ.get("OPENBLAS_NUM_THREADS"), os.getpid()


def test_split_is_near_equal_without_zeros():
    assert split(10, 3) == [4, 3, 3]
    assert split(2, 5) == [1, 1]
    assert sum(split(101, 4)) == 101


def test_pool_runs_jobs_in_other_processes_with_one_blas_thread():
    before = os.environ.get("OPENBLAS_NUM_THREADS")
    with WorkerPool(2) as pool:
        results = pool.map(blas_threads, [("a",), ("b",), ("c",)])
    assert [r[0] for r in results] == ["a", "b", "c"]
    assert all(r[1] == "1" for r in results)
    assert all(r[2] != os.getpid() for r in results)
    assert os.environ.get("OPENBLAS_NUM_THREADS") == before   # this process is unchanged


def test_one_worker_runs_in_this_process():
    assert WorkerPool(1).map(blas_threads, [("x",)])[0][2] == os.getpid()
