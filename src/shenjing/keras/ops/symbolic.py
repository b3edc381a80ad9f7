"""keras.ops on KerasTensors: in a functional model, ``keras.ops.relu(x)`` on
``x = keras.Input(...)`` becomes a layer of the graph, as in Keras 3.

The op and its non-symbolic arguments are kept by an ``OpLayer``; the KerasTensors among
the arguments are its inputs.  The functional machinery (``symbolic_call``) then runs it on
zeros for its output shape and records the node, like any other layer.  (Such a model
runs, fits and predicts; saving it would need the op by name, which is not stored.)
"""

from ..layers.keras_tensor import KerasTensor, flatten, map_structure
from ..layers.layer import Layer


class OpLayer(Layer):
    """A layer that calls ``op(*args, **kwargs)`` with its inputs, the KerasTensors of the
    arguments, put back in their places."""

    def __init__(self, op, args, kwargs):
        super().__init__(name=op.__name__)
        self.op = op
        self.template = (tuple(args), dict(kwargs))

    def call(self, inputs):
        values = iter(inputs)
        args, kwargs = map_structure(
            lambda leaf: next(values) if isinstance(leaf, KerasTensor) else leaf, self.template)
        return self.op(*args, **kwargs)

    def get_config(self):
        raise TypeError(f"{self.name}: a keras.ops call on KerasTensors ({self.op.__name__}) "
                        f"cannot be saved in a config yet; wrap it in a custom layer")


def symbolic(op, args, kwargs):
    """The KerasTensor(s) of ``op(*args, **kwargs)`` in a functional graph."""
    leaves = [leaf for leaf in flatten((list(args), kwargs)) if isinstance(leaf, KerasTensor)]
    return OpLayer(op, args, kwargs)(leaves)
