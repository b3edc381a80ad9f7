"""``DataLoader``: batches from a dataset, epoch after epoch, as ``torch.utils.data.DataLoader``.

    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    for epoch in range(3):
        for xb, yb in loader:      # xb: (64, ...) tensor, yb: (64,) tensor
            ...

``shuffle=True`` draws a new order at the start of every pass from the process-wide
generator, so ``shenjing.manual_seed(n)`` makes the epochs reproducible.

Workers: with ``num_workers=0`` everything runs in the main process; with
``num_workers > 0`` that many processes fetch and collate the batches (``worker.py``):
``worker_init_fn(worker_id)``, ``prefetch_factor`` (batches in flight per worker),
``persistent_workers`` (keep the processes from one pass to the next), ``timeout``,
``multiprocessing_context`` and ``get_worker_info()`` behave as PyTorch's.  The batches and
their order are the same as with ``num_workers=0``.  Workers pay off when each item costs
real work (decoding, augmentation); on in-memory data the batched fast path (``fetch.py``)
in the main process is cheaper.  ``pin_memory`` is accepted and ignored (CPU only).
"""

import itertools
import numbers

from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .fetch import batch_fetcher
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from .worker import WorkerPool, get_worker_info

__all__ = ["DataLoader", "get_worker_info"]


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` (``None``: single samples).

    The order comes from ``sampler`` (or ``shuffle``: a ``RandomSampler`` drawing from
    ``generator`` or the process-wide generator), the grouping from ``batch_sampler`` (or a
    ``BatchSampler`` of ``batch_size`` and ``drop_last``), and ``collate_fn`` (default:
    ``default_collate``) turns each list of samples into a batch.  ``len(loader)`` is the
    number of batches.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers should be a non-negative integer, "
                             f"got {num_workers!r}")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout should be non-negative, got {timeout!r}")
        if num_workers == 0 and (prefetch_factor is not None or persistent_workers):
            raise ValueError("DataLoader: prefetch_factor and persistent_workers need "
                             "num_workers > 0 (they are options of worker processes), got "
                             "num_workers=0")
        if prefetch_factor is not None and (isinstance(prefetch_factor, bool) or not isinstance(
                prefetch_factor, numbers.Integral) or prefetch_factor <= 0):
            raise ValueError(f"DataLoader: prefetch_factor should be a positive integer, got "
                             f"{prefetch_factor!r}")
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                    or batch_size <= 0:
                raise ValueError(f"DataLoader: batch_size should be a positive integer or None, "
                                 f"got {batch_size!r}")
        if isinstance(dataset, IterableDataset):
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 "option")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 "batch_sampler option")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")

        if sampler is None and not isinstance(dataset, IterableDataset):
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        auto_collation = batch_sampler is not None or (
            isinstance(dataset, IterableDataset) and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if auto_collation else default_convert

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._pool = None

    def __iter__(self):
        if self.num_workers > 0:
            return self._iter_workers()
        if isinstance(self.dataset, IterableDataset):
            return self._iter_stream()
        if self.batch_sampler is not None:
            return self._iter_batches()
        return (self.collate_fn(self.dataset[i]) for i in self.sampler)

    def _iter_batches(self):
        # chosen once per pass: the fast path (one fancy index per tensor) or per-sample reads
        fetch = batch_fetcher(self.dataset, self.collate_fn)
        for indices in self.batch_sampler:
            yield fetch(indices)

    def _iter_workers(self):
        if isinstance(self.dataset, IterableDataset):
            kind, tasks = "stream", None
        elif self.batch_sampler is not None:
            kind, tasks = "batch", self.batch_sampler
        else:
            kind, tasks = "item", self.sampler
        pool = self._pool
        if pool is None or pool.closed:
            pool = WorkerPool(self, kind)
            if self.persistent_workers:
                self._pool = pool
        try:
            yield from pool.run(tasks)
        finally:
            if not self.persistent_workers:
                pool.shutdown()

    def _iter_stream(self):
        samples = iter(self.dataset)
        if self.batch_size is None:
            for sample in samples:
                yield self.collate_fn(sample)
            return
        while batch := list(itertools.islice(samples, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield self.collate_fn(batch)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)
            if self.batch_size is not None:
                length = (length // self.batch_size if self.drop_last
                          else -(-length // self.batch_size))
            return length
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"batches={len(self) if hasattr(self.dataset, '__len__') else '?'})")
