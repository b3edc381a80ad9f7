"""Special functions: erf (the Gauss error function), used by exact GELU.

NumPy has no erf, so it is computed here in float64 to near machine precision:

* |x| < 2.5: the Maclaurin series  erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1));
* |x| >= 2.5: the continued fraction
  erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))).
"""

import math

from .. import backend
from ..autograd.function import Function

_SERIES_TERMS = 60
_FRACTION_DEPTH = 60


def erf_array(x):
    """erf of an array, elementwise, in float64 accuracy (returned in x's dtype)."""
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
            term *= -x2 / n
            total += term / (2 * n + 1)
        out[small] = total * (2 / math.sqrt(math.pi))
    b = a[~small]
    if b.size:
        f = b.copy()
        for k in range(_FRACTION_DEPTH, 0, -1):
            f = b + (k / 2) / f
        out[~small] = 1 - xp.exp(-b * b) / (math.sqrt(math.pi) * f)
    return (xp.sign(x) * out).astype(x.dtype, copy=False)


class Erf(Function):
    """y = erf(x);  dy/dx = 2/sqrt(pi) * exp(-x^2)."""

    def forward(self, x):
        self.x = x
        return erf_array(x)

    def backward(self, gy):
        x = self.x
        return gy * ((2 / math.sqrt(math.pi)) * backend.array_module(x).exp(-x * x))


def erf(x):
    """The Gauss error function elementwise."""
    return Erf()(x)
