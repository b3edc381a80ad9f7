"""Keras's ``TimeDistributed``: one layer applied to every time step of a sequence.

The time axis is folded into the batch: (N, T, *F) is reshaped (a view where it can be)
to (N T, *F), the inner layer runs once on that batch, and its output (N T, *G) is
unfolded to (N, T, *G).  One call of the inner layer instead of T, with the same weights
for every step; the gradients of the steps add up in the weights by themselves.

    frames = TimeDistributed(Conv2D(8, 3))    # (N, T, H, W, C) -> (N, T, H-2, W-2, 8)
    tags = TimeDistributed(Dense(10))         # (N, T, F) -> (N, T, 10)
"""

from ...autograd.tensor import Tensor
from .core import layer_input
from .keras_tensor import KerasTensor
from .lambda_layer import probe_output_shape
from .layer import Layer


class TimeDistributed(Layer):
    """Applies ``layer`` (a Keras layer) to each time step: (N, T, *F) -> (N, T, *G) where
    the inner layer maps (N, *F) -> (N, *G).  Its weights are the inner layer's, made for
    the shape of one step."""

    supports_masking = True    # the time axis stays: a sequence's (N, T) mask passes on

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise TypeError(f"{self.name} (TimeDistributed): layer must be a keras layer, got "
                            f"{type(layer).__name__}")
        self.layer = layer

    def _step_shape(self, input_shape):
        if not isinstance(input_shape, tuple) or len(input_shape) < 3:
            raise ValueError(f"{self.name} (TimeDistributed): expected inputs (N, T, ...) with "
                             f"at least 3 dims, got shape {input_shape}")
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape):
        step = self._step_shape(tuple(input_shape) if input_shape is not None else None)
        self.layer._ensure_built(KerasTensor((None,) + step[1:]))

    def compute_output_shape(self, input_shape):
        """(N, T, *F) -> (N, T, *G), G from the inner layer's ``compute_output_shape`` (or
        a run on zeros where it has none)."""
        input_shape = tuple(input_shape)
        step = self._step_shape(input_shape)
        inner = getattr(self.layer, "compute_output_shape", None)
        out = inner(step) if inner is not None else probe_output_shape(
            lambda x: self.layer(x, training=False), step, self.dtype)
        return (out[0], input_shape[1]) + tuple(out[1:])

    def call(self, inputs, training=None):
        x = inputs if isinstance(inputs, Tensor) else layer_input(inputs, self)
        shape = tuple(x.shape)
        self._step_shape(shape)
        n, t = shape[:2]
        y = self.layer(x.reshape((n * t,) + shape[2:]), training=training)
        if not isinstance(y, Tensor):
            raise TypeError(f"{self.name} (TimeDistributed): the inner layer {self.layer.name} "
                            f"returned a {type(y).__name__}; it must return one tensor")
        return y.reshape((n, t) + tuple(y.shape[1:]))

    def get_config(self):
        from ..saving import serialize
        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The wrapper and its inner layer (by class name, as ``load_model`` finds layers)."""
        from ..saving import deserialize_layer
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)

    def extra_repr(self):
        return f"name={self.name!r}, layer={self.layer.name!r}"
