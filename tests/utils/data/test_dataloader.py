"""DataLoader: batching, len, drop_last, shuffling with manual_seed, the fast batch path,
iterable datasets, argument checks, and batch shapes/dtypes against torch.utils.data."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                                 IterableDataset, SequentialSampler, Subset, TensorDataset,
                                 default_collate, get_worker_info)


def xy(n=10, features=3):
    sj.manual_seed(123)
    return sj.randn(n, features), sj.arange(n)


def labels(loader):
    return [yb.tolist() for _, yb in loader]


class Samples(Dataset):
    """A map-style dataset of (array, int) samples, read one by one."""

    def __init__(self, n):
        self.x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)

    def __getitem__(self, i):
        return self.x[i], i

    def __len__(self):
        return len(self.x)


class Stream(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n, self.with_len = n, with_len

    def __iter__(self):
        return iter({"v": float(i), "i": i} for i in range(self.n))

    def __len__(self):
        if not self.with_len:
            raise TypeError("no len")
        return self.n


def test_batches_and_len():
    x, y = xy(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].dtype == sj.float32 and batches[0][1].dtype == sj.int64
    np.testing.assert_array_equal(batches[1][0].numpy(), x.numpy()[4:8])


def test_drop_last():
    x, y = xy(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)
    assert len(loader) == 2 and labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(TensorDataset(x, y), batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(TensorDataset(x, y), batch_size=11, drop_last=True)) == 0


def test_default_batch_size_is_one():
    x, y = xy(3)
    batches = list(DataLoader(TensorDataset(x, y)))
    assert len(batches) == 3 and batches[0][0].shape == (1, 3) and batches[0][1].shape == (1,)


def test_shuffle_is_reproducible_with_manual_seed_and_new_each_epoch():
    x, y = xy(20)
    loader = DataLoader(TensorDataset(x, y), batch_size=6, shuffle=True)
    sj.manual_seed(0)
    epoch1, epoch2 = labels(loader), labels(loader)
    assert epoch1 != epoch2
    for epoch in (epoch1, epoch2):
        assert sorted(sum(epoch, [])) == list(range(20)) and [len(b) for b in epoch] == [6, 6, 6, 2]
    sj.manual_seed(0)
    assert labels(loader) == epoch1 and labels(loader) == epoch2
    # rows and labels stay paired
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.numpy(), x.numpy()[yb.numpy()])


def test_shuffle_with_its_own_generator():
    x, y = xy(12)
    a = labels(DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True,
                          generator=np.random.default_rng(7)))
    sj.manual_seed(99)  # the process generator plays no part
    b = labels(DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True,
                          generator=np.random.default_rng(7)))
    assert a == b


def test_fast_path_skips_per_sample_reads(monkeypatch):
    x, y = xy(10)

    def no_single_reads(self, index):
        raise AssertionError("the loader read one sample at a time")

    monkeypatch.setattr(TensorDataset, "__getitem__", no_single_reads)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
    assert sum(len(b) for b in labels(loader)) == 10
    sub = Subset(TensorDataset(x, y), [1, 3, 5])
    assert labels(DataLoader(sub, batch_size=2)) == [[1, 3], [5]]
    cat = ConcatDataset([TensorDataset(x, y), TensorDataset(x, y + 10)])
    assert labels(DataLoader(cat, batch_size=8))[-1] == [16, 17, 18, 19]


def test_subclass_overriding_getitem_keeps_its_own_samples():
    class Augmented(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x * 0 - 1, y

    x, y = xy(6)
    xb, yb = next(iter(DataLoader(Augmented(x, y), batch_size=3)))
    assert (xb.numpy() == -1).all() and yb.tolist() == [0, 1, 2]


def test_fast_and_slow_paths_agree():
    x, y = xy(23)
    datasets = [TensorDataset(x, y), Subset(TensorDataset(x, y), list(range(22, -1, -2))),
                ConcatDataset([TensorDataset(x[:5], y[:5]), TensorDataset(x[5:], y[5:])])]
    for ds in datasets:
        for shuffle in (False, True):
            sj.manual_seed(4)
            fast = list(DataLoader(ds, batch_size=4, shuffle=shuffle))
            sj.manual_seed(4)
            slow = list(DataLoader(ds, batch_size=4, shuffle=shuffle,
                                   collate_fn=lambda b: default_collate(b)))
            assert len(fast) == len(slow)
            for (fx, fy), (sx, sy) in zip(fast, slow):
                assert fx.dtype == sx.dtype and fy.dtype == sy.dtype
                np.testing.assert_array_equal(fx.numpy(), sx.numpy())
                np.testing.assert_array_equal(fy.numpy(), sy.numpy())


def test_map_dataset_read_per_sample():
    loader = DataLoader(Samples(7), batch_size=3, shuffle=False)
    (xb, yb), *_ = loader
    assert xb.shape == (3, 2) and xb.dtype == sj.float32 and yb.tolist() == [0, 1, 2]
    assert len(loader) == 3


def test_getitems_is_used_as_torch_does():
    calls = []

    class Batched(Samples):
        def __getitems__(self, indices):
            calls.append(list(indices))
            return [self[i] for i in indices]

    list(DataLoader(Batched(5), batch_size=2))
    assert calls == [[0, 1], [2, 3], [4]]


def test_custom_collate_fn_gets_the_samples():
    x, y = xy(5)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=2, collate_fn=lambda b: b))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert isinstance(batches[0][0], tuple) and batches[0][1][1].item() == 1


def test_batch_size_none_gives_samples():
    loader = DataLoader(Samples(3), batch_size=None)
    samples = list(loader)
    assert len(loader) == 3 and len(samples) == 3
    assert isinstance(samples[0][0], sj.Tensor) and samples[0][0].shape == (2,)
    assert samples[2][1] == 2


def test_batch_sampler_and_sampler_arguments():
    x, y = xy(10)
    ds = TensorDataset(x, y)
    bs = BatchSampler(SequentialSampler(ds), batch_size=4, drop_last=False)
    assert labels(DataLoader(ds, batch_sampler=bs)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert labels(DataLoader(ds, batch_sampler=[[9, 0], [5]])) == [[9, 0], [5]]
    assert labels(DataLoader(ds, sampler=[3, 1, 2], batch_size=2)) == [[3, 1], [2]]


def test_iterable_dataset():
    loader = DataLoader(Stream(7), batch_size=3)
    batches = list(loader)
    assert len(loader) == 3 and [b["i"].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert batches[0]["v"].dtype == sj.float32
    loader = DataLoader(Stream(7), batch_size=3, drop_last=True)
    assert len(loader) == 2 and len(list(loader)) == 2
    assert len(list(DataLoader(Stream(3), batch_size=None))) == 3
    with pytest.raises(TypeError):
        len(DataLoader(Stream(3, with_len=False), batch_size=2))
    assert len(list(DataLoader(Stream(3, with_len=False), batch_size=2))) == 2


def test_argument_checks():
    x, y = xy(4)
    ds = TensorDataset(x, y)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="sampler"):
        DataLoader(Stream(3), sampler=[0])
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)


def test_worker_arguments_are_accepted_and_run_in_process():
    x, y = xy(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, num_workers=4,
                        pin_memory=True, persistent_workers=True, prefetch_factor=2,
                        worker_init_fn=lambda i: None, timeout=5)
    assert sum(len(b) for b in labels(loader)) == 10
    assert get_worker_info() is None


def test_training_loop_reads_like_pytorch():
    import shenjing as torch
    from shenjing.utils.data import DataLoader, TensorDataset
    torch.manual_seed(0)
    X = torch.randn(64, 2)
    Y = (X.sum(1) > 0).float()
    w = torch.zeros(2, requires_grad=True)
    loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True)
    for _ in range(20):
        for xb, yb in loader:
            loss = ((xb @ w - yb) ** 2).mean()
            w.grad = None
            loss.backward()
            w.data = w.data - 0.2 * w.grad
    assert (w.numpy() > 0.1).all()


def test_utils_package_loads_data_lazily():
    import importlib
    import sys
    import shenjing.utils
    assert importlib.import_module("shenjing.utils.data") is shenjing.utils.data
    assert "data" in dir(shenjing.utils)
    assert "shenjing.utils.data" in sys.modules


# ------------------------------------------------------------------ against torch

def _describe(batch):
    if isinstance(batch, dict):
        return {k: _describe(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch).__name__, [_describe(v) for v in batch]
    return tuple(batch.shape), str(batch.dtype).replace("torch.", "")


def test_batches_match_torch_dataloader():
    torch = pytest.importorskip("torch")
    from torch.utils import data as td
    rng = np.random.default_rng(0)
    x = rng.standard_normal((23, 3, 4)).astype(np.float32)
    y = rng.integers(0, 5, 23)
    m = rng.random(23) > 0.5

    ours_ds = TensorDataset(sj.tensor(x), sj.tensor(y), sj.tensor(m))
    theirs_ds = td.TensorDataset(torch.tensor(x), torch.tensor(y), torch.tensor(m))
    for kwargs in [dict(batch_size=5), dict(batch_size=5, drop_last=True), dict(batch_size=1),
                   dict(batch_size=23), dict(batch_size=30, drop_last=False)]:
        ours = DataLoader(ours_ds, **kwargs)
        theirs = td.DataLoader(theirs_ds, **kwargs)
        assert len(ours) == len(theirs), kwargs
        ob, tb = list(ours), list(theirs)
        assert [_describe(b) for b in ob] == [_describe(b) for b in tb], kwargs
        for a, b in zip(ob, tb):
            for u, v in zip(a, b):
                np.testing.assert_array_equal(u.numpy(), v.numpy())

    # per-sample datasets of arrays, numpy ints and dicts
    class Dicts:
        def __getitem__(self, i):
            return {"img": x[i], "label": y[i], "weight": np.float32(0.5), "pair": (i, True)}

        def __len__(self):
            return len(x)

    ours = list(DataLoader(Dicts(), batch_size=4, drop_last=True))
    theirs = list(td.DataLoader(Dicts(), batch_size=4, drop_last=True))
    assert [_describe(b) for b in ours] == [_describe(b) for b in theirs]
    np.testing.assert_array_equal(ours[2]["img"].numpy(), theirs[2]["img"].numpy())

    # lengths for samplers, drop_last and batch_size=None
    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (1, 2, False)]:
        assert len(DataLoader(Samples(n), batch_size=bs, drop_last=drop, shuffle=True)) == \
            len(td.DataLoader(Samples(n), batch_size=bs, drop_last=drop, shuffle=True))
    assert len(DataLoader(Samples(4), batch_size=None)) == \
        len(td.DataLoader(Samples(4), batch_size=None))
