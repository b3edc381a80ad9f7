"""Attach the ops to ``Tensor`` as methods and Python operators (``x + y``, ``x.sum(1)``).

The engine's ``Tensor`` knows nothing of the ops above it; this module, imported once by
``shenjing.ops``, gives it its arithmetic, as DeZero's ``setup_variable`` does.
"""

from ..autograd.tensor import Tensor
from . import (activation, arithmetic, comparison, elementwise, indexing, inplace, linalg,
               reduction, shape, special)




def _install():
    T = Tensor
    # operators
    T.__add__ = T.__radd__ = arithmetic.add
    T.__sub__ = arithmetic.sub
    T.__rsub__ = arithmetic.rsub
    T.__mul__ = T.__rmul__ = arithmetic.mul
    T.__truediv__ = arithmetic.div
    T.__rtruediv__ = arithmetic.rdiv
    T.__pow__ = arithmetic.pow
    T.__rpow__ = arithmetic.rpow
    T.__neg__ = arithmetic.neg
    T.__pos__ = lambda x: x
    T.__abs__ = elementwise.abs
    T.__matmul__ = linalg.matmul
    T.__rmatmul__ = lambda a, b: linalg.matmul(a.__class__(b) if not isinstance(b, T) else b, a)
    T.__floordiv__ = lambda a, b: arithmetic.div(a, b, rounding_mode="floor")
    T.__rfloordiv__ = arithmetic.rfloordiv
    T.__mod__ = lambda a, b: a - arithmetic.div(a, b, rounding_mode="floor") * b
    T.__rmod__ = lambda a, b: b - arithmetic.div(b, a, rounding_mode="floor") * a
    T.__eq__ = comparison.eq
    T.__ne__ = comparison.ne
    T.__lt__ = comparison.lt
    T.__le__ = comparison.le
    T.__gt__ = comparison.gt
    T.__ge__ = comparison.ge
    T.__and__ = comparison.logical_and
    T.__or__ = comparison.logical_or
    T.__xor__ = comparison.logical_xor
    T.__invert__ = comparison.invert
    T.__getitem__ = indexing.getitem
    T.__setitem__ = indexing.setitem
    T.__iadd__ = lambda a, b: _augmented(a, b, arithmetic.add, inplace.add_)
    T.__isub__ = lambda a, b: _augmented(a, b, arithmetic.sub, inplace.sub_)
    T.__imul__ = lambda a, b: _augmented(a, b, arithmetic.mul, inplace.mul_)
    T.__itruediv__ = lambda a, b: _augmented(a, b, arithmetic.div, inplace.div_)
    T.T = property(shape.matrix_transpose)
    T.mT = property(lambda x: shape.transpose(x, -2, -1))

    methods = {
        # arithmetic and math
        "add": arithmetic.add, "sub": arithmetic.sub, "mul": arithmetic.mul,
        "div": arithmetic.div, "pow": arithmetic.pow, "neg": arithmetic.neg,
        "exp": elementwise.exp, "log": elementwise.log, "log1p": elementwise.log1p,
        "sqrt": elementwise.sqrt, "rsqrt": elementwise.rsqrt, "abs": elementwise.abs,
        "sign": elementwise.sign, "sin": elementwise.sin, "cos": elementwise.cos,
        "clamp": elementwise.clamp, "clip": elementwise.clamp,
        "clamp_min": elementwise.clamp_min, "clamp_max": elementwise.clamp_max,
        "square": elementwise.square, "reciprocal": elementwise.reciprocal,
        "maximum": elementwise.maximum, "minimum": elementwise.minimum,
        "floor": elementwise.floor, "ceil": elementwise.ceil, "round": elementwise.round,
        "isnan": elementwise.isnan, "isinf": elementwise.isinf, "isfinite": elementwise.isfinite,
        "erf": special.erf,
        "where": lambda x, condition, other: elementwise.where(condition, x, other),
        # reductions
        "sum": reduction.sum, "mean": reduction.mean, "max": reduction.max,
        "min": reduction.min, "amax": reduction.amax, "amin": reduction.amin,
        "var": reduction.var, "std": reduction.std, "logsumexp": reduction.logsumexp,
        "prod": reduction.prod, "argmax": reduction.argmax, "argmin": reduction.argmin,
        "count_nonzero": reduction.count_nonzero,
        "all": reduction.all, "any": reduction.any,
        # shape
        "reshape": shape.reshape, "view": shape.view, "flatten": shape.flatten,
        "unflatten": shape.unflatten, "squeeze": shape.squeeze, "unsqueeze": shape.unsqueeze,
        "permute": shape.permute, "transpose": shape.transpose, "t": shape.t,
        "swapaxes": shape.transpose, "expand": shape.expand, "expand_as": shape.expand_as,
        "broadcast_to": shape.broadcast_to, "split": shape.split, "chunk": shape.chunk,
        "unbind": shape.unbind, "flip": shape.flip, "repeat": shape.repeat,
        "view_as": lambda x, other: shape.reshape(x, other.shape),
        "reshape_as": lambda x, other: shape.reshape(x, other.shape),
        "contiguous": lambda x: x,
        "type_as": lambda x, other: x.type(other.dtype),
        # indexing
        "gather": indexing.gather, "index_select": indexing.index_select,
        "masked_fill": indexing.masked_fill, "take": indexing.take,
        # linear algebra
        "matmul": linalg.matmul, "mm": linalg.matmul, "bmm": linalg.matmul,
        # activations
        "relu": activation.relu, "sigmoid": activation.sigmoid, "tanh": activation.tanh,
        "softmax": activation.softmax, "log_softmax": activation.log_softmax,
        # comparisons
        "eq": comparison.eq, "ne": comparison.ne, "lt": comparison.lt, "le": comparison.le,
        "gt": comparison.gt, "ge": comparison.ge, "equal": comparison.equal,
        "allclose": comparison.allclose, "isclose": comparison.isclose,
        "logical_not": comparison.logical_not, "logical_and": comparison.logical_and,
        "logical_or": comparison.logical_or, "logical_xor": comparison.logical_xor,
        # in place
        "zero_": inplace.zero_, "fill_": inplace.fill_, "copy_": inplace.copy_,
        "add_": inplace.add_, "sub_": inplace.sub_, "mul_": inplace.mul_, "div_": inplace.div_,
        "clamp_": inplace.clamp_, "addcmul_": inplace.addcmul_, "addcdiv_": inplace.addcdiv_,
        "masked_fill_": inplace.masked_fill_, "normal_": inplace.normal_,
        "uniform_": inplace.uniform_,
    }
    for name, fn in methods.items():
        setattr(T, name, fn)


def _augmented(a, b, out_of_place, in_place):
    # ``x += y`` changes x in place when nothing is recorded (a parameter update under
    # no_grad), and rebinds x to a new node of the graph when it is
    if a.requires_grad and _recording() or (isinstance(b, Tensor) and b.requires_grad and _recording()):
        return out_of_place(a, b)
    return in_place(a, b)


def _recording():
    from ..autograd import grad_mode
    return grad_mode._Mode.grad_enabled


_install()
