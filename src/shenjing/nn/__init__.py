"""``shenjing.nn``: the PyTorch face's modules, functional ops, initialisers and utilities."""

from . import functional, init, parallel, utils
from .modules import *  # noqa: F401,F403 - the layers
from .modules import __all__ as _layer_names
from .parameter import Buffer, Parameter

__all__ = ["functional", "init", "parallel", "utils", "Parameter", "Buffer"] + list(_layer_names)
