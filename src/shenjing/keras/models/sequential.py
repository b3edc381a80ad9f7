"""``Sequential``: a model that is a list of layers, each feeding the next.

    model = keras.Sequential([
        keras.Input(shape=(28, 28)),            # or input_shape=(28, 28) on the first layer
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5, validation_split=0.1)

With the input shape known (an ``Input``, or ``input_shape=`` on the first layer) the
model is built at once, as in Keras: its weights exist and ``summary()`` works before any
data is seen; otherwise it is built by the first batch.  Layers are registered under their
names (``dense``, ``dense_1``, ...), which key its ``state_dict``.
"""

import numpy

from ...autograd import no_grad
from ...autograd.tensor import Tensor
from ...nn.modules.module import Module
from ..layers.input_layer import InputLayer
from ..layers.keras_tensor import KerasTensor
from .model import Model, call_layer


PROBE_LENGTH = 32


class Sequential(Model):
    """Layers applied one after the other: ``(N, ...) -> ... -> outputs``."""

    def __init__(self, layers=None, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self.input_spec = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        """The layers, in order (an ``Input`` is not one of them)."""
        return list(self._modules.values())

    def add(self, layer):
        """Append a layer (or set the input shape with ``keras.Input`` or an ``InputLayer``)."""
        if isinstance(layer, InputLayer):
            layer = layer.output
        if isinstance(layer, KerasTensor):
            if self._modules:
                raise ValueError(f"{self.name}: an Input must come before the layers")
            if layer.node is None or not isinstance(layer.node.layer, InputLayer):
                raise ValueError(f"{self.name}: a Sequential takes a KerasTensor only from "
                                 f"keras.Input, as its first entry; got {layer!r}, the output "
                                 f"of layer {layer.node.layer.name!r}")
            self.input_spec = layer
            self.build(layer.shape)
            return
        if not isinstance(layer, Module):
            raise TypeError(f"{self.name}: add() takes a layer, got {type(layer).__name__}")
        name = getattr(layer, "name", None) or f"layer_{len(self._modules)}"
        if name in self._modules:
            raise ValueError(f"{self.name}: all layers must have unique names; {name!r} is "
                             f"already in the model")
        first = not self._modules
        self.add_module(name, layer)
        self.built = False
        hint = getattr(layer, "input_shape_hint", None)
        if first and hint is not None and self.input_spec is None:
            self.input_spec = KerasTensor(hint)
        if self.input_spec is not None:
            self.build(self.input_spec.shape)

    def pop(self):
        """Remove and return the last layer."""
        if not self._modules:
            raise IndexError(f"{self.name}: pop() from a model without layers")
        name = next(reversed(self._modules))
        return self._modules.pop(name)

    def build(self, input_shape=None):
        """Make every layer's weights by passing one batch of zeros of ``input_shape``
        through the model (no gradients, inference mode)."""
        input_shape = input_shape or (self.input_spec and self.input_spec.shape)
        if input_shape is None:
            raise ValueError(f"{self.name}: build() needs an input shape")
        self._build_input_shape = tuple(input_shape)
        if self._modules:
            dtype = self.input_spec.dtype if self.input_spec is not None else "float32"
            # a free (None) dimension, such as a sequence's length, is probed at PROBE_LENGTH
            probe = tuple(PROBE_LENGTH if d is None else d for d in input_shape[1:])
            zeros = Tensor(numpy.zeros((1,) + probe, dtype))
            was_training = self.training
            self.eval()
            with no_grad():
                self.call(zeros, training=False)
            self.train(was_training)
        self.built = True

    def get_config(self):
        """The layers' configs in order, and the input shape the model was built for."""
        from ..saving import serialize
        shape = getattr(self, "_build_input_shape", None)
        return {**super().get_config(), "layers": [serialize(layer) for layer in self.layers],
                "build_input_shape": list(shape) if isinstance(shape, tuple) else None}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving import deserialize_layer
        config = dict(config)
        layers = [deserialize_layer(entry, custom_objects) for entry in config.pop("layers")]
        shape = config.pop("build_input_shape", None)
        model = cls(layers, **config)
        if shape is not None and not model.built:
            model.build(tuple(shape))
        return model

    def call(self, inputs, training=None):
        x = inputs
        for layer in self._modules.values():
            x = call_layer(layer, x, training)
        return x
