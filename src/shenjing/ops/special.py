"""Special functions: erf (the Gauss error function), used by exact GELU.

NumPy has no erf, so it is computed here in float64 to near machine precision:

* |x| < 2.5: the series of positive terms
  erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1 * 3 * ... * (2n+1)),
  which, unlike the alternating Maclaurin series, loses no digits to cancellation
  (about 1e-15 against ``math.erf``, where the alternating one lost 1e-14 near 2.5);
* |x| >= 2.5: the continued fraction
  erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))).

That reference costs ~100 array passes; arrays of at least ``MIN_KERNEL_SIZE`` floats take
the compiled kernel (``shenjing.kernels.special``: the C library's erf, one pass) instead.
"""

import math

import numpy

from .. import backend, kernels
from ..autograd.function import Function
from ._helpers import floating

_SERIES_TERMS = 50
_FRACTION_DEPTH = 60
#: below this many elements the reference's fixed cost is as small as a kernel call's
MIN_KERNEL_SIZE = 1 << 10


def erf_array(x):
    """erf of an array, elementwise, in float64 accuracy (returned in x's dtype)."""
    if x.size >= MIN_KERNEL_SIZE and kernels.usable(x):
        out = numpy.empty(x.shape, x.dtype)
        kernels.module("special").erf(numpy.ascontiguousarray(x).reshape(-1), out.reshape(-1))
        return out
    xp = backend.array_module(x)
    a = xp.abs(x.astype(xp.float64))
    out = xp.empty_like(a)
    small = a < 2.5
    s = a[small]
    if s.size:
        x2 = s * s
        term = s.copy()
        total = s.copy()
        for n in range(1, _SERIES_TERMS):
            term *= (2 / (2 * n + 1)) * x2
            total += term
        out[small] = total * xp.exp(-x2) * (2 / math.sqrt(math.pi))
    b = a[~small]
    if b.size:
        f = b.copy()
        for k in range(_FRACTION_DEPTH, 0, -1):
            f = b + (k / 2) / f
        with xp.errstate(over="ignore"):  # b * b overflows to inf for huge b: erf is 1
            out[~small] = 1 - xp.exp(-b * b) / (math.sqrt(math.pi) * f)
    return (xp.sign(x) * out).astype(x.dtype, copy=False)


class Erf(Function):
    """y = erf(x);  dy/dx = 2/sqrt(pi) * exp(-x^2)."""

    def forward(self, x):
        self.x = x
        return erf_array(x)

    def backward(self, gy):
        x = self.x
        xp = backend.array_module(x)
        with xp.errstate(over="ignore"):  # x * x overflows for huge |x|, where the slope is 0
            return gy * ((2 / math.sqrt(math.pi)) * xp.exp(-x * x))


def erf(x):
    """The Gauss error function elementwise (integer tensors give the default float dtype)."""
    return Erf()(floating(x))
