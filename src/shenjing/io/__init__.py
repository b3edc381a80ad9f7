"""Files: ``save``/``load`` (one safetensors file per object, never a pickle) and the
atomic writes every file of the library goes through."""

from .atomic import atomic_open, atomic_path
from .checkpoint import load, save

__all__ = ["atomic_open", "atomic_path", "load", "save"]
