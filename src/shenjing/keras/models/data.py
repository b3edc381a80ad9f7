"""How ``fit``, ``evaluate`` and ``predict`` read data: arrays cut into batches, or an
iterable that yields batches (a ``DataLoader``, a generator).

Inputs are cast as Keras casts them: floating arrays to float32 (the layers' dtype),
integer arrays (token ids) kept as they are.
"""

import math

import numpy

from ... import backend
from ...autograd.tensor import Tensor


def as_array(x, what):
    """``x`` as a NumPy array (tensors read without a copy; float64 data to float32)."""
    if x is None:
        return None
    if isinstance(x, Tensor):
        x = x.numpy()
    elif isinstance(x, (dict, set)):
        raise TypeError(f"{what}: dicts of inputs are not supported yet; give one array")
    x = numpy.asarray(x)
    if x.dtype.kind == "f" and x.dtype != numpy.float32:
        x = x.astype(numpy.float32)
    return x


def is_batches(x):
    """True for an iterable of batches (not an array, tensor or list of numbers)."""
    if x is None or isinstance(x, (numpy.ndarray, Tensor, list, tuple, str)):
        return False
    return hasattr(x, "__iter__")


def split_validation(x, y, sample_weight, fraction):
    """Keras's ``validation_split``: the LAST ``fraction`` of the samples, before shuffling."""
    if not 0 < fraction < 1:
        raise ValueError(f"fit: validation_split must be in (0, 1), got {fraction}")
    n = len(x)
    cut = n - int(n * fraction)
    if cut in (0, n):
        raise ValueError(f"fit: validation_split={fraction} of {n} samples leaves an empty "
                         f"training or validation set")
    def part(a, s):
        return None if a is None else a[s]
    head, tail = slice(0, cut), slice(cut, None)
    return ((x[head], part(y, head), part(sample_weight, head)),
            (x[tail], part(y, tail), part(sample_weight, tail)))


class ArrayBatches:
    """Batches of ``batch_size`` samples of (x, y, sample_weight) arrays, in a new random
    order each pass when ``shuffle`` (from shenjing's generator: ``set_random_seed``
    repeats it)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, who="fit"):
        self.x, self.y = as_array(x, who), as_array(y, who)
        self.sample_weight = as_array(sample_weight, who)
        n = len(self.x)
        for name, a in (("y", self.y), ("sample_weight", self.sample_weight)):
            if a is not None and len(a) != n:
                raise ValueError(f"{who}: x has {n} samples but {name} has {len(a)}")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"{who}: batch_size must be a positive integer, got {batch_size!r}")
        self.n, self.batch_size, self.shuffle = n, batch_size or 32, shuffle
        self.steps = math.ceil(n / self.batch_size)

    def __iter__(self):
        order = backend.generator().permutation(self.n) if self.shuffle else None
        for start in range(0, self.n, self.batch_size):
            index = (slice(start, start + self.batch_size) if order is None
                     else order[start:start + self.batch_size])
            yield tuple(None if a is None else a[index]
                        for a in (self.x, self.y, self.sample_weight))


class IterableBatches:
    """The batches an iterable yields, as (x, y, sample_weight); at most ``steps`` per pass."""

    def __init__(self, source, steps=None, who="fit"):
        self.source, self.steps, self.who = source, steps, who

    def __iter__(self):
        for i, batch in enumerate(self.source):
            if self.steps is not None and i >= self.steps:
                return
            if isinstance(batch, (tuple, list)):
                if not 1 <= len(batch) <= 3:
                    raise ValueError(f"{self.who}: a batch must be x, (x,), (x, y) or "
                                     f"(x, y, sample_weight), got {len(batch)} items")
                x, y, w = (tuple(batch) + (None, None))[:3]
            else:
                x, y, w = batch, None, None
            yield as_array(x, self.who), as_array(y, self.who), as_array(w, self.who)


def batches(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None,
            who="fit"):
    """The batches of ``x`` (arrays, or an iterable of batches) for one pass."""
    if is_batches(x):
        if y is not None:
            raise ValueError(f"{who}: `y` must not be given when `x` yields batches (they "
                             f"carry their own targets)")
        return IterableBatches(x, steps, who)
    if x is None:
        raise ValueError(f"{who}: no input data (x is None)")
    return ArrayBatches(x, y, sample_weight, batch_size, shuffle, who)
