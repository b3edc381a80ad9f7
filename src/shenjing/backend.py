"""The array module, the dtype policy and the process-wide random generator.

Everything that depends on *which* array library runs the math lives here, so that
ops never import NumPy for computation directly: they ask ``array_module(x)`` for the
module that owns their input and call it.  NumPy is the default; CuPy is used when it
is installed and asked for with ``use("cupy")``.

dtype policy (as PyTorch): floating tensors are float32 unless asked otherwise,
Python floats become the default float dtype, Python ints become int64.
"""

import numpy

_default_float = numpy.dtype("float32")
_xp = numpy


def use(name):
    """Choose the array module for new tensors: ``"numpy"`` (default) or ``"cupy"``."""
    global _xp
    if name == "numpy":
        _xp = numpy
    elif name == "cupy":
        try:
            import cupy
        except ImportError as e:
            raise ImportError("the cupy backend needs CuPy: pip install 'shenjing[gpu]'") from e
        _xp = cupy
    else:
        raise ValueError(f"backend.use: expected 'numpy' or 'cupy', got {name!r}")


def xp():
    """The array module new tensors are created with."""
    return _xp


def array_module(array):
    """The array module that owns ``array`` (NumPy for NumPy arrays and scalars)."""
    if type(array) is numpy.ndarray or _xp is numpy:
        return numpy
    return _xp.get_array_module(array)


def to_dtype(dtype):
    """Normalise a dtype given as a NumPy dtype, a type or a name into ``numpy.dtype``."""
    if dtype is None:
        return None
    return numpy.dtype(dtype)


def set_default_dtype(dtype):
    """Set the floating dtype of new tensors made from Python floats (float32 or float64)."""
    global _default_float
    dtype = numpy.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}")
    _default_float = dtype


def get_default_dtype():
    """The floating dtype of new tensors (float32 unless changed)."""
    return _default_float


def is_floating(dtype):
    """True for floating dtypes, the only ones that can carry gradients."""
    return dtype.kind == "f"


# ---------------------------------------------------------------- random numbers

_rng = numpy.random.default_rng()
_seed = None


def manual_seed(seed):
    """Seed the one process-wide generator: the same seed gives the same numbers."""
    global _rng, _seed
    seed = int(seed)
    _seed = seed
    _rng = numpy.random.default_rng(seed)
    return _rng


class Generator:
    """A random generator of its own (``torch.Generator()``), seeded with ``manual_seed``.

    It draws as NumPy's ``Generator`` does (``permutation``, ``integers``, ``random``,
    ``standard_normal``), so ``random_split(..., generator=g)`` and samplers accept it.
    """

    def __init__(self, device="cpu"):
        self._rng = numpy.random.default_rng()
        self._seed = None

    def manual_seed(self, seed):
        """Reseed this generator; returns it (``Generator().manual_seed(42)``)."""
        self._seed = int(seed)
        self._rng = numpy.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state

    def __getattr__(self, name):
        return getattr(self.__dict__["_rng"], name)


def initial_seed():
    """The seed last given to ``manual_seed`` (None if never seeded)."""
    return _seed


def generator():
    """The process-wide ``numpy.random.Generator`` every random op draws from."""
    return _rng


def get_rng_state():
    """The generator's state as a JSON-friendly dict (to save and restore training)."""
    return _rng.bit_generator.state


def set_rng_state(state):
    """Restore a state returned by ``get_rng_state``."""
    _rng.bit_generator.state = state
