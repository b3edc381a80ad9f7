"""Keras's core layers: ``Dense``, ``Activation``, ``Flatten``, ``Dropout``, ``Reshape``.

Each is a ``Layer`` with Keras's arguments and conventions (weights made by ``build`` from
the first input, channels-last, the batch axis kept) around the op the PyTorch face uses
for the same job: ``Dense`` calls the fused linear op of ``nn.Linear``, ``Dropout`` the
inverted-dropout op of ``nn.Dropout``.

    hidden = Dense(256, activation="relu")
    y = hidden(x)                      # x (N, 784) -> (N, 256); kernel (784, 256), bias (256,)
    Dropout(0.2)(y, training=True)
"""

import contextlib
import math

import numpy

from ... import backend, ops
from ...autograd.tensor import Tensor
from ...ops.dropout import dropout
from ...ops.linalg import dense
from .. import activations, initializers, regularizers
from .layer import Layer


def layer_input(inputs, layer):
    """``inputs`` as a tensor of the layer's dtype: arrays are wrapped, tensors of another
    numeric dtype are cast (as Keras casts a layer's inputs to its compute dtype)."""
    x = inputs if isinstance(inputs, Tensor) else Tensor(numpy.asarray(inputs))
    if x.dtype != layer.dtype:
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{layer.name} ({type(layer).__name__}): expected numeric inputs, "
                            f"got dtype {x.dtype}")
        x = x.type(layer.dtype)
    return x


def kernel_config(layer):
    """The config keys of a layer with a kernel and a bias (Dense, Conv1D/2D): activation,
    use_bias, their initializers and regularizers (constraints are not supported)."""
    return {"activation": activations.serialize(layer.activation), "use_bias": layer.use_bias,
            "kernel_initializer": initializers.serialize(layer.kernel_initializer),
            "bias_initializer": initializers.serialize(layer.bias_initializer),
            "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
            "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}


class Dense(Layer):
    """The fully connected layer: y = activation(x @ kernel + bias) on the last axis,
    (..., in) -> (..., units), with kernel (in, units) and bias (units,) made on the first
    call.  Initializers and regularizers are Keras's (names, objects or callables); a
    regularized weight's penalty is listed in ``losses``."""

    supports_masking = True    # the mask of a sequence passes through unchanged

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"{self.name} (Dense): units must be a positive int, got {units!r}")
        if activity_regularizer is not None:
            raise NotImplementedError(f"{self.name} (Dense): activity_regularizer is not "
                                      f"supported yet; add a penalty on the outputs to the loss")
        for what, constraint in (("kernel", kernel_constraint), ("bias", bias_constraint)):
            if constraint is not None:
                raise NotImplementedError(f"{self.name} (Dense): {what}_constraint is not "
                                          f"supported yet")
        self.units, self.use_bias = units, bool(use_bias)
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build(self, input_shape):
        if input_shape is None or len(input_shape) < 1 or input_shape[-1] is None:
            raise ValueError(f"{self.name} (Dense): expected inputs of shape (..., features) "
                             f"with a known number of features, got shape {input_shape}")
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)
        else:
            self.bias = None

    def call(self, inputs):
        x = layer_input(inputs, self)
        features = self.kernel.shape[0]
        if x.ndim < 1 or x.shape[-1] != features:
            raise ValueError(f"{self.name} (Dense): expected inputs of shape (..., {features}), "
                             f"got shape {tuple(x.shape)}")
        return self.activation(dense(x, self.kernel, self.bias))   # nn.Linear's op, kernel layout

    def get_config(self):
        return {**super().get_config(), "units": self.units, **kernel_config(self)}

    def extra_repr(self):
        return (f"name={self.name!r}, units={self.units}, "
                f"activation={activations.serialize(self.activation)!r}")


