"""PyTorch's numeric names outside the ops: the constants ``inf``, ``nan``, ``pi``, ``e``;
``finfo``/``iinfo`` (the limits of a dtype); ``Size`` (a shape); ``is_floating_point``;
``get_num_threads``/``set_num_threads`` (shenjing's thread pool, ``parallel``).
"""

import math

import numpy

from . import backend, parallel

inf = math.inf
nan = math.nan
pi = math.pi
e = math.e


class finfo:  # noqa: N801 - torch's name
    """The limits of a floating dtype (the default one when None), as Python floats:
    ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``), ``resolution``."""

    def __init__(self, dtype=None):
        dtype = numpy.dtype(backend.get_default_dtype() if dtype is None else dtype)
        if dtype.kind != "f":
            raise TypeError(f"finfo: expects a floating dtype, got {dtype}; use iinfo for integers")
        info = numpy.finfo(dtype)
        self.dtype = dtype
        self.bits = int(info.bits)
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)   # exact, as PyTorch's

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, "
                f"eps={self.eps}, tiny={self.tiny}, dtype={self.dtype})")


class iinfo:  # noqa: N801 - torch's name
    """The limits of an integer (or bool) dtype, as Python ints: ``bits``, ``max``, ``min``."""

    def __init__(self, dtype):
        dtype = numpy.dtype(dtype)
        if dtype.kind == "b":
            self.dtype, self.bits, self.min, self.max = dtype, 8, 0, 1
            return
        if dtype.kind not in "iu":
            raise TypeError(f"iinfo: expects an integer dtype, got {dtype}; use finfo for floats")
        info = numpy.iinfo(dtype)
        self.dtype, self.bits = dtype, int(info.bits)
        self.min, self.max = int(info.min), int(info.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


class Size(tuple):
    """A shape: a tuple of ints (``shenjing.Size([2, 3])``), with ``numel()``."""

    def __new__(cls, sizes=()):
        return super().__new__(cls, (int(n) for n in sizes))

    def numel(self):
        """The number of elements of a tensor of this shape."""
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"shenjing.Size({list(self)})"


def is_floating_point(x):
    """True if the tensor ``x`` has a floating dtype."""
    return x.is_floating_point()


def get_num_threads():
    """How many threads shenjing splits work over (``parallel.workers()``)."""
    return parallel.workers()


def set_num_threads(n):
    """Split work over ``n`` threads from now on (``parallel.set_workers``)."""
    parallel.set_workers(n)
