"""``keras.Input``: the symbolic input of a model, given before any data is seen.

``keras.Input(shape=(784,))`` makes an ``InputLayer`` and returns its output, a
``KerasTensor`` of shape ``(None, 784)``.  Calling layers on it builds a functional model::

    inputs = keras.Input(shape=(784,), name="pixels")
    outputs = layers.Dense(10, activation="softmax")(layers.Dense(64)(inputs))
    model = keras.Model(inputs, outputs)

As the first entry of a ``Sequential`` it gives the input shape, so the model is built at
once (weights made, ``summary()`` available), as ``input_shape=`` on a first layer does.
"""

from .keras_tensor import KerasTensor, Node
from .layer import Layer


class InputLayer(Layer):
    """The source of a functional model's input: ``output`` is its KerasTensor of shape
    ``batch_shape`` = (batch_size, *shape) (batch_size None: any); called on data it returns
    the data unchanged.  ``input_shape`` is Keras 2's name for ``shape``."""

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, batch_shape=None,
                 input_shape=None, sparse=None, ragged=None, input_tensor=None, **kwargs):
        who = f"{name or 'Input'}"
        for arg, value in (("sparse", sparse), ("ragged", ragged), ("tensor", input_tensor)):
            if value:
                raise NotImplementedError(f"{who}: {arg}= inputs are not supported")
        shape = shape if shape is not None else input_shape
        if batch_shape is not None:
            batch_shape = tuple(batch_shape)
        elif shape is not None:
            batch_shape = (batch_size,) + (tuple(shape) if isinstance(shape, (list, tuple))
                                           else (shape,))
        else:
            raise ValueError(f"{who}: give `shape` (without the batch axis) or `batch_shape`")
        super().__init__(name=name, dtype=dtype, **kwargs)   # default: "input_layer"
        self.batch_shape = tuple(None if n is None else int(n) for n in batch_shape)
        self.output = KerasTensor(self.batch_shape, self.dtype, self.name, Node(self, (), {}))
        self.output.node.outputs.append(self.output)
        self.built = True

    def call(self, inputs):
        """The inputs, unchanged."""
        return inputs

    def get_config(self):
        return {**super().get_config(), "batch_shape": list(self.batch_shape)}

    def extra_repr(self):
        return f"name={self.name!r}, batch_shape={self.batch_shape}"


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, sparse=None,
          ragged=None, tensor=None, **kwargs):
    """A ``KerasTensor`` standing for a batch of inputs of ``shape`` (without the batch axis;
    ``None`` for a size known only from the data, e.g. ``(None,)`` for token sequences of
    any length) and ``dtype`` (``"float32"``; ``"int64"`` for token ids); ``name`` is the key
    of this input when a model is given a dict.

    >>> keras.Input(shape=(784,)).shape      # (None, 784)
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                      batch_shape=batch_shape, sparse=sparse, ragged=ragged, input_tensor=tensor,
                      **kwargs).output
