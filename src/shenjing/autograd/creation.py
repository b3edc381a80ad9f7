"""Functions that make new tensors: from data, filled with a value, ranges and random draws.

Sizes are given as PyTorch does, either spread (``zeros(2, 3)``) or as one tuple
(``zeros((2, 3))``).  Floating results are float32 unless ``dtype`` says otherwise; random
draws come from the one process-wide generator seeded by ``shenjing.manual_seed``.
"""

import numpy

from .. import backend
from .tensor import Tensor, _check_device, as_array


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, numpy.integer)) or s < 0:
            raise ValueError(f"size must be non-negative ints, got {size}")
    return tuple(int(s) for s in size)


def _float(dtype):
    return backend.to_dtype(dtype) or backend.get_default_dtype()


def _make(array, requires_grad):
    t = Tensor.from_node(array, None, 0)
    return t.requires_grad_() if requires_grad else t


def tensor(data, dtype=None, requires_grad=False, device=None):
    """A new tensor holding a copy of ``data`` (numbers, nested lists, arrays, tensors)."""
    _check_device(device)
    array = as_array(data, dtype)
    if array is getattr(data, "array", data):
        array = array.copy()
    return _make(array, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares the array when no conversion is needed."""
    _check_device(device)
    if isinstance(data, Tensor) and (dtype is None or backend.to_dtype(dtype) == data.dtype):
        return data
    return Tensor.from_node(as_array(data, dtype), None, 0)


def from_numpy(array):
    """A tensor sharing ``array`` (changes to one show in the other); dtype is kept."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor.from_node(array, None, 0)


def zeros(*size, dtype=None, requires_grad=False, device=None):
    """A tensor of zeros of the given size."""
    _check_device(device)
    return _make(backend.xp().zeros(_size(size), _float(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False, device=None):
    """A tensor of ones of the given size."""
    _check_device(device)
    return _make(backend.xp().ones(_size(size), _float(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False, device=None):
    """An uninitialised tensor of the given size."""
    _check_device(device)
    return _make(backend.xp().empty(_size(size), _float(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    """A tensor of the given size filled with ``fill_value`` (dtype inferred from it)."""
    _check_device(device)
    if dtype is None:
        dtype = as_array(fill_value).dtype
    return _make(backend.xp().full(_size((size,)), fill_value, backend.to_dtype(dtype)),
                 requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for int arguments."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, numpy.integer)) for v in (start, end, step))
        dtype = numpy.int64 if ints else backend.get_default_dtype()
    return _make(backend.xp().arange(start, end, step, dtype=backend.to_dtype(dtype)),
                 requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    _check_device(device)
    return _make(backend.xp().linspace(start, end, steps, dtype=_float(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    """The n x m identity matrix (m defaults to n)."""
    _check_device(device)
    return _make(backend.xp().eye(n, m, dtype=_float(dtype)), requires_grad)


def rand(*size, dtype=None, requires_grad=False, device=None):
    """Uniform samples in [0, 1) from the process generator."""
    _check_device(device)
    array = backend.generator().random(_size(size), dtype=numpy.float64)
    return _make(backend.xp().asarray(array, dtype=_float(dtype)), requires_grad)


def randn(*size, dtype=None, requires_grad=False, device=None):
    """Standard normal samples from the process generator."""
    _check_device(device)
    dtype = _float(dtype)
    draw = numpy.float32 if dtype == numpy.float32 else numpy.float64
    array = backend.generator().standard_normal(_size(size), dtype=draw)
    return _make(backend.xp().asarray(array, dtype=dtype), requires_grad)


def randint(low, high=None, size=(), dtype=None, device=None):
    """Integers uniform in [low, high) (``randint(high, size)`` as in PyTorch)."""
    _check_device(device)
    if high is None:
        low, high = 0, low
    array = backend.generator().integers(low, high, size=_size((size,)))
    return Tensor.from_node(backend.xp().asarray(array, dtype=backend.to_dtype(dtype) or numpy.int64),
                            None, 0)


def randperm(n, dtype=None, device=None):
    """A random permutation of 0..n-1."""
    _check_device(device)
    array = backend.generator().permutation(n)
    return Tensor.from_node(backend.xp().asarray(array, dtype=backend.to_dtype(dtype) or numpy.int64),
                            None, 0)


def _like(fn):
    def like(t, dtype=None, requires_grad=False, device=None):
        return fn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, device=device)
    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"``{fn.__name__}`` with the shape (and dtype, unless given) of tensor ``t``."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
rand_like = _like(rand)
randn_like = _like(randn)


def full_like(t, fill_value, dtype=None, requires_grad=False, device=None):
    """``full`` with the shape (and dtype, unless given) of tensor ``t``."""
    _check_device(device)
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)
