"""``keras.Input``: the shape of a model's inputs, given before any data is seen.

``Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), ...])`` builds the model at
once (weights made, ``summary()`` available), as the ``input_shape=`` argument of a first
layer does.  (Calling layers on an ``Input``, Keras's functional API, is not supported yet.)
"""

import numpy


class Input:
    """A placeholder for a batch of inputs: ``shape`` excludes the batch axis.

    >>> Input(shape=(784,)).batch_shape      # (None, 784)
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, batch_shape=None,
                 **kwargs):
        kwargs.pop("sparse", None), kwargs.pop("ragged", None), kwargs.pop("tensor", None)
        if kwargs:
            raise TypeError(f"Input: unexpected keyword arguments {sorted(kwargs)}")
        if batch_shape is not None:
            self.batch_shape = tuple(batch_shape)
        elif shape is not None:
            self.batch_shape = (batch_size,) + tuple(shape)
        else:
            raise ValueError("Input: give `shape` (without the batch axis) or `batch_shape`")
        self.shape = self.batch_shape
        self.dtype = numpy.dtype(dtype or "float32").name
        self.name = name

    def __repr__(self):
        return f"<Input shape={self.batch_shape}, dtype={self.dtype}, name={self.name}>"
