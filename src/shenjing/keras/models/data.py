"""How ``fit``, ``evaluate`` and ``predict`` read data: arrays cut into batches, a
``keras.utils.PyDataset``, or an iterable that yields batches (a ``DataLoader``, a
generator).  Each batch is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.

An epoch is one pass over the data, or, with ``steps_per_epoch``, that many batches from
a stream that goes on where the last epoch stopped and starts a new pass once one is used
up (Keras's rule: a generator is read once, never rewound).

Inputs are cast as Keras casts them: floating arrays to float32 (the layers' dtype),
integer arrays (token ids) kept as they are.  ``x`` for a model with several inputs is a
list (or tuple) of arrays, or a dict of them by ``Input`` name; every batch slices each.
"""

import math
import warnings

import numpy

from ... import backend
from ...autograd.tensor import Tensor
from ..utils import PyDataset


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


def class_sample_weights(y, class_weight, sample_weight=None, who="fit"):
    """Keras's ``class_weight``: each sample weighted by its class's weight (times its
    ``sample_weight``, if any).  Classes are the integer labels, the argmax of one-hot
    rows, or rounded binary targets."""
    if not isinstance(class_weight, dict):
        raise TypeError(f"{who}: class_weight must be a dict {{class: weight}}, got a "
                        f"{type(class_weight).__name__}")
    if isinstance(y, (list, dict)):
        raise NotImplementedError(f"{who}: class_weight with several outputs' targets is not "
                                  f"supported; give sample_weight")
    labels = as_array(y, who)
    if labels is None:
        raise ValueError(f"{who}: class_weight needs targets y")
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(-1)                  # one-hot targets
    labels = numpy.round(labels.reshape(len(labels), -1)[:, 0]).astype(numpy.int64)
    missing = sorted(set(numpy.unique(labels).tolist()) - set(class_weight))
    if missing:
        raise ValueError(f"{who}: class_weight has no weight for classes {missing} (it has "
                         f"{sorted(class_weight)})")
    weights = numpy.array([class_weight[c] for c in labels.tolist()], numpy.float32)
    return weights if sample_weight is None else weights * as_array(sample_weight, who)


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

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, who="fit",
                 class_weight=None, steps=None):
        self.x, self.y = as_inputs(x, who), as_inputs(y, who)   # y: one per output if several
        self.sample_weight = as_array(sample_weight, who)
        if class_weight is not None:
            self.sample_weight = class_sample_weights(self.y, class_weight,
                                                      self.sample_weight, who)
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
        if not batch_size:   # Keras: steps_per_epoch alone sets the batch size
            batch_size = math.ceil(n / steps) if steps else 32
        self.n, self.batch_size, self.shuffle = n, batch_size, shuffle
        self.steps = math.ceil(n / self.batch_size)

    def __len__(self):
        return self.steps

    def __iter__(self):
        order = backend.generator().permutation(self.n) if self.shuffle else None
        for start in range(0, self.n, self.batch_size):
            index = (slice(start, start + self.batch_size) if order is None
                     else order[start:start + self.batch_size])
            yield tuple(take(a, index) for a in (self.x, self.y, self.sample_weight))


def unpack(batch, who):
    """One batch as (x, y, sample_weight): ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, w)``."""
    if isinstance(batch, (tuple, list)):
        if not 1 <= len(batch) <= 3:
            raise ValueError(f"{who}: a batch must be x, (x,), (x, y) or (x, y, sample_weight), "
                             f"got {len(batch)} items")
        x, y, w = (tuple(batch) + (None, None))[:3]
    else:
        x, y, w = batch, None, None
    return as_inputs(x, who), as_inputs(y, who), as_array(w, who)


