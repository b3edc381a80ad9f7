"""DataLoader(num_workers > 0): batches and order equal to num_workers=0 (with shuffle),
loading really in other processes, per-worker seeding, worker_init_fn, get_worker_info,
persistent workers, iterable datasets, errors raised in workers, a killed worker and a
timeout reported instead of a hang."""

import os
import signal
import time

import numpy as np
import pytest

import shenjing as sj
from shenjing.utils.data import (DataLoader, Dataset, IterableDataset, TensorDataset,
                                 get_worker_info)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


class Items(Dataset):
    """Per-item reads that say who loaded them: (value, worker id, pid, numpy draw)."""

    def __init__(self, n=23):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        return (np.float32(i * 10), -1 if info is None else info.id, os.getpid(),
                np.random.random())


class KillOn(Items):
    def __init__(self, n, victim):
        super().__init__(n)
        self.victim = victim

    def __getitem__(self, i):
        if i == self.victim and get_worker_info() is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__getitem__(i)


class FailOn(Items):
    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"no item {i}")
        return super().__getitem__(i)


class Slow(Items):
    def __getitem__(self, i):
        time.sleep(3)
        return super().__getitem__(i)


class Sharded(IterableDataset):
    """0..n-1, split between the workers with get_worker_info (as PyTorch's docs do)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


class alarm:
    """Fail the test (instead of hanging the suite) if the block takes over ``s`` seconds."""

    def __init__(self, s):
        self.s = s

    def __enter__(self):
        def ring(*_):
            raise TimeoutError(f"took over {self.s} s: the loader hangs")
        self.old = signal.signal(signal.SIGALRM, ring)
        signal.alarm(self.s)

    def __exit__(self, *exc):
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.old)


def epochs(loader, n=2, seed=0):
    sj.manual_seed(seed)
    return [b for _ in range(n) for b in loader]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_same_batches_in_same_order_as_main_process(workers):
    sj.manual_seed(7)
    x, y = sj.randn(50, 3), sj.arange(50)
    data = TensorDataset(x, y)
    ref = epochs(DataLoader(data, batch_size=8, shuffle=True))
    with alarm(60):
        got = epochs(DataLoader(data, batch_size=8, shuffle=True, num_workers=workers))
    assert len(got) == len(ref) == 14
    for (xa, ya), (xb, yb) in zip(ref, got):
        assert ya.tolist() == yb.tolist()
        np.testing.assert_array_equal(xa.numpy(), xb.numpy())
    assert ref[0][1].tolist() != list(range(8))          # it was shuffled
    assert ref[0][1].tolist() != ref[7][1].tolist()      # and differently in the 2nd epoch


def test_items_are_loaded_in_the_workers_in_turn():
    with alarm(60):
        batches = epochs(DataLoader(Items(), batch_size=4, shuffle=True, num_workers=2), n=1)
    ref = epochs(DataLoader(Items(), batch_size=4, shuffle=True), n=1)
    assert [b[0].tolist() for b in batches] == [b[0].tolist() for b in ref]
    assert [b[1].tolist() for b in batches] == [[k % 2] * len(b[1]) for k, b in enumerate(ref)]
    pids = {p for b in batches for p in b[2].tolist()}
    assert len(pids) == 2 and os.getpid() not in pids


def test_unbatched_and_in_order_false():
    with alarm(60):
        single = list(DataLoader(Items(7), batch_size=None, num_workers=2))
        loose = list(DataLoader(Items(23), batch_size=5, num_workers=2, in_order=False))
    assert [float(s[0]) for s in single] == [i * 10.0 for i in range(7)]
    assert sorted(v for b in loose for v in b[0].tolist()) == [i * 10.0 for i in range(23)]


def test_seeding_worker_init_fn_and_worker_info():
    def init(worker_id):
        info = get_worker_info()
        assert info.id == worker_id and info.num_workers == 3
        np.random.seed(1000 + worker_id + info.seed % 7)

    def draws(seed):
        sj.manual_seed(seed)
        loader = DataLoader(Items(12), batch_size=2, num_workers=3, worker_init_fn=init)
        return [v for b in loader for v in b[3].tolist()]

    with alarm(60):
        a, b, c = draws(1), draws(1), draws(2)
    assert a == b                       # the same manual_seed: the same worker-side draws
    assert a != c
    assert len(set(a[:6])) == 6         # and the workers do not repeat each other


def test_worker_seeds_are_base_seed_plus_id():
    class Seeds(Items):
        def __getitem__(self, i):
            info = get_worker_info()
            return info.seed, info.id, float(sj.rand(1).item())

    with alarm(60):
        sj.manual_seed(3)
        out = list(DataLoader(Seeds(4), batch_size=1, num_workers=2))
    seeds = [int(b[0]) for b in out]
    ids = [int(b[1]) for b in out]
    assert ids == [0, 1, 0, 1]
    assert seeds[1] == seeds[0] + 1 and seeds[2] == seeds[0]
    sj.manual_seed(seeds[0])            # the worker's process generator was seeded so
    assert float(out[0][2]) == pytest.approx(float(sj.rand(1).item()), abs=0)


def test_persistent_workers_keep_their_processes():
    loader = DataLoader(Items(10), batch_size=5, num_workers=2, persistent_workers=True)
    with alarm(60):
        first = {p for b in loader for p in b[2].tolist()}
        it = iter(loader)
        next(it)                             # an abandoned pass: its late batches are dropped
        del it
        second = [b for b in loader]
    assert {p for b in second for p in b[2].tolist()} == first
    assert [v for b in second for v in b[0].tolist()] == [i * 10.0 for i in range(10)]
    loader._pool.shutdown()
    fresh = DataLoader(Items(10), batch_size=5, num_workers=2)
    with alarm(60):
        again = {p for b in fresh for p in b[2].tolist()}
        third = {p for b in fresh for p in b[2].tolist()}
    assert again.isdisjoint(third)


def test_iterable_dataset_with_workers():
    with alarm(60):
        got = list(DataLoader(Sharded(11), batch_size=2, num_workers=2))
        dropped = list(DataLoader(Sharded(11), batch_size=2, num_workers=2, drop_last=True))
    values = [v for b in got for v in b.tolist()]
    assert sorted(values) == list(range(11))
    assert values[:4] == [0, 2, 1, 3]         # worker 0's batch, then worker 1's
    # drop_last is per worker, as in PyTorch: worker 1's last item (9) is dropped
    assert all(len(b) == 2 for b in dropped) and len(dropped) == 5
    assert sorted(v for b in dropped for v in b.tolist()) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10]
    with alarm(60):
        single = [int(v) for v in DataLoader(Sharded(5), batch_size=None, num_workers=2)]
    assert single == [0, 1, 2, 3, 4]


def test_a_newer_pass_over_persistent_workers_replaces_the_old_one():
    loader = DataLoader(Items(40), batch_size=2, num_workers=2, persistent_workers=True)
    with alarm(60):
        old = iter(loader)
        next(old)
        new = [v for b in loader for v in b[0].tolist()]
        with pytest.raises(RuntimeError, match="replaced by a newer iter"):
            list(old)
    assert new == [i * 10.0 for i in range(40)]
    loader._pool.shutdown()


def test_error_in_worker_is_raised_in_main_process():
    with alarm(60), pytest.raises(KeyError, match="Caught KeyError in DataLoader worker "
                                                  "process 1") as info:
        list(DataLoader(FailOn(12), batch_size=1, num_workers=2))
    assert "no item 5" in str(info.value)


def test_a_batch_that_cannot_travel_is_an_error_not_a_hang():
    class Params(Items):
        def __getitem__(self, i):
            return sj.nn.Parameter(sj.zeros(2))      # Parameters refuse to be pickled

    with alarm(30), pytest.raises(RuntimeError, match="batch 0 cannot be sent to the main "
                                                      "process: TypeError"):
        list(DataLoader(Params(4), batch_size=None, num_workers=1))


def test_killed_worker_raises_instead_of_hanging():
    start = time.monotonic()
    with alarm(30), pytest.raises(RuntimeError, match="DataLoader worker exited unexpectedly "
                                                      r"\(pid \d+: killed by signal SIGKILL\)"):
        list(DataLoader(KillOn(40, victim=13), batch_size=2, num_workers=2))
    assert time.monotonic() - start < 10


def test_timeout():
    with alarm(30), pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(DataLoader(Slow(4), batch_size=1, num_workers=1, timeout=0.5))


def test_worker_options_are_checked():
    data = Items(4)
    with pytest.raises(ValueError, match="persistent_workers need num_workers > 0"):
        DataLoader(data, persistent_workers=True)
    with pytest.raises(ValueError, match="prefetch_factor and persistent_workers need"):
        DataLoader(data, prefetch_factor=2)
    with pytest.raises(ValueError, match="prefetch_factor should be a positive integer, got 0"):
        DataLoader(data, num_workers=1, prefetch_factor=0)
    assert get_worker_info() is None
