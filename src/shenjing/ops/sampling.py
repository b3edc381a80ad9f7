"""Random sampling from given parameters: normal, bernoulli, multinomial.

They draw from the process generator (``shenjing.manual_seed``) or from a ``generator=``
of their own, and carry no gradient (the samples are constants of the graph).
"""

import numpy

from .. import backend
from ..autograd.tensor import Tensor
from ._helpers import as_tensor, expect


def _rng(generator):
    return backend.generator() if generator is None else generator


def _out(array, dtype):
    return Tensor.from_node(backend.xp().asarray(array, dtype=dtype), None, 0)


def normal(mean=0.0, std=1.0, size=None, generator=None, dtype=None):
    """Normal samples with the given ``mean`` and ``std`` (numbers or tensors, broadcast);
    with two numbers, ``size`` gives the shape."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        expect(size is None, "normal", "size is only for a number mean and std")
        m, s = (as_tensor(v).array for v in (mean, std))
        dtype = dtype or next(t.dtype for t in tensors if t.dtype.kind == "f")
        shape = numpy.broadcast_shapes(m.shape, s.shape)
    else:
        expect(size is not None, "normal", "give size= when mean and std are numbers")
        m, s = mean, std
        dtype = dtype or backend.get_default_dtype()
        shape = (int(size),) if isinstance(size, (int, numpy.integer)) else tuple(size)
    if numpy.any(numpy.asarray(s) < 0):
        raise ValueError(f"normal: std must be non-negative, got {std}")
    return _out(m + s * _rng(generator).standard_normal(shape), dtype)


def bernoulli(input, p=None, generator=None):  # noqa: A002 - torch's name
    """1 with probability ``input`` (or ``p``), else 0, elementwise; input's shape and dtype."""
    x = as_tensor(input)
    probs = x.array if p is None else numpy.broadcast_to(p, x.shape)
    expect(x.dtype.kind == "f", "bernoulli", f"expects a floating tensor, got {x.dtype}")
    if numpy.any((probs < 0) | (probs > 1)):
        raise ValueError("bernoulli: probabilities must be in [0, 1]")
    return _out(_rng(generator).random(x.shape) < probs, x.dtype)


def multinomial(input, num_samples, replacement=False, generator=None):  # noqa: A002
    """``num_samples`` category indices drawn from the non-negative weights ``input``
    ((C,) or (N, C): one draw per row), with or without replacement: int64 (num_samples,)
    or (N, num_samples)."""
    w = numpy.asarray(as_tensor(input).array, dtype=numpy.float64)
    expect(w.ndim in (1, 2), "multinomial", f"input must be 1-d or 2-d, got shape {w.shape}")
    if (w < 0).any() or not numpy.isfinite(w).all():
        raise ValueError("multinomial: weights must be finite and non-negative")
    rows = w.reshape(-1, w.shape[-1])
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise ValueError("multinomial: each row of weights needs a positive sum")
    n = int(num_samples)
    if not replacement:
        available = int((rows > 0).sum(axis=1).min())
        expect(n <= available, "multinomial",
               f"cannot draw {n} samples without replacement from {available} categories of "
               f"non-zero weight")
    rng = _rng(generator)
    out = numpy.stack([rng.choice(rows.shape[1], n, replace=bool(replacement), p=r / t)
                       for r, t in zip(rows, totals)])
    return _out(out.reshape(w.shape[:-1] + (n,)), numpy.int64)