class PyDatasetPass:
    """One pass over a ``PyDataset``: its batches by index, in a shuffled order when
    ``shuffle`` (shenjing's generator); endless when it has no length."""

    def __init__(self, dataset, shuffle):
        self.dataset, self.shuffle = dataset, shuffle

    def __len__(self):
        count = self.dataset.num_batches
        if count is None:
            raise TypeError("an endless PyDataset has no length")
        return count

    def __iter__(self):
        count = self.dataset.num_batches
        if count is None:
            yield from self.dataset
            return
        order = backend.generator().permutation(count) if self.shuffle else range(count)
        for index in order:
            yield self.dataset[int(index)]


class Epochs:
    """The batches of each epoch from ``source`` (anything iterable: ``ArrayBatches``, a
    ``PyDatasetPass``, a ``DataLoader``, a generator), as (x, y, sample_weight).

    Without ``steps`` an epoch is one fresh pass.  With ``steps`` the iterator is kept from
    one epoch to the next, as Keras keeps it, and a new pass starts once a pass of known
    length is used up; a stream that ends early warns and ends the epoch there.
    ``class_weight`` weights each batch's samples by their classes.
    """

    def __init__(self, source, steps=None, class_weight=None, who="fit", dataset=None):
        if steps is not None and (not isinstance(steps, int) or steps < 1):
            raise ValueError(f"{who}: steps must be a positive integer, got {steps!r}")
        self.source, self.class_weight, self.who = source, class_weight, who
        self.dataset = dataset             # a PyDataset: told when epochs begin and end
        self.length = len(source) if _has_length(source) else None
        if steps is None and self.length is None and isinstance(source, PyDatasetPass):
            raise ValueError(f"{who}: an endless PyDataset (no __len__) needs steps_per_epoch "
                             f"(or steps)")
        self.steps_given = steps
        self.steps = steps or self.length    # batches per epoch, None when unknown
        self.iterator, self.seen = None, 0

    def __iter__(self):
        if self.iterator is None or self.steps_given is None:
            self.iterator, self.seen = iter(self.source), 0
        if self.dataset is not None:
            self.dataset.on_epoch_begin()
        try:
            yield from self._epoch()
        finally:                          # also when fit stops early
            if self.length is not None and self.seen >= self.length:
                self.iterator = None      # the pass is used up: the next epoch starts anew
            if self.dataset is not None:
                self.dataset.on_epoch_end()

    def _epoch(self):
        count = 0
        while self.steps is None or count < self.steps:
            if self.length is not None and self.seen >= self.length:
                self._ran_out()
                return
            try:
                batch = next(self.iterator)
            except StopIteration:
                if self.steps is not None or not count:   # short, or nothing at all
                    self._ran_out()
                self.iterator = None
                return
            self.seen += 1
            count += 1
            yield self._weighted(unpack(batch, self.who))

    def _ran_out(self):
        wanted = f"{self.steps} steps" if self.steps else "the epoch's first batch"
        warnings.warn(f"{self.who}: the input ran out of data before {wanted}; a generator "
                      f"yields its batches once: make it yield steps_per_epoch * epochs of "
                      f"them and give steps_per_epoch", stacklevel=3)

    def _weighted(self, batch):
        x, y, w = batch
        if self.class_weight is not None:
            w = class_sample_weights(y, self.class_weight, w, self.who)
        return x, y, w


def _has_length(source):
    try:
        len(source)
    except TypeError:
        return False
    return True


def batches(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None,
            who="fit", class_weight=None):
    """The epochs of ``x`` (arrays, a ``PyDataset``, or an iterable of batches): an
    ``Epochs`` whose each ``iter`` is one epoch of (x, y, sample_weight) batches."""
    if isinstance(x, PyDataset) or is_batches(x):
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                raise ValueError(f"{who}: `{name}` must not be given when `x` yields batches "
                                 f"(a {type(x).__name__}: they carry their own {name})")
        if isinstance(x, PyDataset):
            return Epochs(PyDatasetPass(x, shuffle), steps, class_weight, who, dataset=x)
        return Epochs(x, steps, class_weight, who)
    if x is None:
        raise ValueError(f"{who}: no input data (x is None)")
    return Epochs(ArrayBatches(x, y, sample_weight, batch_size, shuffle, who, class_weight,
                               steps), steps, None, who)
