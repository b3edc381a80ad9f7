"""``keras.initializers``: how a Keras layer's weights start, with Keras's names and formulas.

An initializer is a callable ``init(shape, dtype=None) -> numpy array`` of that shape and
dtype (float32 by default).  The scaled ones keep the variance of activations and gradients
steady from layer to layer, from the weight's fans (Keras's layout: a kernel is
``(fan_in, fan_out)``, a convolution kernel ``(*kernel_size, in, out)``):

* Glorot / Xavier (tanh, sigmoid):  Var(W) = 2 / (fan_in + fan_out)
* He / Kaiming (ReLU):              Var(W) = 2 / fan_in
* LeCun (SELU):                     Var(W) = 1 / fan_in

all three being ``VarianceScaling(scale, mode)`` with Var(W) = scale / n.

Random numbers come from shenjing's process generator (``shenjing.manual_seed``), or, when
an initializer is given ``seed=``, from a generator of that seed made afresh on each call,
so that a seeded initializer gives the same values every time (as Keras's does).

    init = get("he_normal")
    w = init((784, 256), "float32")              # std ~ sqrt(2 / 784)
    get({"class_name": "Constant", "config": {"value": 0.1}})((3,))
"""

import math
import numbers

import numpy

from .. import backend
from ..nn import init
from . import registry

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "Identity", "RandomNormal",
           "RandomUniform", "TruncatedNormal", "VarianceScaling", "GlorotUniform",
           "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform",
           "Orthogonal", "compute_fans", "get", "serialize", "deserialize"]

#: the stddev of a unit normal truncated to [-2, 2]: dividing by it gives the truncated
#: draw the variance asked for
TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape):
    """``(fan_in, fan_out)`` of a weight of ``shape``, Keras's convention: ``(in, out)`` for a
    matrix; ``(in * k, out * k)`` for a kernel ``(*kernel_size, in, out)`` with k the product
    of the kernel size; ``(n, n)`` for a vector of n; ``(1, 1)`` for a scalar."""
    shape = tuple(int(n) for n in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _float_dtype(dtype, who):
    dtype = numpy.dtype(dtype or "float32")
    if dtype.kind != "f":
        raise ValueError(f"{who}: random initial values need a float dtype, got {dtype}")
    return dtype


def truncated_normal(rng, shape, mean, stddev):
    """Draws of N(mean, stddev^2), those more than 2 stddev from the mean drawn again."""
    return init.truncated_normal(rng, shape, mean, stddev, mean - 2 * stddev, mean + 2 * stddev)


class Initializer(registry.Configurable):
    """Base of the initializers: ``init(shape, dtype=None)`` gives an array; ``get_config()``
    gives the constructor's arguments, so that ``cls.from_config(config)`` makes it again."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} has no __call__(shape, dtype)")


class _Random(Initializer):
    """An initializer that draws random numbers: from a generator of its own ``seed``, or
    from the process generator when the seed is None."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"{type(self).__name__}: seed must be an int or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)

    def generator(self):
        """A fresh ``numpy.random.Generator`` of ``seed``, or shenjing's process generator."""
        return backend.generator() if self.seed is None else numpy.random.default_rng(self.seed)

    def get_config(self):
        return {"seed": self.seed}


# ---------------------------------------------------------------- constants


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return numpy.zeros(shape, numpy.dtype(dtype or "float32"))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return numpy.ones(shape, numpy.dtype(dtype or "float32"))


class Constant(Initializer):
    """Every element ``value``."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return numpy.full(shape, self.value, numpy.dtype(dtype or "float32"))

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-d shapes only; a rectangle gets ones on its
    main diagonal)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity: needs a 2-d shape, got {tuple(shape)}")
        return (self.gain * numpy.eye(*shape)).astype(numpy.dtype(dtype or "float32"))

    def get_config(self):
        return {"gain": self.gain}


# ---------------------------------------------------------------- fixed distributions


class RandomNormal(_Random):
    """Draws of N(mean, stddev^2)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype, type(self).__name__)
        return self.generator().normal(self.mean, self.stddev, shape).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(_Random):
    """Draws of U(minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype, type(self).__name__)
        return self.generator().uniform(self.minval, self.maxval, shape).astype(dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class TruncatedNormal(_Random):
    """Draws of N(mean, stddev^2) kept within 2 stddev of the mean (others drawn again)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype, type(self).__name__)
        return truncated_normal(self.generator(), shape, self.mean, self.stddev).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


# ---------------------------------------------------------------- scaled to the fans


