"""``keras.random``: Keras 3's random ops, drawn from NumPy generators.

The ``seed`` argument, as in Keras 3:

- ``None``: shenjing's one process generator (``keras.utils.set_random_seed(n)`` or
  ``shenjing.manual_seed(n)`` makes the whole program reproducible);
- an int: a fresh generator seeded with it, so the same call gives the same numbers
  every time (stateless);
- a ``SeedGenerator(seed)``: a generator of its own whose state moves on with each
  call, so successive calls differ while two ``SeedGenerator(42)`` give the same sequence.

    gen = keras.random.SeedGenerator(42)
    noise = keras.random.normal((32, 10), stddev=0.1, seed=gen)
    y = keras.random.dropout(x, rate=0.5, seed=gen)

``dropout`` is shenjing's inverted-dropout op (kept elements scaled by 1 / (1 - rate)),
differentiable; ``shuffle`` keeps the gradient too (it is a ``take``).
"""

import contextlib

import numpy

from .. import backend
from ..autograd.tensor import Tensor
from ..ops.dropout import dropout as _dropout
from .ops.core import floating, tensor
from .ops.manipulation import take

__all__ = ["SeedGenerator", "normal", "uniform", "truncated_normal", "randint", "dropout",
           "shuffle", "categorical"]


class SeedGenerator:
    """A generator of random numbers of its own: ``seed=`` of the random ops.

    ``SeedGenerator(42)`` always yields the same sequence; ``SeedGenerator()`` takes its
    seed from the process generator (reproducible after ``set_random_seed``)."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            seed = int(backend.generator().integers(2 ** 31))
        if not isinstance(seed, (int, numpy.integer)) or isinstance(seed, bool):
            raise TypeError(f"keras.random.SeedGenerator: seed must be an int or None, got "
                            f"{seed!r}")
        self.seed = int(seed)
        self.name = name or "seed_generator"
        self.generator = numpy.random.default_rng(self.seed)

    def next(self, ordered=True):
        """A new int seed drawn from this generator (moves its state on)."""
        return int(self.generator.integers(2 ** 31))

    def get_config(self):
        """The arguments that rebuild this generator at its start."""
        return {"seed": self.seed, "name": self.name}

    def __repr__(self):
        return f"<SeedGenerator seed={self.seed}>"


def _generator(seed, op):
    """The NumPy generator a ``seed`` argument stands for (see the module docstring)."""
    if seed is None:
        return backend.generator()
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if isinstance(seed, (int, numpy.integer)) and not isinstance(seed, bool):
        return numpy.random.default_rng(int(seed))
    raise TypeError(f"keras.random.{op}: seed must be None, an int or a "
                    f"keras.random.SeedGenerator, got {seed!r}")


def _shape(shape, op):
    try:
        return (int(shape),) if isinstance(shape, (int, numpy.integer)) else \
            tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f"keras.random.{op}: shape must be an int or a sequence of ints, got "
                        f"{shape!r}") from None


def _float_dtype(dtype, op):
    dtype = backend.get_default_dtype() if dtype is None else numpy.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"keras.random.{op}: dtype must be a floating dtype, got {dtype}")
    return dtype


def _standard_normal(gen, shape, dtype):
    draw = numpy.float64 if dtype == numpy.float64 else numpy.float32
    return gen.standard_normal(shape, dtype=draw)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of the normal distribution N(mean, stddev^2), of ``shape`` (float32)."""
    dtype = _float_dtype(dtype, "normal")
    z = _standard_normal(_generator(seed, "normal"), _shape(shape, "normal"), dtype)
    return Tensor((z * stddev + mean).astype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until they fall within two standard deviations of the mean."""
    dtype = _float_dtype(dtype, "truncated_normal")
    gen = _generator(seed, "truncated_normal")
    z = _standard_normal(gen, _shape(shape, "truncated_normal"), dtype)
    outside = numpy.abs(z) > 2
    while outside.any():
        z[outside] = _standard_normal(gen, int(outside.sum()), dtype)
        outside = numpy.abs(z) > 2
    return Tensor((z * stddev + mean).astype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of the uniform distribution on [minval, maxval), of ``shape`` (float32)."""
    dtype = _float_dtype(dtype, "uniform")
    u = _generator(seed, "uniform").random(_shape(shape, "uniform"))
    return Tensor((minval + u * (maxval - minval)).astype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval), of ``shape`` (int32)."""
    if int(maxval) <= int(minval):
        raise ValueError(f"keras.random.randint: maxval ({maxval}) must be larger than "
                         f"minval ({minval})")
    values = _generator(seed, "randint").integers(int(minval), int(maxval),
                                                  _shape(shape, "randint"))
    return Tensor(values.astype(dtype))


@contextlib.contextmanager
def _drawing_from(gen):
    """Let the engine's ops draw from ``gen`` instead of the process generator (the two
    are NumPy ``default_rng`` generators, so their states can be swapped)."""
    if gen is backend.generator():
        yield
        return
    saved = backend.get_rng_state()
    backend.set_rng_state(gen.bit_generator.state)
    try:
        yield
    finally:
        gen.bit_generator.state = backend.get_rng_state()
        backend.set_rng_state(saved)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Inverted dropout: each element is zeroed with probability ``rate`` and the rest are
    scaled by 1 / (1 - rate).  ``noise_shape`` (broadcast to the input; None entries take
    the input's size) shares one mask along its axes of size 1."""
    x = floating(inputs)
    if not 0 <= rate < 1:
        raise ValueError(f"keras.random.dropout: rate must be in [0, 1), got {rate}")
    gen = _generator(seed, "dropout")
    with _drawing_from(gen):
        if noise_shape is None:
            return _dropout(x, rate)
        noise = tuple(x.shape[i] if n is None else int(n) for i, n in enumerate(noise_shape))
        try:
            numpy.broadcast_shapes(noise, x.shape)
        except ValueError:
            raise ValueError(f"keras.random.dropout: noise_shape {tuple(noise_shape)} does not "
                             f"broadcast to the input's shape {x.shape}") from None
        mask = _dropout(Tensor(numpy.ones(noise, x.dtype)), rate)
        return x * mask


def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a random order."""
    x = tensor(x)
    if x.ndim == 0:
        raise ValueError("keras.random.shuffle: cannot shuffle a scalar")
    n = x.shape[axis]
    return take(x, _generator(seed, "shuffle").permutation(n), axis)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class indices per row of ``logits`` (batch, classes), drawn with
    probabilities softmax(logits): the argmax of logits + Gumbel noise -log(-log u)."""
    logits = numpy.asarray(tensor(logits), dtype=numpy.float64)
    if logits.ndim != 2:
        raise ValueError(f"keras.random.categorical: logits must be (batch, classes), got "
                         f"shape {logits.shape}")
    u = _generator(seed, "categorical").random((logits.shape[0], int(num_samples),
                                                logits.shape[1]))
    gumbel = -numpy.log(-numpy.log(numpy.clip(u, 1e-300, 1.0)))
    return Tensor(numpy.argmax(logits[:, None, :] + gumbel, axis=-1).astype(dtype))
