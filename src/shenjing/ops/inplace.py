"""In-place updates (``p.add_(g, alpha=-lr)``, ``w.zero_()``, ``w.normal_(0, 0.02)``).

They change the array itself and are not recorded: allowed on tensors outside the
graph, and on parameters inside ``no_grad()``.  Each one counts a new version of the
tensor, so that backward can tell when a value it needs was overwritten.
"""

from .. import backend
from ..autograd.tensor import Tensor


def _array(value, like):
    if isinstance(value, Tensor):
        return value.array
    return value


def zero_(x):
    """Fill with zeros."""
    x._check_inplace("zero_")
    x.array[...] = 0
    return x


def fill_(x, value):
    """Fill with ``value``."""
    x._check_inplace("fill_")
    x.array[...] = _array(value, x)
    return x


def copy_(x, src):
    """Copy ``src``'s values (broadcast to x's shape) into x."""
    x._check_inplace("copy_")
    src = _array(src, x)
    backend.array_module(x.array).copyto(x.array, src, casting="unsafe")
    return x


def add_(x, other, alpha=1):
    """x += alpha * other."""
    x._check_inplace("add_")
    other = _array(other, x)
    x.array += other if alpha == 1 else other * alpha
    return x


def sub_(x, other, alpha=1):
    """x -= alpha * other."""
    x._check_inplace("sub_")
    other = _array(other, x)
    x.array -= other if alpha == 1 else other * alpha
    return x


def mul_(x, other):
    """x *= other."""
    x._check_inplace("mul_")
    x.array *= _array(other, x)
    return x


def div_(x, other):
    """x /= other."""
    x._check_inplace("div_")
    x.array /= _array(other, x)
    return x


def clamp_(x, min=None, max=None):  # noqa: A002
    """Limit x to [min, max] in place."""
    x._check_inplace("clamp_")
    backend.array_module(x.array).clip(x.array, min, max, out=x.array)
    return x


def addcmul_(x, a, b, value=1):
    """x += value * a * b."""
    x._check_inplace("addcmul_")
    x.array += value * _array(a, x) * _array(b, x)
    return x


def addcdiv_(x, a, b, value=1):
    """x += value * a / b."""
    x._check_inplace("addcdiv_")
    x.array += value * _array(a, x) / _array(b, x)
    return x


def masked_fill_(x, mask, value):
    """Set x to ``value`` where ``mask`` is True."""
    x._check_inplace("masked_fill_")
    backend.array_module(x.array).copyto(x.array, _array(value, x),
                                         where=_array(mask, x).astype(bool))
    return x


def normal_(x, mean=0.0, std=1.0):
    """Fill with normal samples from the process generator."""
    x._check_inplace("normal_")
    x.array[...] = backend.generator().normal(mean, std, x.shape)
    return x


def uniform_(x, a=0.0, b=1.0):
    """Fill with uniform samples in [a, b) from the process generator."""
    x._check_inplace("uniform_")
    x.array[...] = backend.generator().uniform(a, b, x.shape)
    return x
