"""Samplers: order, randomness from the process generator, batching."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.utils.data import (BatchSampler, RandomSampler, SequentialSampler,
                                 SubsetRandomSampler, WeightedRandomSampler)


def test_sequential():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5


def test_random_is_a_fresh_permutation_each_pass_and_follows_manual_seed():
    s = RandomSampler(range(50))
    sj.manual_seed(0)
    first, second = list(s), list(s)
    assert sorted(first) == list(range(50)) and first != second
    sj.manual_seed(0)
    assert list(s) == first and list(s) == second
    assert all(type(i) is int for i in first)


def test_random_with_generator_num_samples_and_replacement():
    a = list(RandomSampler(range(10), generator=np.random.default_rng(5)))
    b = list(RandomSampler(range(10), generator=np.random.default_rng(5)))
    assert a == b
    s = RandomSampler(range(4), num_samples=10)
    drawn = list(s)
    assert len(s) == 10 and len(drawn) == 10
    assert sorted(drawn[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]  # two whole permutations first
    r = RandomSampler(range(3), replacement=True, num_samples=100)
    drawn = list(r)
    assert len(drawn) == 100 and set(drawn) <= {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(range(3), replacement=1)


def test_subset_random():
    s = SubsetRandomSampler([10, 20, 30, 40])
    sj.manual_seed(1)
    drawn = list(s)
    assert sorted(drawn) == [10, 20, 30, 40] and len(s) == 4
    sj.manual_seed(1)
    assert list(s) == drawn


def test_weighted():
    sj.manual_seed(0)
    drawn = list(WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000))
    counts = np.bincount(drawn, minlength=3)
    assert counts[0] == 0 and 2.5 < counts[2] / counts[1] < 3.5
    unique = list(WeightedRandomSampler([1, 1, 1, 1], num_samples=4, replacement=False))
    assert sorted(unique) == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        WeightedRandomSampler([1.0, -1.0], num_samples=2)
    with pytest.raises(ValueError):
        WeightedRandomSampler([1.0, 0.0], num_samples=2, replacement=False)


def test_batch_sampler():
    s = BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)
    assert list(s) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and len(s) == 4
    s = BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=True)
    assert list(s) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(s) == 3
    s = BatchSampler(range(6), batch_size=2, drop_last=True)  # any iterable of indices
    assert len(s) == 3 and list(s)[-1] == [4, 5]
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), batch_size=0, drop_last=False)
    with pytest.raises(ValueError, match="drop_last"):
        BatchSampler(range(3), batch_size=1, drop_last=None)


def test_batch_sampler_matches_torch():
    pytest.importorskip("torch")
    from torch.utils.data import BatchSampler as TorchBatchSampler
    for n, bs in [(10, 3), (9, 3), (1, 4), (0, 2), (17, 5)]:
        for drop in (False, True):
            ours = BatchSampler(range(n), bs, drop)
            theirs = TorchBatchSampler(range(n), bs, drop)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)
