"""``keras.regularizers``: weight penalties added to the loss, with Keras's formulas.

A regularizer is a callable ``penalty(weight) -> scalar tensor``, differentiable in the
weight.  A layer given one (``Dense(..., kernel_regularizer=L2(1e-4))``) lists the penalty
of its current weights in ``layer.losses``; the training loop adds them to the loss.

* L1:   l1 * sum(|w|)          (pushes weights to exactly 0: sparse weights)
* L2:   l2 * sum(w^2)          (weight decay; Keras has no 1/2 in front)
* L1L2: both terms.

    penalty = get("l2")                      # L2(l2=0.01)
    loss = loss + sum(layer.losses)
"""

import numbers

from .. import ops
from . import registry

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize",
           "deserialize"]


def _factor(value, name, who):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"{who}: {name} must be a non-negative number, got {value!r}")
    return float(value)


class Regularizer(registry.Configurable):
    """Base of the regularizers: ``penalty(weight)`` gives a scalar tensor; ``get_config()``
    gives the constructor's arguments (``cls.from_config(config)`` makes it again)."""

    def __call__(self, weight):
        """The penalty of ``weight`` as a scalar tensor: none (0) in the base class."""
        return ops.sum(weight) * 0.0


class L1L2(Regularizer):
    """l1 * sum(|w|) + l2 * sum(w^2); a factor of 0 leaves its term out.  (Keras 3's defaults
    are 0 for both, so ``"l1_l2"`` by name is no penalty until given factors.)"""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(l1, "l1", type(self).__name__)
        self.l2 = _factor(l2, "l2", type(self).__name__)

    def __call__(self, weight):
        terms = []
        if self.l1:
            terms.append(self.l1 * ops.sum(ops.abs(weight)))
        if self.l2:
            terms.append(self.l2 * ops.sum(ops.square(weight)))
        if not terms:   # a zero of the weight's dtype, still a function of the weight
            return super().__call__(weight)
        return terms[0] if len(terms) == 1 else terms[0] + terms[1]

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1 * sum(|w|)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """l2 * sum(w^2)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


CLASSES = (L1, L2, L1L2)

#: Keras's lower-case aliases: ``kernel_regularizer=keras.regularizers.l2(0.01)``
l1, l2, l1_l2 = L1, L2, L1L2

#: every name ``get`` knows: the class names and Keras's lower-case aliases
NAMES = {"L1": L1, "L2": L2, "L1L2": L1L2, "l1": L1, "l2": L2, "l1_l2": L1L2}


def deserialize(config):
    """A regularizer from ``{"class_name": ..., "config": {...}}`` (other keys ignored)."""
    return registry.deserialize(config, "regularizer", NAMES)


def serialize(regularizer):
    """``{"class_name": ..., "config": {...}}`` for L1, L2, L1L2; None stays None; any other
    callable is returned as is (it cannot be written to JSON)."""
    return registry.serialize(regularizer) if type(regularizer) in CLASSES else regularizer


def get(identifier):
    """A regularizer from None (none), a name (``"l1"``, ``"l2"``, ``"l1_l2"`` and the class
    names), a config dict, a class or object, or any callable ``weight -> scalar tensor``."""
    return registry.get(identifier, "regularizer", NAMES, Regularizer,
                        "a name such as 'l2', a config dict, or a callable weight -> scalar "
                        "tensor")
