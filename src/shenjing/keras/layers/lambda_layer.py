"""Keras's ``Lambda``: any function of tensors as a layer, ``y = function(x, **arguments)``.

Saving.  A Lambda's function is code, and shenjing never writes code into a file nor runs
code from one (Keras marshals the bytecode and refuses it in ``safe_mode``).  So the
config stores only the function's *name*: one of keras's activations (``"relu"``, ...) is
saved as ``function_type: "activation"`` and found again by name; any other named,
module-level function (``def``) as ``"custom"``, found again only among the
``custom_objects`` given to ``load_model`` (never a same-named activation).  An anonymous
``lambda``, a nested function or a bound method cannot be named that way: ``get_config``
(hence ``model.save``) refuses it with an error that says what to write instead.

    double = Lambda(lambda x: 2 * x)
    double(shenjing.ones(2, 3))                 # (2, 3) of 2.0

    def scale(x, factor=1.0): return x * factor
    layer = Lambda(scale, arguments={"factor": 0.5})   # saved as "scale"; load with
    load_model(path, custom_objects={"scale": scale})
"""

import inspect
import json

import numpy

from ... import backend
from ...autograd import no_grad
from ...autograd.tensor import Tensor
from .. import activations
from .layer import Layer

#: the sizes given to unknown axes when an output shape is found by running on zeros
PROBE_SIZES = (7, 11)


def probe_output_shape(function, input_shape, dtype="float32"):
    """The output shape of ``function`` (one tensor in, one out) on inputs of
    ``input_shape``, found by running it twice on zeros with the unknown (None) axes set
    to two sizes: an output axis that follows them is None, the batch axis is the
    input's."""
    shapes = []
    for size in PROBE_SIZES:
        zeros = Tensor(backend.xp().zeros(tuple(size if n is None else n for n in input_shape),
                                          dtype))
        with no_grad():
            out = function(zeros)
        if not hasattr(out, "shape"):
            raise TypeError(f"expected one tensor as the output, got {type(out).__name__}")
        shapes.append(tuple(out.shape))
    shape = tuple(n if n == m else None for n, m in zip(*shapes))
    return (input_shape[0],) + shape[1:] if shape else shape


def function_name(function, who, what="function"):
    """The name a config stores for ``function``, or a ValueError when it has none that
    loading could find again (a lambda, a nested function, a method)."""
    name = getattr(function, "__name__", None)
    qualname = getattr(function, "__qualname__", "")
    if (not inspect.isfunction(function) and not inspect.isbuiltin(function)) or not name \
            or name == "<lambda>" or "<locals>" in qualname:
        raise ValueError(
            f"{who}: cannot save the {what} {function!r}: shenjing never stores code in a "
            f"file; define it with a module-level `def` (saved by name) and pass "
            f"custom_objects={{'<its name>': <the function>}} to load_model")
    return name


def function_type(function):
    """``"activation"`` for one of keras's activations (saved and found by name), else
    ``"custom"`` (found only in ``custom_objects``)."""
    return "activation" if isinstance(activations.serialize(function), str) else "custom"


def find_function(name, kind, custom_objects, who):
    """The function saved as ``name``: from ``custom_objects``, else, for ``kind``
    ``"activation"``, keras's activation of that name."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if kind == "activation":
        return activations.get(name)
    raise ValueError(f"{who}: the saved function {name!r} is unknown; loading never runs "
                     f"code from a file, so pass custom_objects={{{name!r}: <the "
                     f"function>}} to load_model")


class Lambda(Layer):
    """A layer that applies ``function(inputs, **arguments)`` (no weights), e.g.
    ``Lambda(lambda x: x[:, :, 0])``.  Shapes are the function's; ``output_shape`` (the
    shape without the batch axis, or a callable of the input shape) is what
    ``compute_output_shape`` reports, else it is found by running the function on zeros.
    A function that takes ``training`` (or ``mask``) is given it."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"{self.who}: function must be callable, got "
                            f"{type(function).__name__}")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"{self.who}: arguments must be a dict of keyword arguments, got "
                            f"{type(arguments).__name__}")
        if output_shape is not None and not callable(output_shape):
            output_shape = tuple(output_shape)
        if mask is not None:
            raise NotImplementedError(f"{self.who}: masking is not supported yet (mask=None)")
        self.function, self.arguments, self._output_shape = function, dict(arguments or {}), \
            output_shape
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):          # some builtins have no signature
            parameters = {}
        self._takes_training = "training" in parameters
        self._takes_mask = "mask" in parameters

    @property
    def who(self):
        return f"{self.name} (Lambda)"

    def call(self, inputs, training=None):
        kwargs = dict(self.arguments)
        if self._takes_training:
            kwargs["training"] = training
        if self._takes_mask:
            kwargs["mask"] = None
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        """``(batch,) + output_shape``, ``output_shape(input_shape)``, or the shape found on
        zeros (one input, one output) when ``output_shape`` was not given."""
        if callable(self._output_shape):
            return tuple(self._output_shape(tuple(input_shape)))
        if self._output_shape is not None:
            return (tuple(input_shape)[0],) + self._output_shape
        try:
            return probe_output_shape(self.call, tuple(input_shape), self.dtype)
        except Exception as e:
            raise ValueError(f"{self.who}: could not find the output shape for inputs of "
                             f"shape {tuple(input_shape)} ({e}); give output_shape=") from e

    def get_config(self):
        """The function (and a callable ``output_shape``) by name; ``arguments`` must be
        JSON-serializable.  Raises ValueError for what cannot be saved (see the module)."""
        output_shape = self._output_shape
        if callable(output_shape):
            output_shape = function_name(output_shape, self.who, "output_shape function")
        elif output_shape is not None:
            output_shape = list(output_shape)
        try:
            json.dumps(self.arguments, allow_nan=False, default=_no_default)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{self.who}: cannot save arguments {self.arguments!r}: they must "
                             f"be JSON values (numbers, strings, lists, dicts): {e}") from None
        if function_type(self.function) == "activation":
            name = activations.serialize(self.function)
        else:
            name = function_name(self.function, self.who)
        return {**super().get_config(), "function": name,
                "function_type": function_type(self.function), "output_shape": output_shape,
                "arguments": self.arguments}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A Lambda from ``get_config``'s dict: the function found by name in
        ``custom_objects`` or keras's activations, never from code in the config."""
        config = dict(config)
        who = f"{config.get('name', 'lambda')} (Lambda)"
        function = config.pop("function")
        kind = config.pop("function_type", "custom")
        if not isinstance(function, str):
            raise ValueError(f"{who}: the config must name the function (a string); got "
                             f"{type(function).__name__}: shenjing never loads code")
        shape = config.pop("output_shape", None)
        if isinstance(shape, str):
            shape = find_function(shape, "custom", custom_objects, who)
        return cls(find_function(function, kind, custom_objects, who), output_shape=shape,
                   **config)

    def extra_repr(self):
        return f"name={self.name!r}, function={getattr(self.function, '__name__', self.function)}"


def _no_default(value):
    if isinstance(value, numpy.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not a JSON value")
