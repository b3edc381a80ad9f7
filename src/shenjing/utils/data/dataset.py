"""Datasets, as ``torch.utils.data``: the map-style ``Dataset`` (``__getitem__`` and
``__len__``), the stream-style ``IterableDataset`` (``__iter__``), and the ones built from
others: ``TensorDataset``, ``Subset``, ``ConcatDataset``, ``ChainDataset``.

The ones that can answer a whole batch at once define ``__getbatch__(indices)`` (the batch
``default_collate`` would make from the samples); see ``fetch.py``.
"""

import bisect
import collections.abc

import numpy

from ... import backend
from ...autograd.tensor import Tensor
from .collate import _same_type
from .fetch import fetch_batch


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` and usually ``__len__``.

    ``a + b`` is ``ConcatDataset([a, b])``.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream of samples: subclasses define ``__iter__``.

    ``a + b`` is ``ChainDataset([a, b])``.  (A loader with ``num_workers > 0`` still reads it
    in the main process, so ``get_worker_info()`` is None there and no sharding is needed.)
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


def _as_index(index):
    return index.array if isinstance(index, Tensor) else index


class TensorDataset(Dataset):
    """Samples are the rows of tensors that share their first dim: ``ds[i] = (x[i], y[i])``.

    ``TensorDataset(x, y)`` with x (N, ...) and y (N, ...); NumPy arrays are accepted too.
    A batch is fetched by one fancy-indexing call per tensor (``__getbatch__``).
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        for i, t in enumerate(tensors):
            if t.ndim == 0 or t.shape[0] != tensors[0].shape[0]:
                raise ValueError(f"TensorDataset: size mismatch between tensors: tensor 0 has "
                                 f"{tensors[0].shape[0] if tensors[0].ndim else 'no'} rows, "
                                 f"tensor {i} has shape {t.shape}")
        self.tensors = tensors

    def __getitem__(self, index):
        index = _as_index(index)
        return tuple(_take(t, index) for t in self.tensors)

    def __getbatch__(self, indices):
        index = numpy.asarray(_as_index(indices), dtype=numpy.intp)
        return [_take(t, index) for t in self.tensors]

    def __len__(self):
        return self.tensors[0].shape[0]


def _take(t, index):
    """``t[index]``: straight on the array (no graph) unless ``t`` requires grad."""
    if t.requires_grad:
        return t[index]
    xp = backend.array_module(t.array)
    array = t.array[index]
    if not isinstance(array, xp.ndarray):  # one element of a 1-d tensor: a scalar
        array = xp.asarray(array)
    return Tensor.from_node(array, None, 0)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, [3, 1])[0]`` is
    ``ds[3]``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices
        self._cached = (None, None)

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __getbatch__(self, indices):
        return fetch_batch(self.dataset, self._index_array()[numpy.asarray(indices, numpy.intp)])

    def _index_array(self):
        source, array = self._cached
        if source is not self.indices or len(array) != len(self.indices):
            array = numpy.asarray(_as_index(self.indices), dtype=numpy.intp)
            self._cached = (self.indices, array)
        return array

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after the other: indices run through the first, then the next."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; use "
                                "ChainDataset")
        self.cumulative_sizes = numpy.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("ConcatDataset: absolute value of index should not exceed "
                                 "dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]

    def __getbatch__(self, indices):
        idx = numpy.asarray(indices, dtype=numpy.int64)
        idx = numpy.where(idx < 0, idx + len(self), idx)
        which = numpy.searchsorted(self.cumulative_sizes, idx, side="right")
        parts, positions = [], []
        for d in numpy.unique(which).tolist():
            picked = numpy.flatnonzero(which == d)
            start = self.cumulative_sizes[d - 1] if d > 0 else 0
            parts.append(fetch_batch(self.datasets[d], idx[picked] - start))
            positions.append(picked)
        if len(parts) == 1:
            return parts[0]
        return _merge(parts, numpy.argsort(numpy.concatenate(positions), kind="stable"))


def _merge(parts, order):
    """Concatenate collated batches (same structure) and put their samples in ``order``."""
    first = parts[0]
    if isinstance(first, Tensor):
        arrays = [p.array for p in parts]
        return Tensor.from_node(backend.array_module(arrays[0]).concatenate(arrays)[order], None, 0)
    if isinstance(first, collections.abc.Mapping):
        return _same_type(first, {k: _merge([p[k] for p in parts], order) for k in first})
    if all(isinstance(s, (str, bytes)) for s in first):  # a batch of strings
        flat = [s for p in parts for s in p]
        return [flat[i] for i in order.tolist()]
    merged = [_merge([p[i] for p in parts], order) for i in range(len(first))]
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*merged)
    return merged


class ChainDataset(IterableDataset):
    """Iterable datasets one after the other, as one stream."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)
