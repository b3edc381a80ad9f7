"""``DistributedSampler``: each rank's share of a map-style dataset, as PyTorch's.

The indices 0 .. N-1 (shuffled with ``seed + epoch`` when ``shuffle``, the same order on
every rank) are padded by repeating the first ones until they divide into ``num_replicas``
equal shards (or the tail is cut with ``drop_last=True``); rank r takes every
``num_replicas``-th index starting at r.  Call ``set_epoch(e)`` at the start of each epoch so
that each epoch is shuffled differently.

    sampler = DistributedSampler(dataset)               # rank and world size from MPI
    loader = DataLoader(dataset, batch_size=32, sampler=sampler)
"""

import math

import numpy

from .sampler import Sampler


def _default(value, name):
    if value is not None:
        return value
    from ...distributed import get_rank, get_world_size  # the group the launcher made
    return get_world_size() if name == "num_replicas" else get_rank()


class DistributedSampler(Sampler):
    """Indices of ``dataset`` for rank ``rank`` of ``num_replicas``: ``len(self)`` =
    ceil(N / num_replicas) (floor((N) / num_replicas) with ``drop_last``) on every rank."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        num_replicas = _default(num_replicas, "num_replicas")
        rank = _default(rank, "rank")
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas should be a positive integer, "
                             f"got {num_replicas!r}")
        if not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: rank {rank!r} is out of range: expected "
                             f"0 <= rank < num_replicas = {num_replicas}")
        n = len(dataset)
        if drop_last and n < num_replicas:
            raise ValueError(f"DistributedSampler: rank {rank}: drop_last=True with a dataset "
                             f"of {n} samples and {num_replicas} ranks leaves every rank with "
                             f"no samples; use drop_last=False (pads by repeating samples)")
        self.dataset = dataset
        self.num_replicas, self.rank = num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            order = numpy.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = numpy.arange(n)
        if self.drop_last:
            order = order[:self.total_size]
        elif self.total_size > n:  # pad with the first indices (repeated if need be)
            order = numpy.resize(order, self.total_size)
        return iter(order[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use shuffle order number ``epoch`` (seed + epoch) from the next pass on."""
        self.epoch = epoch
