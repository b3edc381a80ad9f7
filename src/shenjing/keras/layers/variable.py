"""``Variable``: the weight ``add_weight`` makes, a ``Parameter`` with Keras 3's variable
methods, so that a custom layer can keep state that it updates by hand.

    self.total = self.add_weight(shape=(3,), initializer="zeros", trainable=False)
    self.total.assign_add(ops.sum(inputs, axis=0))      # a running total, in place

The updates write into the weight's array (no graph is recorded: a state update is not
differentiated, as in Keras) and count as an in-place change: a backward that saved the
old value refuses to run, as PyTorch's does.
"""

import numpy

from ...autograd.tensor import Tensor
from ...nn.parameter import Parameter


class Variable(Parameter):
    """A layer weight (``add_weight``): a ``Parameter`` with ``assign``, ``assign_add``,
    ``assign_sub`` and ``value`` as a Keras 3 variable has them; the value's shape never
    changes."""

    __slots__ = ()

    @property
    def value(self):
        """The variable itself, as the tensor it is (its ``.grad`` after backward)."""
        return self

    def _values(self, value, method):
        array = numpy.asarray(value.numpy() if isinstance(value, Tensor) else value)
        try:
            fits = numpy.broadcast_shapes(array.shape, self.shape) == tuple(self.shape)
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"Variable.{method}: a value of shape {array.shape} does not fit "
                             f"the variable's shape {tuple(self.shape)}")
        return array.astype(self.array.dtype, copy=False)

    def assign(self, value):
        """Set the variable to ``value`` (same shape, or broadcastable to it); returns it."""
        self.array[...] = self._values(value, "assign")
        self._version += 1
        return self

    def assign_add(self, value):
        """Add ``value`` to the variable in place; returns it."""
        self.array[...] += self._values(value, "assign_add")
        self._version += 1
        return self

    def assign_sub(self, value):
        """Subtract ``value`` from the variable in place; returns it."""
        self.array[...] -= self._values(value, "assign_sub")
        self._version += 1
        return self