class Activation(Layer):
    """Applies an activation function (a name such as ``"relu"``, or a callable) to its
    input: any shape -> the same shape."""

    supports_masking = True    # the mask of a sequence passes through unchanged

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(layer_input(inputs, self))

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Flatten(Layer):
    """Flattens each sample, keeping the batch axis: (N, d1, d2, ...) -> (N, d1 * d2 * ...),
    and (N,) -> (N, 1).  Channels-last data flattens as it lies; ``data_format=
    "channels_first"`` moves the channels last first, so that both orders give one layout."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        data_format = data_format or "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{self.name} (Flatten): data_format must be 'channels_last' or "
                             f"'channels_first', got {data_format!r}")
        self.data_format = data_format

    def call(self, inputs):
        x = inputs if isinstance(inputs, Tensor) else Tensor(numpy.asarray(inputs))
        if x.ndim < 1:
            raise ValueError(f"{self.name} (Flatten): expected inputs with a batch axis, got a "
                             f"0-d input")
        if x.ndim == 1:
            return x.reshape(x.shape[0], 1)
        if self.data_format == "channels_first" and x.ndim > 2:
            x = x.permute((0,) + tuple(range(2, x.ndim)) + (1,))
        return ops.flatten(x, 1)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


@contextlib.contextmanager
def _drawing_from(rng):
    """Let the process generator, from which the ops draw, draw as ``rng`` for a while; then
    each gets back its own stream (a layer's ``seed`` gives it a stream of its own)."""
    saved = backend.get_rng_state()
    backend.set_rng_state(rng.bit_generator.state)
    try:
        yield
    finally:
        rng.bit_generator.state = backend.get_rng_state()
        backend.set_rng_state(saved)


class Dropout(Layer):
    """Inverted dropout in training: each element is zeroed with probability ``rate`` and the
    rest are scaled by 1 / (1 - rate), so that inference (the identity) needs no scaling.

    ``noise_shape`` (a shape that broadcasts to the input's, None for the input's own size on
    that axis) shares one draw along its axes of size 1, e.g. ``(N, 1, C)`` drops whole
    channels of a sequence; ``seed`` gives the layer a random stream of its own.
    ``training`` None means the layer's mode (``train()`` / ``eval()``)."""

    supports_masking = True    # the mask of a sequence passes through unchanged

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"{self.name} (Dropout): rate must be a number in [0, 1], got "
                             f"{rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None if seed is None else numpy.random.default_rng(seed)

    def _noise_shape(self, shape):
        if len(self.noise_shape) != len(shape):
            raise ValueError(f"{self.name} (Dropout): noise_shape {self.noise_shape} does not "
                             f"match inputs of shape {shape}")
        noise = tuple(n if d is None else d for d, n in zip(self.noise_shape, shape))
        if any(d not in (1, n) for d, n in zip(noise, shape)):
            raise ValueError(f"{self.name} (Dropout): noise_shape {self.noise_shape} does not "
                             f"broadcast to inputs of shape {shape}")
        return noise

    def call(self, inputs, training=None):
        x = layer_input(inputs, self)
        if not self.is_training(training) or self.rate == 0:
            return x
        with _drawing_from(self._rng) if self._rng is not None else contextlib.nullcontext():
            if self.noise_shape is None:
                return dropout(x, self.rate)
            # the op's mask on ones of the noise shape, broadcast over the shared axes
            ones = Tensor(backend.array_module(x.array).ones(self._noise_shape(x.shape), x.dtype))
            return x * dropout(ones, self.rate)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed}


class Reshape(Layer):
    """Reshapes each sample to ``target_shape``, keeping the batch axis:
    (N, *in) -> (N, *target_shape); one entry may be -1, inferred from the size."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        if (any(isinstance(n, bool) or not isinstance(n, int) or (n < 1 and n != -1)
                for n in target_shape) or target_shape.count(-1) > 1):
            raise ValueError(f"{self.name} (Reshape): target_shape must be positive ints with at "
                             f"most one -1, got {target_shape}")
        self.target_shape = target_shape

    def output_shape_for(self, shape):
        """The output shape for inputs of ``shape`` (the batch axis kept), or a ValueError
        that names the layer, the target and the input."""
        size = math.prod(shape[1:])
        known = math.prod(n for n in self.target_shape if n != -1)
        target = self.target_shape
        if -1 in target and known and size % known == 0:
            target = tuple(size // known if n == -1 else n for n in target)
        if math.prod(target) != size or -1 in target:
            raise ValueError(f"{self.name} (Reshape): cannot reshape samples of shape "
                             f"{tuple(shape[1:])} ({size} values) into target_shape "
                             f"{self.target_shape}")
        return (shape[0],) + target

    def call(self, inputs):
        x = inputs if isinstance(inputs, Tensor) else Tensor(numpy.asarray(inputs))
        if x.ndim < 1:
            raise ValueError(f"{self.name} (Reshape): expected inputs with a batch axis, got a "
                             f"0-d input")
        return x.reshape(self.output_shape_for(tuple(x.shape)))

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}
