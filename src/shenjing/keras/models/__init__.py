"""``keras.models``: ``Model`` (compile / fit / evaluate / predict; ``Model(inputs,
outputs)`` makes a ``Functional``), ``Sequential``, and ``load_model`` for ``.keras`` files."""

from ..saving import load_model
from .functional import Functional
from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "Functional", "load_model"]
