"""Keras 3's core ops and the helpers every ``keras.ops`` module shares.

Inputs may be shenjing tensors, NumPy arrays, nested lists or Python numbers; outputs are
shenjing tensors.  Keras's conversion rule (``convert_to_tensor``): a tensor or array keeps
its dtype, Python floats become ``float32`` (the default float dtype) and Python ints
``int32``.  Every public function is wrapped by ``keras_op``: an error from the engine
below is raised again under the function's Keras name (``keras.ops.matmul: ...``) with the
shapes it was given.
"""

import builtins
import functools

import numpy

from ... import backend, ops
from ...autograd.function import ShapeError
from ...autograd.tensor import Tensor
from ..layers.keras_tensor import KerasTensor

__all__ = ["convert_to_tensor", "convert_to_numpy", "cast", "shape", "ndim", "size", "dtype",
           "is_tensor", "stop_gradient", "slice", "cond", "fori_loop", "while_loop"]


# ------------------------------------------------------------------ shared helpers


def tensor(x, dtype=None):
    """``x`` as a shenjing tensor by Keras's conversion rule (a tensor is kept as it is)."""
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype == numpy.dtype(dtype) else x.type(dtype)
    if isinstance(x, (numpy.ndarray, numpy.generic)) or hasattr(x, "__cuda_array_interface__"):
        return Tensor(x, dtype=dtype)
    if isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in x):
        return tensor(ops.stack([tensor(v) for v in x]), dtype)   # keeps the gradient
    array = numpy.asarray(x)
    if dtype is None:
        if array.dtype.kind == "f":
            dtype = backend.get_default_dtype()
        elif array.dtype.kind in "iu":
            dtype = "int32"
    return Tensor(array, dtype=dtype)


def floating(x):
    """``x`` as a floating tensor: ints and bools become the default float dtype (Keras's
    ``mean`` of an int tensor is float32)."""
    x = tensor(x)
    return x if x.dtype.kind == "f" else x.type(backend.get_default_dtype())


def shape_of(x):
    """The shape of a tensor, array or number, as a tuple (for error messages)."""
    return tuple(getattr(x, "shape", numpy.shape(x)))


def fail(op, message, error=ShapeError):
    """Raise ``error`` whose message starts with the Keras name of ``op``."""
    raise error(f"keras.ops.{op}: {message}")


def broadcast_shape(op, *xs):
    """The broadcast shape of the inputs' shapes, or an error naming ``op`` and each shape."""
    shapes = [shape_of(x) for x in xs]
    try:
        return numpy.broadcast_shapes(*shapes)
    except ValueError:
        fail(op, f"shapes {' and '.join(map(str, shapes))} do not broadcast (each axis, "
                 f"aligned from the last, must be equal or 1)")


def axis_tuple(axis, ndim, op):
    """``axis`` (None, an int or a sequence) as a tuple of non-negative axes, or None."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, numpy.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -max(ndim, 1) <= a < max(ndim, 1):
            fail(op, f"axis {a} is out of range for a tensor with {ndim} axes", IndexError)
        out.append(int(a) % max(ndim, 1))
    return tuple(out)


def _symbolic(args, kwargs):
    """True when an argument (or an element of a list argument) is a KerasTensor."""
    for a in (*args, *kwargs.values()):
        if isinstance(a, KerasTensor) or (isinstance(a, (list, tuple)) and
                                          any(isinstance(b, KerasTensor) for b in a)):
            return True
    return False


def keras_op(fn):
    """Wrap a public op so that any error below it names ``keras.ops.<name>`` and the
    shapes of the tensor arguments (errors already naming it pass through unchanged);
    called on KerasTensors, the op becomes a layer of the functional graph."""
    prefix = f"keras.ops.{fn.__name__}"

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _symbolic(args, kwargs):
            from .symbolic import symbolic
            return symbolic(op, args, kwargs)
        try:
            return fn(*args, **kwargs)
        except (ValueError, IndexError, TypeError) as e:
            if str(e).startswith("keras."):
                raise
            shapes = [shape_of(a) for a in list(args) + list(kwargs.values())
                      if isinstance(a, (Tensor, numpy.ndarray))]
            got = f" (input shapes {', '.join(map(str, shapes))})" if shapes else ""
            error = type(e) if type(e) in (ValueError, IndexError, TypeError, ShapeError) \
                else ValueError
            raise error(f"{prefix}: {e}{got}") from e
    return op


# ------------------------------------------------------------------ core ops


@keras_op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` (tensor, array, list or number) as a tensor, cast to ``dtype`` if given.

    Arrays keep their dtype; Python floats become float32 and Python ints int32 (Keras)."""
    if sparse or ragged:
        fail("convert_to_tensor", "sparse and ragged tensors are not supported",
             NotImplementedError)
    return tensor(x, dtype)


@keras_op
def convert_to_numpy(x):
    """``x`` as a NumPy array (a tensor's values, detached from the graph)."""
    return numpy.asarray(x)


@keras_op
def cast(x, dtype):
    """``x`` with the dtype ``dtype`` (a name such as ``"float32"`` or a NumPy dtype); a
    float-to-float cast passes the gradient back."""
    return tensor(x).type(numpy.dtype(dtype))


@keras_op
def shape(x):
    """The shape of ``x`` as a tuple of ints."""
    return shape_of(x)


@keras_op
def ndim(x):
    """The number of axes of ``x``."""
    return len(shape_of(x))


@keras_op
def size(x):
    """The number of elements of ``x``."""
    return int(numpy.prod(shape_of(x), dtype=numpy.int64))


@keras_op
def dtype(x):
    """The dtype of ``x`` as Keras's string (``"float32"``)."""
    return str(tensor(x).dtype)


def is_tensor(x):
    """True for a shenjing tensor."""
    return isinstance(x, Tensor)


@keras_op
def stop_gradient(variable):
    """The same values with no gradient flowing back through them."""
    return tensor(variable).detach()


@keras_op
def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    """The block of ``inputs`` that starts at ``start_indices`` and has ``shape``
    (differentiable: the gradient lands in the block)."""
    x = tensor(inputs)
    if len(start_indices) != x.ndim or len(shape) != x.ndim:
        fail("slice", f"start_indices {tuple(start_indices)} and shape {tuple(shape)} need one "
                      f"entry per axis of the input of shape {x.shape}")
    index = tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))
    return x[index]


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()`` (eager: Python's ``if``)."""
    return true_fn() if bool(pred) else false_fn()


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for i in range(lower, upper); returns the last ``val``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most
    ``maximum_iterations`` times); a single loop variable may be given bare."""
    single = not isinstance(loop_vars, (tuple, list))
    state = (loop_vars,) if single else tuple(loop_vars)
    n = 0
    while bool(cond(*state)) and (maximum_iterations is None or n < maximum_iterations):
        state = body(*state)
        state = (state,) if single else tuple(state)
        n += 1
    return state[0] if single else state
