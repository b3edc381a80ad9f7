"""Samplers: the order in which a loader visits a map-style dataset, as ``torch.utils.data``.

A sampler yields indices; ``BatchSampler`` groups them into lists of ``batch_size``.
Random ones draw from the process-wide generator (``shenjing.manual_seed`` makes every
epoch reproducible) at the start of each pass, or from ``generator=`` when one is given
(a ``numpy.random.Generator``, or any object with the same ``permutation`` / ``integers``
/ ``choice`` methods).
"""

import itertools
import numbers

import numpy

from ... import backend


def _rng(generator):
    """The generator to draw from: ``generator``, else the process-wide one (read now, so
    that a later ``manual_seed`` is honoured)."""
    if generator is None:
        return backend.generator()
    if hasattr(generator, "permutation") and hasattr(generator, "integers"):
        return generator
    raise TypeError(f"generator: expected a numpy.random.Generator (or None for the process "
                    f"generator seeded by shenjing.manual_seed), got {type(generator).__name__}")


def _check_positive_int(value, name, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{where}: {name} should be a positive integer, got {value!r}")


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices) and, when they can, ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random order each pass: a permutation of the indices (``replacement=False``),
    or ``num_samples`` uniform draws with replacement."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean, got {replacement!r}")
        if num_samples is not None:
            _check_positive_int(num_samples, "num_samples", "RandomSampler")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, count = len(self.data_source), self.num_samples
        rng = _rng(self.generator)
        if self.replacement:
            yield from rng.integers(0, n, size=count).tolist()
            return
        for _ in range(count // n):
            yield from rng.permutation(n).tolist()
        if count % n:
            yield from rng.permutation(n)[:count % n].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a fresh random order each pass."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in _rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability proportional to ``weights``."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _check_positive_int(num_samples, "num_samples", "WeightedRandomSampler")
        if not isinstance(replacement, bool):
            raise TypeError(f"WeightedRandomSampler: replacement should be a boolean, "
                            f"got {replacement!r}")
        weights = numpy.asarray(weights, dtype=numpy.float64).reshape(-1)
        if weights.size == 0 or (weights < 0).any() or not numpy.isfinite(weights).all() \
                or weights.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights should be finite, non-negative "
                             "and not all zero")
        if not replacement and num_samples > numpy.count_nonzero(weights):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without "
                             f"replacement from {numpy.count_nonzero(weights)} non-zero weights")
        self.weights = weights
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        p = self.weights / self.weights.sum()
        draws = _rng(self.generator).choice(len(p), size=self.num_samples,
                                            replace=self.replacement, p=p)
        return iter(draws.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler``; the last one is shorter unless
    ``drop_last``.

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        _check_positive_int(batch_size, "batch_size", "BatchSampler")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean, got {drop_last!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
