"""How ``fit``, ``evaluate`` and ``predict`` read data: arrays cut into batches, or an
iterable that yields batches (a ``DataLoader``, a generator).

Inputs are cast as Keras casts them: floating arrays to float32 (the layers' dtype),
integer arrays (token ids) kept as they are.  ``x`` for a model with several inputs is a
list (or tuple) of arrays, or a dict of them by ``Input`` name; every batch slices each.
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
        raise TypeError(f"{what}: expected an array, got a {type(x).__name__} (a dict is "
                        f"read only as x: several inputs by name)")
    x = numpy.asarray(x)
    if x.dtype.kind == "f" and x.dtype != numpy.float32:
        x = x.astype(numpy.float32)
    return x


def as_inputs(x, what):
    """``x`` as a model's inputs: one array (``as_array``), or a list of arrays for a
    list/tuple of arrays or tensors, or a dict of arrays for a dict (inputs by name)."""
    if isinstance(x, dict):
        return {key: as_array(value, what) for key, value in x.items()}
    if isinstance(x, (list, tuple)) and x and all(isinstance(a, (numpy.ndarray, Tensor))
                                                  for a in x):
        return [as_array(a, what) for a in x]
    return as_array(x, what)


def num_samples(x):
    """The number of samples of ``x``: one array, or a list or dict of them (``as_inputs``)."""
    if isinstance(x, dict):
        x = next(iter(x.values()))
    elif isinstance(x, list):
        x = x[0]
    return len(x)


def take(x, index):
    """The samples ``index`` (a slice or an index array) of ``x`` (``as_inputs``'s forms)."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {key: a[index] for key, a in x.items()}
    if isinstance(x, list):
        return [a[index] for a in x]
    return x[index]


def flatten_inputs(x):
    """The arrays of ``x`` (``as_inputs``'s forms) as a list."""
    return list(x.values()) if isinstance(x, dict) else list(x) if isinstance(x, list) else [x]


def is_batches(x):
    """True for an iterable of batches (not an array, tensor, dict or list of numbers)."""
    if x is None or isinstance(x, (numpy.ndarray, Tensor, list, tuple, dict, str)):
        return False
    return hasattr(x, "__iter__")


def split_validation(x, y, sample_weight, fraction):
    """Keras's ``validation_split``: the LAST ``fraction`` of the samples, before shuffling."""
    if not 0 < fraction < 1:
        raise ValueError(f"fit: validation_split must be in (0, 1), got {fraction}")
    n = num_samples(x)
    cut = n - int(n * fraction)
    if cut in (0, n):
        raise ValueError(f"fit: validation_split={fraction} of {n} samples leaves an empty "
                         f"training or validation set")
    head, tail = slice(0, cut), slice(cut, None)
    return ((take(x, head), take(y, head), take(sample_weight, head)),
            (take(x, tail), take(y, tail), take(sample_weight, tail)))


class ArrayBatches:
    """Batches of ``batch_size`` samples of (x, y, sample_weight) arrays, in a new random
    order each pass when ``shuffle`` (from shenjing's generator: ``set_random_seed``
    repeats it).  ``x`` may be several inputs (a list or dict of arrays): each is sliced."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, who="fit"):
        self.x, self.y = as_inputs(x, who), as_inputs(y, who)   # y: one per output if several
        self.sample_weight = as_array(sample_weight, who)
        if isinstance(self.x, (list, dict)):
            keys = list(self.x) if isinstance(self.x, dict) else range(len(self.x))
            counts = {key: len(a) for key, a in zip(keys, flatten_inputs(self.x))}
            if not counts:
                raise ValueError(f"{who}: x is an empty dict: no inputs")
            if len(set(counts.values())) > 1:
                raise ValueError(f"{who}: the inputs of x have different numbers of samples "
                                 f"{counts}; each input needs one entry per sample")
        n = num_samples(self.x)
        for name, a in (("y", self.y), ("sample_weight", self.sample_weight)):
            if a is not None and num_samples(a) != n:
                raise ValueError(f"{who}: x has {n} samples but {name} has {num_samples(a)}")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"{who}: batch_size must be a positive integer, got {batch_size!r}")
        self.n, self.batch_size, self.shuffle = n, batch_size or 32, shuffle
        self.steps = math.ceil(n / self.batch_size)

    def __iter__(self):
        order = backend.generator().permutation(self.n) if self.shuffle else None
        for start in range(0, self.n, self.batch_size):
            index = (slice(start, start + self.batch_size) if order is None
                     else order[start:start + self.batch_size])
            yield tuple(take(a, index) for a in (self.x, self.y, self.sample_weight))


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
            yield as_inputs(x, self.who), as_array(y, self.who), as_array(w, self.who)


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
