"""What every kernel module shares: the ``jit`` decorator and the transcendental functions
written so that LLVM can vectorise them.

``jit`` compiles a function on its first call for the argument types it gets, with the
GIL released (so that ``shenjing.parallel`` can run kernels on several cores), cached on
disk, and with the floating-point licences that let loops be vectorised (reassociation
for sums, fused multiply-add) but not the ones that change results on inf or NaN.

``exp``, ``sigmoid`` and ``tanh`` dispatch on the argument's type at compile time: a
float64 gets the C library's functions (exact to the last bit that a gradient check
needs), a float32 gets a short polynomial in plain arithmetic.  libm's ``expf`` is a
scalar call that stops a loop from being vectorised; the polynomial runs 16 lanes at a
time with AVX-512, within 2 ulp of the true value:

    exp(x) = 2^k exp(r),   k = round(x / ln 2),   r = x - k ln 2,   |r| <= ln(2) / 2,
    exp(r) = 1 + r + r^2/2! + ... + r^7/7!        (truncation error < 6e-9 relative),
    2^k    = the float32 whose exponent field is k + 127.
"""

import math

import numba
from llvmlite import ir
import numpy
from numba import types
from numba.extending import intrinsic, overload

FASTMATH = {"reassoc", "contract", "nsz", "arcp"}


def jit(function=None, **options):
    """``numba.njit`` with shenjing's settings: nogil, cache=True, vectorising fastmath."""
    settings = dict(nogil=True, cache=True, fastmath=FASTMATH, error_model="numpy")
    settings.update(options)
    if function is None:
        return lambda f: numba.njit(**settings)(f)
    return numba.njit(**settings)(function)


@intrinsic
def _bits_as_float32(typingctx, bits):
    """The float32 whose IEEE-754 bit pattern is the low 32 bits of the integer ``bits``."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        low = builder.trunc(args[0], ir.IntType(32)) if bits.bitwidth > 32 else args[0]
        return builder.bitcast(low, context.get_value_type(types.float32))
    return types.float32(bits), codegen


_F = numpy.float32
_LOG2E, _LN2_HI, _LN2_LO = _F(1.4426950408889634), _F(0.693359375), _F(-2.12194440e-4)
_HI, _LO = _F(88.37626), _F(-87.33654)          # exp(x) is finite and normal in between
_ONE, _HALF, _TWO = _F(1.0), _F(0.5), _F(2.0)
_C2, _C3, _C4, _C5, _C6, _C7 = (_F(1 / math.factorial(n)) for n in range(2, 8))
# tanh x = x - x^3/3 + 2x^5/15 - 17x^7/315 + ... (its Taylor series, through x^17): used
# for |x| < 1/2, where 1 - 2 / (e^2x + 1) would lose the relative accuracy of a small x
_T = [_F(c) for c in (1, -1 / 3, 2 / 15, -17 / 315, 62 / 2835, -1382 / 155925,
                      21844 / 6081075, -929569 / 638512875, 6404582 / 10854718875)]
_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7, _T8 = _T


def exp(x):
    """e^x: math.exp for float64, the vectorisable polynomial for float32 (in a kernel)."""
    return math.exp(x)


def sigmoid(x):
    """1 / (1 + e^-x)."""
    return 1.0 / (1.0 + math.exp(-x))


def tanh(x):
    """tanh x."""
    return math.tanh(x)


def _exp32(x):
    x = min(max(x, _LO), _HI)
    k = numpy.floor(x * _LOG2E + _HALF)              # float32 throughout: 16 lanes
    r = (x - k * _LN2_HI) - k * _LN2_LO              # ln 2 in two parts (Cody-Waite)
    p = _ONE + r * (_ONE + r * (_C2 + r * (_C3 + r * (_C4 + r * (_C5 + r * (_C6 + r * _C7))))))
    return p * _bits_as_float32((numpy.int32(k) + numpy.int32(127)) << numpy.int32(23))


def _tanh32(x):
    z = x * x            # both forms are computed, and one is chosen: the loop stays vectorised
    series = x * (_T0 + z * (_T1 + z * (_T2 + z * (_T3 + z * (_T4 + z * (_T5 + z * (
        _T6 + z * (_T7 + z * _T8))))))))
    far = _ONE - _TWO / (exp(_TWO * x) + _ONE)       # exact at both ends, +-1 beyond
    return series if abs(x) < _HALF else far


# reassociation would fold the two parts of ln 2 back into one and lose the low bits of r
_EXACT = dict(fastmath={"contract", "nsz"})


@overload(exp, jit_options=_EXACT)
def _exp_overload(x):
    if x == types.float32:
        return _exp32
    if isinstance(x, types.Float):
        return lambda x: math.exp(x)


@overload(sigmoid, jit_options=_EXACT)
def _sigmoid_overload(x):
    if x == types.float32:
        return lambda x: _ONE / (_ONE + exp(-x))
    if isinstance(x, types.Float):
        return lambda x: 1.0 / (1.0 + math.exp(-x))


@overload(tanh, jit_options=_EXACT)
def _tanh_overload(x):
    if x == types.float32:
        return _tanh32
    if isinstance(x, types.Float):
        return lambda x: math.tanh(x)


@jit
def max_and_exp_sum(row):
    """(m, sum of e^(x - m)) over a 1-d ``row``, m its largest value: the two parts of the
    stable log-sum-exp, log sum e^x = m + log sum e^(x - m) (the sum in float64)."""
    m = row[0]
    for j in range(row.shape[0]):
        m = max(m, row[j])
    s = 0.0
    for j in range(row.shape[0]):
        s += exp(row[j] - m)
    return m, s
