"""Keras 3's array creation ops: ``ones``, ``zeros``, ``full``, ``eye``, ``arange``,
``linspace``, the ``*_like`` forms, ``tri``/``tril``/``triu`` and ``one_hot``.

dtypes follow Keras: float32 unless told otherwise; ``arange`` and ``full`` take theirs
from the numbers given (Python ints give int32); a ``*_like`` keeps its model's dtype.
"""

import numpy

from ... import backend, ops
from ...autograd.tensor import Tensor
from .core import fail, keras_op, tensor

__all__ = ["ones", "zeros", "full", "ones_like", "zeros_like", "full_like", "eye", "identity",
           "arange", "linspace", "tri", "tril", "triu", "one_hot"]


def _shape(shape, op):
    if isinstance(shape, (int, numpy.integer)):
        return (int(shape),)
    try:
        return tuple(int(n) for n in shape)
    except TypeError:
        fail(op, f"shape must be an int or a sequence of ints, got {shape!r}", TypeError)


def _float(dtype):
    return numpy.dtype(dtype) if dtype is not None else backend.get_default_dtype()


def _new(array):
    return Tensor(backend.xp().asarray(array))


@keras_op
def ones(shape, dtype=None):
    """A tensor of ``shape`` filled with 1 (float32 unless ``dtype``)."""
    return _new(numpy.ones(_shape(shape, "ones"), _float(dtype)))


@keras_op
def zeros(shape, dtype=None):
    """A tensor of ``shape`` filled with 0 (float32 unless ``dtype``)."""
    return _new(numpy.zeros(_shape(shape, "zeros"), _float(dtype)))


@keras_op
def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value`` (float32 unless ``dtype``)."""
    value = numpy.asarray(tensor(fill_value, _float(dtype)))
    return _new(numpy.broadcast_to(value, _shape(shape, "full")).copy())


@keras_op
def ones_like(x, dtype=None):
    """Ones of ``x``'s shape and dtype (or ``dtype``)."""
    x = tensor(x)
    return _new(numpy.ones(x.shape, dtype or x.dtype))


@keras_op
def zeros_like(x, dtype=None):
    """Zeros of ``x``'s shape and dtype (or ``dtype``)."""
    x = tensor(x)
    return _new(numpy.zeros(x.shape, dtype or x.dtype))


@keras_op
def full_like(x, fill_value, dtype=None):
    """``fill_value`` in ``x``'s shape and dtype (or ``dtype``)."""
    x = tensor(x)
    return _new(numpy.full(x.shape, numpy.asarray(fill_value), dtype or x.dtype))


@keras_op
def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's names
    """The (N, M) matrix with ones on the k-th diagonal (M = N unless given)."""
    return _new(numpy.eye(int(N), None if M is None else int(M), int(k), _float(dtype)))


@keras_op
def identity(n, dtype=None):
    """The (n, n) identity matrix."""
    return eye(n, dtype=dtype)


@keras_op
def arange(start, stop=None, step=None, dtype=None):
    """start, start + step, ... below stop (``arange(n)``: 0 .. n-1); ints give int32,
    any float float32, unless ``dtype``."""
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if dtype is None:
        numbers = [numpy.asarray(tensor(v)) for v in (start, stop, step)]
        dtype = _float(None) if any(v.dtype.kind == "f" for v in numbers) else numpy.int32
    return _new(numpy.arange(start, stop, step).astype(dtype))


@keras_op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced numbers from start to stop (included unless ``endpoint`` is
    False); with ``retstep`` also the spacing."""
    values, step = numpy.linspace(start, stop, int(num), endpoint=endpoint, retstep=True,
                                  axis=axis)
    out = _new(values.astype(_float(dtype)))
    return (out, step) if retstep else out


@keras_op
def tri(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's names
    """The (N, M) matrix with ones at and below the k-th diagonal."""
    return _new(numpy.tri(int(N), None if M is None else int(M), int(k), _float(dtype)))


@keras_op
def tril(x, k=0):
    """``x`` with the elements above the k-th diagonal of its last two axes set to 0
    (``shenjing.ops.tril``: the gradient keeps the same triangle)."""
    return ops.tril(tensor(x), k)


@keras_op
def triu(x, k=0):
    """``x`` with the elements below the k-th diagonal of its last two axes set to 0."""
    return ops.triu(tensor(x), k)


@keras_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer labels (...) -> one-hot vectors (..., num_classes) (the class axis at
    ``axis``); a label outside [0, num_classes) gives a row of zeros, as Keras."""
    if sparse:
        fail("one_hot", "sparse outputs are not supported", NotImplementedError)
    labels = numpy.asarray(tensor(x))
    if labels.dtype.kind not in "iub":
        fail("one_hot", f"expected integer labels, got dtype {labels.dtype}", TypeError)
    num_classes = int(num_classes)
    table = numpy.concatenate([numpy.eye(num_classes), numpy.zeros((1, num_classes))])
    inside = (labels >= 0) & (labels < num_classes)
    out = table[numpy.where(inside, labels, num_classes)].astype(_float(dtype))
    if axis not in (-1, out.ndim - 1):
        out = numpy.moveaxis(out, -1, axis)
    return _new(out)
