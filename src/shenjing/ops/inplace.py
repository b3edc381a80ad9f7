"""In-place updates (``p.add_(g, alpha=-lr)``, ``w.zero_()``, ``w.normal_(0, 0.02)``).

They change the array itself and are not recorded: allowed on tensors outside the
graph, and on parameters inside ``no_grad()``.  Each one counts a new version of the
tensor, so that backward can tell when a value it needs was overwritten.
"""

from .. import backend
from ..autograd.function import ShapeError
from ..autograd.tensor import Tensor


def _array(value, like, op=None):
    """The raw value for an update of ``like``; with ``op``, refuse (naming ``op`` and both
    shapes) a value that does not broadcast to ``like``'s shape, which must not change."""
    if isinstance(value, Tensor):
        value = value.array
    if op is not None:
        shape = getattr(value, "shape", ())
        if shape != like.array.shape and shape != ():
            lead = like.array.ndim - len(shape)
            if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, like.array.shape[lead:])):
                raise ShapeError(f"{op}: a value of shape {tuple(shape)} does not broadcast to "
                                 f"the tensor's shape {like.array.shape}")
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
    src = _array(src, x, "copy_")
    x._check_inplace("copy_")
    backend.array_module(x.array).copyto(x.array, src, casting="unsafe")
    return x


def add_(x, other, alpha=1):
    """x += alpha * other."""
    other = _array(other, x, "add_")
    x._check_inplace("add_")
    x.array += other if alpha == 1 else other * alpha
    return x


def sub_(x, other, alpha=1):
    """x -= alpha * other."""
    other = _array(other, x, "sub_")
    x._check_inplace("sub_")
    x.array -= other if alpha == 1 else other * alpha
    return x


def mul_(x, other):
    """x *= other."""
    other = _array(other, x, "mul_")
    x._check_inplace("mul_")
    x.array *= other
    return x


def div_(x, other):
    """x /= other."""
    other = _array(other, x, "div_")
    x._check_inplace("div_")
    x.array /= other
    return x


def clamp_(x, min=None, max=None):  # noqa: A002
    """Limit x to [min, max] in place."""
    x._check_inplace("clamp_")
    backend.array_module(x.array).clip(x.array, min, max, out=x.array)
    return x


def addcmul_(x, a, b, value=1):
    """x += value * a * b."""
    a, b = _array(a, x, "addcmul_"), _array(b, x, "addcmul_")
    x._check_inplace("addcmul_")
    x.array += value * a * b
    return x


def addcdiv_(x, a, b, value=1):
    """x += value * a / b."""
    a, b = _array(a, x, "addcdiv_"), _array(b, x, "addcdiv_")
    x._check_inplace("addcdiv_")
    x.array += value * a / b
    return x


def masked_fill_(x, mask, value):
    """Set x to ``value`` where ``mask`` is True."""
    mask = _array(mask, x, "masked_fill_")
    x._check_inplace("masked_fill_")
    backend.array_module(x.array).copyto(x.array, _array(value, x), where=mask.astype(bool))
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
