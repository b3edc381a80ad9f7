"""``shenjing.nn``: the PyTorch face's modules, functional ops, initialisers and utilities."""

from . import functional, init, utils
from .modules import *  # noqa: F401,F403 - the layers
from .modules import __all__ as _layer_names
from .parameter import Buffer, Parameter

__all__ = ["functional", "init", "utils", "Parameter", "Buffer"] + list(_layer_names)
