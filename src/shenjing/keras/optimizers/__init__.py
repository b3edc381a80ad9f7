"""``keras.optimizers``: Keras 3's optimizers and learning-rate schedules.

``SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``, ``Nadam`` with Keras's names,
arguments, defaults and update formulas (they differ from PyTorch's in where epsilon
and the learning rate sit; each class says how).  ``get("adam")`` gives one with Keras's
defaults; ``schedules`` holds the learning-rate schedules.

>>> opt = keras.optimizers.Adam(learning_rate=1e-3, clipnorm=1.0)
>>> opt.apply_gradients([(w.grad, w), (b.grad, b)])
"""

from .. import registry
from . import schedules
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .nadam import Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

_CLASSES = [SGD, Adam, AdamW, RMSprop, Adagrad, Nadam]
_NAMES = {cls.__name__.lower(): cls for cls in _CLASSES}


def get(identifier):
    """The ``Optimizer`` that ``identifier`` names.

    An optimizer is returned as it is; a name (``"adam"``, ``"SGD"``, any case) or a class
    gives one with Keras's defaults; a dict ``{"class_name", "config"}`` is rebuilt.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _NAMES.get(identifier.lower())
        if cls is None:
            raise ValueError(f"unknown optimizer {identifier!r}; known: "
                             f"{', '.join(sorted(_NAMES))}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if hasattr(identifier, "param_groups"):
        raise TypeError(f"a shenjing.optim optimizer ({type(identifier).__name__}) was given to "
                        f"the Keras face; use keras.optimizers.{type(identifier).__name__} (or "
                        f"a name such as 'adam')")
    raise ValueError(f"could not interpret the optimizer {identifier!r}: give a name "
                     f"({', '.join(sorted(_NAMES))}) or a keras.optimizers.Optimizer")


serialize = registry.serialize


def deserialize(config, custom_objects=None):
    """An optimizer from ``{"class_name", "config"}`` (``custom_objects`` maps names to
    classes)."""
    cls, arguments = registry.find_class(config, "optimizer", {c.__name__: c for c in _CLASSES},
                                         custom_objects)
    return cls.from_config(arguments, custom_objects)   # a custom schedule may be inside


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "schedules",
           "get", "serialize", "deserialize"]
