"""Which builder writes the ONNX nodes of which layer class.

``@builds(Dense, Linear)`` registers a function ``build(ex, call)`` (``ex``: the
``Exporter``, ``call``: the recorded ``trace.Call``) for those exact classes: a user's
subclass may compute something else in its ``call``/``forward``, so it is not taken for
its parent.  The builder files register on import (``__init__`` imports them all).
"""

#: layer class -> builder function
BUILDERS = {}


class Unsupported(NotImplementedError):
    """A layer, an option of one, or an op between layers that has no ONNX equivalent here;
    the message names the layer (its path in the model) and the op."""


def builds(*classes):
    """Decorator: register the function as the builder of ``classes``."""
    def register(function):
        for cls in classes:
            BUILDERS[cls] = function
        return function
    return register


#: layer classes whose call is walked into like a container's: their ops are exported as the
#: ops between layers are (``functions.py``)
TRANSPARENT = set()


def passes_through(*classes):
    """Register ``classes`` as walked into (``Lambda``: its function is ops)."""
    TRANSPARENT.update(classes)


def builder_of(module):
    """The builder registered for ``type(module)``, or None."""
    return BUILDERS.get(type(module))
