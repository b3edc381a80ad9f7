"""``shenjing.compile`` (``torch.compile``): accepted, and today a no-op.

``compile(model)`` returns a callable that runs the model exactly as before; for a module
it is an ``OptimizedModule``, a module whose sub-module ``_orig_mod`` is the model (its
parameters are the model's, ``state_dict`` keys start with ``_orig_mod.`` as in torch) and
which looks up the attributes it lacks on the model.  Nothing is traced: this
is the one place where whole-graph compilation (capturing the op graph of a forward and
fusing it into numba kernels) can come later, without changing the code that calls it.
"""

import functools

from .nn.modules.module import Module

MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


class OptimizedModule(Module):
    """A compiled module, as torch's: a module holding the model as its sub-module
    ``_orig_mod`` (so ``state_dict`` keys start with ``_orig_mod.``); calls run the model and
    attributes it does not have itself are looked up on the model."""

    def __init__(self, module):
        super().__init__()
        self._orig_mod = module

    def forward(self, *args, **kwargs):
        """The model's forward, called through the model (its hooks included)."""
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            modules = self.__dict__.get("_modules")
            if modules is None or "_orig_mod" not in modules:
                raise
            return getattr(modules["_orig_mod"], name)

    def extra_repr(self):
        return "compiled: no-op (runs the module as it is)"


def compile(model=None, *, fullgraph=False, dynamic=None,  # noqa: A001 - torch.compile
            backend="inductor", mode=None, options=None, disable=False):
    """Return ``model`` ready to run, with ``torch.compile``'s signature (no compilation yet).

    ``model``: a module or a function (or None: then a decorator is returned).  A module
    comes back as an ``OptimizedModule`` (``._orig_mod`` is the module), a function as a
    wrapper with the function's name and docstring.  The options are checked and recorded.
    """
    if mode not in MODES:
        raise ValueError(f"compile: mode must be one of {', '.join(map(repr, MODES))}, got "
                         f"{mode!r}")
    if mode is not None and options is not None:
        raise RuntimeError("compile: either mode or options can be given, not both")
    if not (isinstance(backend, str) or callable(backend)):
        raise TypeError(f"compile: backend must be a name or a callable, got "
                        f"{type(backend).__name__}")
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    if not callable(model):
        raise TypeError(f"compile: expected a module or a function, got {type(model).__name__}")
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model)

    @functools.wraps(model)
    def compiled(*args, **kwargs):
        return model(*args, **kwargs)
    return compiled


__all__ = ["compile", "OptimizedModule"]
