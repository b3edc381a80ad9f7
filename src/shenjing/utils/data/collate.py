"""Collation: turn a list of samples into one batch, as ``torch.utils.data.default_collate``.

The batch keeps the structure of one sample and stacks the leaves along a new first dim:

    tensors            -> one tensor, (B, *shape)
    NumPy arrays       -> one tensor, dtype kept
    NumPy scalars      -> one tensor of shape (B,), dtype kept
    Python floats      -> float32 (the default float dtype; torch gives float64 here)
    Python ints, bools -> int64, bool
    strings, bytes     -> the batch itself, unchanged (a list)
    tuples, lists      -> a list with one collated batch per position (torch does the same)
    namedtuples        -> the same namedtuple of batches
    dicts              -> the same keys, one collated batch per key
"""

import collections.abc

import numpy

from ... import backend
from ...autograd.tensor import Tensor

_NAMES = "tensors, numpy arrays, numbers, dicts or lists"


def _wrap(array):
    return Tensor.from_node(backend.xp().asarray(array), None, 0)


def default_collate(batch):
    """Stack a list of samples into a batch (see the module docstring for each kind of leaf).

    >>> default_collate([(shenjing.zeros(3), 1), (shenjing.ones(3), 0)])
    [tensor of shape (2, 3), tensor([1, 0])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(t.requires_grad for t in batch):
            from ...ops import stack
            return stack(batch, 0)
        arrays = [t.array for t in batch]
        return Tensor.from_node(backend.array_module(arrays[0]).stack(arrays), None, 0)
    if isinstance(elem, numpy.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(f"default_collate: numpy arrays of dtype {elem.dtype} cannot become "
                            f"tensors; batch must contain {_NAMES}")
        return _wrap(numpy.stack(batch))
    if isinstance(elem, numpy.generic):
        if elem.dtype.kind in "OSUV":
            return batch
        return _wrap(numpy.array(batch))
    if isinstance(elem, bool):
        return _wrap(numpy.array(batch, dtype=numpy.bool_))
    if isinstance(elem, int):
        return _wrap(numpy.array(batch, dtype=numpy.int64))
    if isinstance(elem, float):
        return _wrap(numpy.array(batch, dtype=backend.get_default_dtype()))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        out = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _same_type(elem, out)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               "equal size")
        out = [default_collate(list(s)) for s in zip(*batch)]
        return out if isinstance(elem, (tuple, list)) else _same_type(elem, out)
    raise TypeError(f"default_collate: batch must contain {_NAMES}; found {type(elem).__name__}")


def _same_type(elem, out):
    """``out`` as the container type of ``elem`` when that type can be built from it."""
    if type(elem) in (dict, list):
        return out
    try:
        return type(elem)(out)
    except TypeError:
        return out


def default_convert(data):
    """Turn NumPy arrays (also inside tuples, lists and dicts) into tensors; leave the rest.

    What ``DataLoader(batch_size=None)`` applies to each sample instead of collating."""
    if isinstance(data, numpy.ndarray) and data.dtype.kind not in "OSUV":
        return _wrap(data)
    if isinstance(data, numpy.generic) and data.dtype.kind not in "OSUV":
        return _wrap(numpy.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _same_type(data, {key: default_convert(v) for key, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_type(data, [default_convert(d) for d in data])
    return data
