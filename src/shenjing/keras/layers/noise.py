"""Keras's noise layers, active only in training (the identity at inference):
``GaussianNoise``, ``GaussianDropout`` and ``AlphaDropout``.

- GaussianNoise(stddev):   y = x + e,  e ~ N(0, stddev^2)       (a regularizer on inputs)
- GaussianDropout(rate):   y = x * e,  e ~ N(1, rate / (1 - rate))
  (the variance of inverted dropout's mask, with a continuous multiplier)
- AlphaDropout(rate):      SELU's dropout (Klambauer et al. 2017).  A dropped unit is set
  to SELU's negative saturation alpha' = -lambda alpha instead of 0, and an affine map
  restores the mean and variance of inputs with mean 0 and variance 1:

      y = a (x k + alpha' (1 - k)) + b,   k ~ Bernoulli(1 - rate),
      a = ((1 - rate) (1 + rate alpha'^2))^(-1/2),   b = -a alpha' rate

  so dL/dx = a k.  The constants are Keras 3's.

Each draws from shenjing's generator, or with ``seed`` from a stream of its own (the same
seed gives the same noise, call after call).  ``training`` None means the layer's mode.

    noisy = GaussianNoise(0.1)
    noisy(x, training=True)          # x + N(0, 0.01) noise;  noisy(x) is x
"""

import contextlib
import math

import numpy

from ... import backend
from ...autograd.tensor import Tensor
from ...ops.activation import SELU_ALPHA, SELU_SCALE  # noqa: F401 - importable here too
from ...ops.channel_dropout import alpha_dropout
from .core import Dropout, _drawing_from, layer_input
from .layer import Layer


def _stream(layer):
    """Where the layer draws from: its own seeded stream, or the process generator."""
    return _drawing_from(layer._rng) if layer._rng is not None else contextlib.nullcontext()


def _normal(shape, dtype, mean, stddev):
    """An array of N(mean, stddev^2) numbers from the generator the ops draw from."""
    draw = backend.generator().standard_normal(shape, dtype=numpy.float64
                                               if dtype == numpy.float64 else numpy.float32)
    return (draw * stddev + mean).astype(dtype, copy=False)


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` in training:
    y = x + N(0, stddev^2), any shape; the identity at inference."""

    supports_masking = True    # the mask of a sequence passes through unchanged

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or \
                not stddev >= 0 or math.isinf(stddev):
            raise ValueError(f"{self.name} (GaussianNoise): stddev must be a finite number "
                             f">= 0, got {stddev!r}")
        self.stddev, self.seed = float(stddev), seed
        self._rng = None if seed is None else numpy.random.default_rng(seed)

    def call(self, inputs, training=None):
        x = layer_input(inputs, self)
        if not self.is_training(training) or self.stddev == 0:
            return x
        with _stream(self):
            noise = _normal(x.shape, x.dtype, 0.0, self.stddev)
        return x + Tensor(noise)

    def compute_output_shape(self, input_shape):
        """The input's shape."""
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Dropout):
    """Multiplicative Gaussian noise in training: y = x * N(1, rate / (1 - rate)), the
    mean and variance of inverted dropout's multiplier; the identity at inference.
    ``rate`` in [0, 1)."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, None, seed, **kwargs)
        if self.rate >= 1:
            raise ValueError(f"{self.name} (GaussianDropout): rate must be in [0, 1), got "
                             f"{rate!r}")

    def call(self, inputs, training=None):
        x = layer_input(inputs, self)
        if not self.is_training(training) or self.rate == 0:
            return x
        with _stream(self):
            noise = _normal(x.shape, x.dtype, 1.0, math.sqrt(self.rate / (1 - self.rate)))
        return x * Tensor(noise)

    def compute_output_shape(self, input_shape):
        """The input's shape."""
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        del config["noise_shape"]
        return config


class AlphaDropout(Dropout):
    """SELU's dropout in training (see the module docstring): dropped units go to
    -lambda alpha and an affine map keeps inputs of mean 0, variance 1 at mean 0,
    variance 1.  ``noise_shape`` shares one draw along its axes of size 1, as Dropout's;
    ``rate`` in [0, 1)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, noise_shape, seed, **kwargs)
        if self.rate >= 1:
            raise ValueError(f"{self.name} (AlphaDropout): rate must be in [0, 1), got "
                             f"{rate!r}")

    def call(self, inputs, training=None):
        x = layer_input(inputs, self)
        if not self.is_training(training) or self.rate == 0:
            return x
        shape = tuple(x.shape) if self.noise_shape is None else self._noise_shape(x.shape)
        with _stream(self):     # the math is the op's, shared with the PyTorch face
            return alpha_dropout(x, self.rate, True, shape, op=f"{self.name} (AlphaDropout)")

    def compute_output_shape(self, input_shape):
        """The input's shape."""
        return tuple(input_shape)
