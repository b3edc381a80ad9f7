"""What the Keras face's name registries share (initializers, regularizers, losses,
metrics, optimizers, schedules): Keras names an object by a string, by a config dict
``{"class_name": ..., "config": {...}}``, by its class, or gives the object itself.

    serialize(Adam(1e-3))   # {"class_name": "Adam", "config": {"learning_rate": 0.001, ...}}
"""

import re

from ..autograd.tensor import Tensor


def snake_case(name):
    """``"TextVectorization"`` -> ``"text_vectorization"``, as Keras names its layers: a
    ``_`` before each capitalised word and between a lower-case letter and a capital
    (``"GRUCell"`` -> ``"gru_cell"``, ``"Conv2D"`` -> ``"conv2d"``)."""
    words = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()


class Configurable:
    """Keras's config protocol: ``get_config()`` gives the constructor's arguments
    (JSON-serializable), ``cls.from_config(config)`` makes the object again."""

    def get_config(self):
        """The constructor's arguments (JSON-serializable)."""
        return {}

    @classmethod
    def from_config(cls, config):
        """An object made from ``get_config()``'s dict."""
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def get(identifier, kind, names, base, hint):
    """The object ``identifier`` names, for the registries of callables (initializers,
    regularizers): None stays None, a name in ``names`` or a subclass of ``base`` is made
    with its defaults, a config dict is rebuilt, any other callable is returned as is.
    Errors say the ``kind`` and, with ``hint``, what to give instead."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier not in names:
            raise ValueError(f"unknown {kind} {identifier!r}; known names: "
                             f"{', '.join(sorted(names))}")
        return names[identifier]()
    if isinstance(identifier, dict):
        return deserialize(identifier, kind, names)
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if callable(identifier) and not isinstance(identifier, Tensor):
        return identifier
    raise ValueError(f"could not interpret {kind} {identifier!r}: give {hint}")


def serialize(obj):
    """``{"class_name", "config"}`` of an object with ``get_config``."""
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


def deserialize(config, kind, classes, custom_objects=None):
    """The object ``config`` describes, made by its class's ``from_config``."""
    cls, arguments = find_class(config, kind, classes, custom_objects)
    return cls.from_config(arguments)


def find_class(config, kind, classes, custom_objects=None):
    """(class, its config) for ``{"class_name", "config"}``: the class found by name in
    ``custom_objects``, then in ``classes`` (name -> class).  ``kind`` names what it is,
    for errors."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"a {kind} config must be {{'class_name': ..., 'config': {{...}}}}, "
                         f"got {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or classes.get(name)
    if cls is None:
        raise ValueError(f"unknown {kind} {name!r} in {config!r}; known: "
                         f"{', '.join(sorted(classes))}")
    return cls, dict(config.get("config") or {})
