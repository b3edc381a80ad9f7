"""``keras.models``: ``Model`` (compile / fit / evaluate / predict), ``Sequential``, and
``load_model`` for ``.keras`` files."""

from ..saving import load_model
from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "load_model"]
