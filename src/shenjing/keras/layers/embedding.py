"""Keras's ``Embedding`` layer: a table of ``input_dim`` vectors, looked up by token id.

The lookup is shenjing's embedding op (``ops/indexing.py``, the op of ``nn.Embedding``),
whose backward adds each position's gradient into its row of the table.

    embed = Embedding(10000, 64)
    embed(ids).shape             # ids (N, T) integers in [0, 10000) -> (N, T, 64)
"""

import numpy

from ... import ops
from ...autograd.tensor import Tensor
from .. import initializers, regularizers
from .layer import Layer


class Embedding(Layer):
    """Maps integer ids of any shape to vectors: ids.shape -> ids.shape + (output_dim,),
    with the weight ``embeddings`` (input_dim, output_dim), U(-0.05, 0.05) by default
    (Keras's ``"uniform"``).

    Float ids holding integers are cast, as Keras casts them; an id outside
    [0, input_dim) is an ``IndexError`` naming the layer, the id and ``input_dim``.
    ``mask_zero=True`` makes id 0 padding: the output carries the mask ``ids != 0`` (bool,
    ids.shape), which the next layers get as ``mask=`` (an LSTM skips the padded steps, a
    loss averages over the others), as in Keras; id 0 is still looked up in the table.
    ``input_length`` (Keras 2) is accepted and kept in the config.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, weights=None,
                 **kwargs):
        super().__init__(**kwargs)
        who = self.who
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{who}: {arg} must be a positive int, got {value!r}")
        if activity_regularizer is not None:
            raise NotImplementedError(f"{who}: activity_regularizer is not supported yet")
        if embeddings_constraint is not None:
            raise NotImplementedError(f"{who}: embeddings_constraint is not supported yet")
        self.input_dim, self.output_dim = input_dim, output_dim
        # Keras's "uniform" here is RandomUniform(-0.05, 0.05)
        init = "random_uniform" if embeddings_initializer == "uniform" else embeddings_initializer
        self.embeddings_initializer = initializers.get(init)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.mask_zero, self.input_length = bool(mask_zero), input_length
        self._initial_weights = weights

    @property
    def who(self):
        """``name (Class)``, how errors name the layer."""
        return f"{self.name} ({type(self).__name__})"

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          name="embeddings")
        self.built = True              # also when called directly, as Keras's build()
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def ids(self, inputs):
        """``inputs`` as an integer array of ids in [0, input_dim), or an error that says
        which id is out of range."""
        array = inputs.array if isinstance(inputs, Tensor) else numpy.asarray(inputs)
        if array.dtype.kind == "f":
            array = array.astype(numpy.int64)
        elif array.dtype.kind not in "iu":
            raise TypeError(f"{self.who}: expected integer token ids, got dtype {array.dtype}")
        if array.size:
            lo, hi = int(array.min()), int(array.max())
            if lo < 0 or hi >= self.input_dim:
                bad = lo if lo < 0 else hi
                raise IndexError(f"{self.who}: token id {bad} is outside [0, {self.input_dim}) "
                                 f"(input_dim={self.input_dim}); ids range from {lo} to {hi}")
        return array

    def call(self, inputs):
        return ops.embedding(self.ids(inputs), self.embeddings)

    def compute_mask(self, inputs, mask=None):
        """``ids != 0`` (a bool tensor of the ids' shape) when ``mask_zero``, else None; the
        layer's call attaches it to the output."""
        if not self.mask_zero:
            return None
        array = inputs.array if isinstance(inputs, Tensor) else numpy.asarray(inputs)
        return Tensor(array != 0)

    def get_config(self):
        config = {**super().get_config(), "input_dim": self.input_dim,
                  "output_dim": self.output_dim,
                  "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                  "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                  "activity_regularizer": None, "embeddings_constraint": None,
                  "mask_zero": self.mask_zero}
        if self.input_length is not None:
            config["input_length"] = self.input_length
        return config

    def extra_repr(self):
        return f"name={self.name!r}, input_dim={self.input_dim}, output_dim={self.output_dim}"
