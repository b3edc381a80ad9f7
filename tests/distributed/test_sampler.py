"""DistributedSampler against PyTorch's: shards, padding, drop_last, epochs, errors."""

import numpy as np
import pytest

from shenjing.utils.data import DataLoader, DistributedSampler, TensorDataset
import shenjing as sj


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (7, 2, False),
                                                  (2, 5, False), (12, 4, True)])
def test_unshuffled_shards_match_pytorch(n, replicas, drop_last):
    pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as Theirs
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = Theirs(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


def test_shuffled_shards_cover_the_data_once_padded_and_change_with_the_epoch():
    n, replicas = 10, 4
    samplers = [DistributedSampler(range(n), replicas, r, seed=3) for r in range(replicas)]
    shards = [list(s) for s in samplers]
    assert all(len(s) == 3 for s in shards)        # padded: 12 = 3 per rank
    everything = sum(shards, [])
    assert set(everything) == set(range(n)) and len(everything) == 12
    again = [list(s) for s in samplers]
    assert again == shards                          # same epoch: same order
    for s in samplers:
        s.set_epoch(1)
    assert [list(s) for s in samplers] != shards   # next epoch: a new order


def test_loader_with_the_sampler_gives_each_rank_its_rows():
    x = sj.tensor(np.arange(20, dtype=np.float32).reshape(10, 2))
    loader = DataLoader(TensorDataset(x), batch_size=5,
                        sampler=DistributedSampler(range(10), 2, 1, shuffle=False))
    (batch,) = next(iter(loader))
    np.testing.assert_array_equal(batch.numpy()[:, 0], [2, 6, 10, 14, 18])


def test_bad_rank_and_sizes_are_named():
    with pytest.raises(ValueError, match=r"rank 3 is out of range: expected 0 <= rank < "
                                         r"num_replicas = 2"):
        DistributedSampler(range(10), 2, 3)
    with pytest.raises(ValueError, match=r"rank 0: drop_last=True with a dataset of 2 samples "
                                         r"and 4 ranks"):
        DistributedSampler(range(2), 4, 0, drop_last=True)
    with pytest.raises(RuntimeError, match="DistributedSampler|get_world_size"):
        DistributedSampler(range(10))               # no process group and no num_replicas
