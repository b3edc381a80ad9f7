"""Utilities beside the engine, as ``torch.utils``: ``shenjing.utils.data`` (datasets,
samplers, ``DataLoader``).

Nothing is imported here eagerly: ``shenjing.utils.data`` is loaded the first time it is
used (``import shenjing.utils.data`` or the attribute ``shenjing.utils.data``).
"""

import importlib

_SUBMODULES = ("data",)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