class VarianceScaling(_Random):
    """Zero-mean draws with Var(W) = scale / n, n = fan_in, fan_out or (fan_in + fan_out) / 2
    (``mode``), from ``distribution``:

    * ``"truncated_normal"``: N(0, s^2) kept within 2 s, s = sqrt(scale / n) / 0.8796...
      (the truncation shrinks the stddev by that factor);
    * ``"untruncated_normal"`` (or ``"normal"``): N(0, scale / n);
    * ``"uniform"``: U(-limit, limit), limit = sqrt(3 scale / n).
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        name = type(self).__name__
        if not scale > 0:
            raise ValueError(f"{name}: scale must be positive, got {scale!r}")
        if mode not in self.MODES:
            raise ValueError(f"{name}: mode must be one of {self.MODES}, got {mode!r}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "untruncated_normal"
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"{name}: distribution must be one of {self.DISTRIBUTIONS}, "
                             f"got {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def variance(self, shape):
        """scale / n for a weight of ``shape``."""
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return self.scale / max(1.0, n)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype, type(self).__name__)
        variance, rng = self.variance(shape), self.generator()
        if self.distribution == "truncated_normal":
            values = truncated_normal(rng, shape, 0.0, math.sqrt(variance) / TRUNCATED_STDDEV)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), shape)
        else:
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, shape)
        return values.astype(dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


class _Scaled(VarianceScaling):
    """A ``VarianceScaling`` of fixed scale, mode and distribution; its config is the seed."""

    preset = {}

    def __init__(self, seed=None):
        super().__init__(seed=seed, **self.preset)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Scaled):
    """Glorot/Xavier uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)),
    so Var(W) = 2 / (fan_in + fan_out).  Keras's default kernel initializer."""
    preset = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_Scaled):
    """Glorot/Xavier normal: truncated normal with Var(W) = 2 / (fan_in + fan_out)."""
    preset = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class HeUniform(_Scaled):
    """He/Kaiming uniform: U(-limit, limit), limit = sqrt(6 / fan_in), so Var(W) = 2 / fan_in."""
    preset = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class HeNormal(_Scaled):
    """He/Kaiming normal: truncated normal with Var(W) = 2 / fan_in (for ReLU layers)."""
    preset = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class LecunUniform(_Scaled):
    """LeCun uniform: U(-limit, limit), limit = sqrt(3 / fan_in), so Var(W) = 1 / fan_in."""
    preset = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_Scaled):
    """LeCun normal: truncated normal with Var(W) = 1 / fan_in (for SELU networks)."""
    preset = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


class Orthogonal(_Random):
    """``gain`` times a random (semi-)orthogonal matrix, reshaped: the weight is seen as a
    matrix (prod(shape[:-1]), shape[-1]) whose columns (or rows, if fewer) are orthonormal,
    from the QR decomposition of a normal draw."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: needs a shape of at least 2 dims, got {tuple(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        q = init.orthogonal(self.generator(), rows, cols, self.gain)
        return q.reshape(shape).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


# ---------------------------------------------------------------- lookup by name

CLASSES = (Zeros, Ones, Constant, Identity, RandomNormal, RandomUniform, TruncatedNormal,
           VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal,
           LecunUniform, Orthogonal)


#: every name ``get`` knows: the class names and Keras's snake_case names
NAMES = {**{cls.__name__: cls for cls in CLASSES},
         "zeros": Zeros, "ones": Ones, "constant": Constant, "identity": Identity,
         "random_normal": RandomNormal, "random_uniform": RandomUniform,
         "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
         "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
         "he_normal": HeNormal, "he_uniform": HeUniform, "lecun_normal": LecunNormal,
         "lecun_uniform": LecunUniform, "orthogonal": Orthogonal}


def deserialize(config):
    """An initializer from ``{"class_name": ..., "config": {...}}`` (Keras's format; other
    keys such as ``"module"`` are ignored)."""
    return registry.deserialize(config, "initializer", NAMES)


def serialize(initializer):
    """``{"class_name": ..., "config": {...}}`` for one of Keras's initializers; any other
    callable is returned as is (it cannot be written to JSON)."""
    return registry.serialize(initializer) if type(initializer) in CLASSES else initializer


def get(identifier):
    """An initializer from a name (``"glorot_uniform"`` or ``"GlorotUniform"``), a config
    dict, an initializer class or object, or any callable ``(shape, dtype) -> array``
    (returned as is); None stays None, as in Keras."""
    return registry.get(identifier, "initializer", NAMES, Initializer,
                        "a name such as 'glorot_uniform', a config dict, or a callable "
                        "(shape, dtype) -> array")
