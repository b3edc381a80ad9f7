"""Inverted dropout: in training each element is kept with probability 1 - p and scaled by
1 / (1 - p), so that the expected activation is unchanged and evaluation needs no scaling.
One mask (already scaled) serves forward and backward: y = x * mask, dL/dx = dL/dy * mask.

The compiled kernel (``shenjing.kernels.dropout``) applies the mask from the uniform
numbers in one pass each way; the numbers come from the same generator either way."""

import numpy

from .. import backend, kernels, parallel
from ..autograd.function import Function

#: arrays of at least this many elements have their kernel pass split over the cores (one
#: pass over memory: on 2 cores a split pays only for arrays well beyond the caches)
SPLIT_SIZE = 1 << 22
#: below this many elements the NumPy products are as fast as a kernel call's fixed cost
MIN_SIZE = 1 << 14


class Dropout(Function):
    """y = x * mask, mask_i = (u_i >= p) / (1 - p) with u uniform in [0, 1)."""
    reads_inputs = False

    def __init__(self, p):
        self.p = p

    def forward(self, x):
        u = backend.generator().random(x.shape, dtype="float32")
        self.fast = (kernels.module("dropout") if x.size >= MIN_SIZE and x.flags.c_contiguous
                     and kernels.usable(x) and type(u) is numpy.ndarray else None)
        if self.fast is not None:
            self.u = u
            return self._apply(x)
        keep = u >= self.p
        xp = backend.array_module(x)
        mask = xp.multiply(keep, x.dtype.type(1 / (1 - self.p)), dtype=x.dtype)
        self.mask = mask
        return x * mask

    def backward(self, gy):
        if self.fast is not None:
            return self._apply(gy if gy.flags.c_contiguous else gy.copy())
        return gy * self.mask

    def _apply(self, a):
        """a * mask in one kernel pass, from the kept uniform numbers."""
        out, u = numpy.empty_like(a), self.u
        flat_a, flat_u, flat_out = a.reshape(-1), u.reshape(-1), out.reshape(-1)
        p, scale = numpy.float32(self.p), a.dtype.type(1 / (1 - self.p))
        parts = parallel.workers() if a.size >= SPLIT_SIZE else 1
        parallel.map_batch(lambda lo, hi: self.fast.apply_mask(flat_a[lo:hi], flat_u[lo:hi], p,
                                                               scale, flat_out[lo:hi]),
                           a.size, parts)
        return out


def dropout(x, p=0.5, training=True):
    """Zero elements with probability p and scale the rest by 1/(1-p) (identity unless training)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    return Dropout(p)(x)
