"""Fetching one batch from a map-style dataset: the fast path and the general one.

General path (as torch): ``collate_fn([dataset[i] for i in indices])``, or
``collate_fn(dataset.__getitems__(indices))`` when the dataset defines ``__getitems__``.

Fast path (shenjing's): a dataset that defines ``__getbatch__(indices)`` returns the batch
``default_collate`` would have made, in one call.  ``TensorDataset`` does it with one
fancy-indexing call per tensor instead of a Python loop per sample, which is most of a
DataLoader's cost on in-memory data.  The loader takes it only with the default collate,
and only when ``__getbatch__`` is defined by the same class as ``__getitem__`` or by a
subclass of it: a subclass that overrides ``__getitem__`` alone (to augment samples, say)
keeps its own per-sample behaviour.
"""

import numpy

from .collate import default_collate


def _owner(cls, name):
    """Position in ``cls.__mro__`` of the first class that defines ``name`` (None: none)."""
    for i, klass in enumerate(cls.__mro__):
        if name in vars(klass):
            return i
    return None


def has_fast_batch(dataset):
    """True when ``dataset.__getbatch__`` can stand for ``default_collate`` over its items."""
    if getattr(dataset, "__getbatch__", None) is None:
        return False
    batch_owner = _owner(type(dataset), "__getbatch__")
    item_owner = _owner(type(dataset), "__getitem__")
    return batch_owner is not None and (item_owner is None or batch_owner <= item_owner)


def batch_fetcher(dataset, collate_fn):
    """A function ``indices -> batch`` for ``dataset``, the fast one when it applies."""
    if collate_fn is default_collate and has_fast_batch(dataset):
        return dataset.__getbatch__
    getitems = getattr(dataset, "__getitems__", None)
    if getitems is not None:
        return lambda indices: collate_fn(getitems(_as_list(indices)))
    return lambda indices: collate_fn([dataset[i] for i in _as_list(indices)])


def _as_list(indices):
    """Python ints, as torch passes them (user datasets may test ``isinstance(i, int)``)."""
    return indices.tolist() if isinstance(indices, numpy.ndarray) else indices


def fetch_batch(dataset, indices):
    """The default-collated batch of ``dataset`` at ``indices`` (fast path when there is one)."""
    return batch_fetcher(dataset, default_collate)(indices)
