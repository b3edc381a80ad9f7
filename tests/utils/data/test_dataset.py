"""Datasets: TensorDataset, Subset, ConcatDataset, ChainDataset, random_split."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.utils.data import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset,
                                 TensorDataset, random_split)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self):
        return self.n


class Count(IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        return iter(range(self.start, self.stop))

    def __len__(self):
        return self.stop - self.start


def test_tensor_dataset():
    x, y = sj.randn(10, 3), sj.arange(10)
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[4]
    assert xi.shape == (3,) and yi.shape == () and yi.item() == 4
    np.testing.assert_array_equal(xi.numpy(), x.numpy()[4])
    assert ds[-1][1].item() == 9
    assert ds[sj.tensor(2)][1].item() == 2
    xs, ys = ds[2:5]
    assert xs.shape == (3, 3) and ys.tolist() == [2, 3, 4]
    batch = ds.__getbatch__([3, 0, 3])
    assert isinstance(batch, list) and batch[0].shape == (3, 3) and batch[1].tolist() == [3, 0, 3]
    assert TensorDataset(np.zeros((4, 2)))[0][0].dtype == sj.float64   # arrays accepted
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(sj.zeros(3, 2), sj.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_batch_rows_are_copies_not_views():
    x = sj.zeros(6, 2)
    xb, = TensorDataset(x).__getbatch__([0, 1])
    xb.numpy()[:] = 5
    assert x.numpy().sum() == 0


def test_subset():
    ds = Squares(10)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [49, 4, 25]
    assert sub.__getitems__([2, 0]) == [25, 49]
    tsub = Subset(TensorDataset(sj.arange(10) * 10), [9, 1, 4])
    assert tsub.__getbatch__([0, 2])[0].tolist() == [90, 40]
    nested = Subset(tsub, [2, 0])
    assert nested[0][0].item() == 40 and nested.__getbatch__([1, 0])[0].tolist() == [90, 40]


def test_concat_dataset():
    a, b = Squares(3), Squares(4)
    cat = ConcatDataset([a, b])
    assert len(cat) == 7 and cat.cumulative_sizes == [3, 7]
    assert [cat[i] for i in range(7)] == [0, 1, 4, 0, 1, 4, 9]
    assert cat[-1] == 9 and cat[-7] == 0
    with pytest.raises(ValueError):
        cat[-8]
    assert len(a + b + a) == 10
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="IterableDataset"):
        ConcatDataset([Count(0, 3)])


def test_concat_of_tensor_datasets_fetches_batches_in_order():
    a = TensorDataset(sj.arange(5), sj.zeros(5, 2))
    b = TensorDataset(sj.arange(5, 12), sj.ones(7, 2))
    cat = a + b
    idx = [11, 0, 6, 3, -1, 5]
    labels, rows = cat.__getbatch__(idx)
    assert labels.tolist() == [11, 0, 6, 3, 11, 5]
    assert rows.numpy()[:, 0].tolist() == [1, 0, 1, 0, 1, 1]
    mixed = ConcatDataset([TensorDataset(sj.arange(3)),
                           Subset(TensorDataset(sj.arange(3, 6)), [2, 1, 0])])
    assert mixed.__getbatch__([5, 0, 3])[0].tolist() == [3, 0, 5]


def test_concat_with_strings_and_dicts_matches_per_sample_collate():
    from shenjing.utils.data import default_collate

    class Named(Dataset):
        def __init__(self, tag, n):
            self.tag, self.n = tag, n

        def __getitem__(self, i):
            return {"name": f"{self.tag}{i}", "x": np.full(2, i, np.float32), "pair": (i, 0.5)}

        def __len__(self):
            return self.n

    mixed = ConcatDataset([Named("a", 3), Named("b", 2)])
    idx = [4, 0, 3, 2]
    fast = mixed.__getbatch__(idx)
    slow = default_collate([mixed[i] for i in idx])
    assert fast["name"] == slow["name"] == ["b1", "a0", "b0", "a2"]
    np.testing.assert_array_equal(fast["x"].numpy(), slow["x"].numpy())
    assert fast["pair"][0].tolist() == slow["pair"][0].tolist()
    assert fast["pair"][1].dtype == slow["pair"][1].dtype == sj.float32


def test_chain_dataset():
    chain = Count(0, 3) + Count(10, 12)
    assert isinstance(chain, ChainDataset) and list(chain) == [0, 1, 2, 10, 11] and len(chain) == 5


def test_random_split_sizes_and_disjointness():
    ds = Squares(10)
    sj.manual_seed(0)
    parts = random_split(ds, [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    seen = [i for p in parts for i in p.indices]
    assert sorted(seen) == list(range(10))
    parts = random_split(Squares(11), [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [6, 3, 2]  # floor 5, 3, 2 and the one left goes first
    assert sorted(i for p in parts for i in p.indices) == list(range(11))
    with pytest.raises(ValueError, match="sum of input lengths"):
        random_split(ds, [3, 3])
    with pytest.raises(ValueError):
        random_split(ds, [-1, 11])
    with pytest.warns(UserWarning, match="empty"):
        random_split(Squares(2), [0.9, 0.1])


def test_random_split_is_reproducible():
    sj.manual_seed(3)
    a = [p.indices for p in random_split(Squares(20), [0.75, 0.25])]
    sj.manual_seed(3)
    b = [p.indices for p in random_split(Squares(20), [0.75, 0.25])]
    assert a == b
    c = [p.indices for p in random_split(Squares(20), [15, 5], np.random.default_rng(1))]
    d = [p.indices for p in random_split(Squares(20), [15, 5], np.random.default_rng(1))]
    assert c == d
    with pytest.raises(TypeError, match="generator"):
        random_split(Squares(4), [2, 2], generator=42)


def test_random_split_matches_torch_sizes():
    pytest.importorskip("torch")
    from torch.utils.data import random_split as torch_split
    for n, lengths in [(10, [0.5, 0.5]), (11, [0.5, 0.3, 0.2]), (7, [0.1, 0.2, 0.7]),
                       (100, [0.8, 0.1, 0.1]), (5, [2, 3])]:
        ours = [len(p) for p in random_split(Squares(n), lengths)]
        theirs = [len(p) for p in torch_split(range(n), lengths)]
        assert ours == theirs, (n, lengths)
