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


def _install_torch_basics():
    """The tensor methods of the ops in ordering, scan, rearrange, scattering, pointwise,
    products, norms and inplace_math (issue 23)."""
    from ..autograd import creation
    from . import (inplace_math, norms, ordering, pointwise, products, rearrange, scan,
                   scattering as scatter)
    T = Tensor

    def new(make):
        def method(x, *size, dtype=None, requires_grad=False, device=None):
            return make(*size, dtype=dtype or x.dtype, requires_grad=requires_grad)
        method.__doc__ = f"``{make.__name__}`` with this tensor's dtype unless ``dtype`` is given."
        return method

    def new_full(x, size, fill_value, dtype=None, requires_grad=False, device=None):
        """``full`` with this tensor's dtype unless ``dtype`` is given."""
        return creation.full(size, fill_value, dtype=dtype or x.dtype, requires_grad=requires_grad)

    def new_tensor(x, data, dtype=None, requires_grad=False, device=None):
        """``tensor(data)`` with this tensor's dtype unless ``dtype`` is given."""
        return creation.tensor(data, dtype=dtype or x.dtype, requires_grad=requires_grad)

    def stride(x, dim=None):
        """The step in elements between neighbours along each dim (or along ``dim``)."""
        steps = tuple(s // x.array.itemsize for s in x.array.strides)
        return steps if dim is None else steps[dim]

    methods = {
        "clone": rearrange.clone, "contiguous": rearrange.contiguous,
        "is_contiguous": lambda x, memory_format=None: bool(x.array.flags.c_contiguous),
        "new_zeros": new(creation.zeros), "new_ones": new(creation.ones),
        "new_empty": new(creation.empty), "new_full": new_full, "new_tensor": new_tensor,
        "nelement": T.numel, "ndimension": T.dim, "stride": stride,
        # indexing and rearranging
        "scatter": scatter.scatter, "scatter_": scatter.scatter_,
        "scatter_add": scatter.scatter_add, "scatter_add_": scatter.scatter_add_,
        "masked_select": scatter.masked_select, "take_along_dim": rearrange.take_along_dim,
        "repeat_interleave": rearrange.repeat_interleave, "roll": rearrange.roll,
        "tril": rearrange.tril, "triu": rearrange.triu, "diag": rearrange.diag,
        "diagonal": rearrange.diagonal, "trace": rearrange.trace,
        "narrow": rearrange.narrow, "select": rearrange.select, "unfold": rearrange.unfold,
        "movedim": rearrange.movedim, "moveaxis": rearrange.movedim, "tile": rearrange.tile,
        # ordering and scans
        "sort": ordering.sort, "argsort": ordering.argsort, "topk": ordering.topk,
        "kthvalue": ordering.kthvalue, "median": ordering.median,
        "quantile": ordering.quantile, "nonzero": ordering.nonzero,
        "unique": ordering.unique, "bincount": ordering.bincount,
        "cumsum": scan.cumsum, "cumprod": scan.cumprod, "diff": scan.diff,
        # products and norms
        "outer": products.outer, "dot": products.dot, "inner": products.inner,
        "addmm": products.addmm, "cross": products.cross, "norm": norms.norm,
        "dist": norms.dist,
        # elementwise math
        "lerp": pointwise.lerp, "fmod": pointwise.fmod, "remainder": pointwise.remainder,
        "floor_divide": pointwise.floor_divide, "true_divide": pointwise.true_divide,
        "nan_to_num": pointwise.nan_to_num, "frac": pointwise.frac, "trunc": pointwise.trunc,
        "sinh": pointwise.sinh, "cosh": pointwise.cosh, "tan": pointwise.tan,
        "atan": pointwise.atan, "atan2": pointwise.atan2, "asin": pointwise.asin,
        "acos": pointwise.acos, "log2": pointwise.log2, "log10": pointwise.log10,
        "exp2": pointwise.exp2, "expm1": pointwise.expm1,
        # in place
        "abs_": inplace_math.abs_, "exp_": inplace_math.exp_, "log_": inplace_math.log_,
        "sqrt_": inplace_math.sqrt_, "pow_": inplace_math.pow_,
        "square_": inplace_math.square_, "neg_": inplace_math.neg_,
        "sigmoid_": inplace_math.sigmoid_, "tanh_": inplace_math.tanh_,
        "relu_": inplace_math.relu_, "squeeze_": inplace_math.squeeze_,
        "unsqueeze_": inplace_math.unsqueeze_,
    }
    for name, fn in methods.items():
        setattr(T, name, fn)


_install_torch_basics()
