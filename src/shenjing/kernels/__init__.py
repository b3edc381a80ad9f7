"""Compiled fast paths of the hot ops, written with numba; NumPy stays the definition.

Every op in ``shenjing/ops`` is first a NumPy reference: the readable math, always
tested.  For the ops where the time of a training step goes (the recurrent time loops,
im2col/col2im, pooling, normalisation, activations, losses, optimizer updates), a module
here holds a kernel compiled by numba (LLVM from a wheel, no system compiler) that
computes the same thing in fewer passes over memory.  An op chooses between the two in
one place::

    fast = kernels.module("recurrent") if kernels.usable(x, w) else None
    if fast is not None:
        ...  # the kernel
    else:
        ...  # the NumPy reference

Rules the kernels keep:

* ``kernels/`` imports only NumPy and numba; numba itself is imported on the first use
  of a kernel, not with shenjing, and each kernel compiles on its first call (``cache=True``
  keeps the machine code on disk for the next process).
* Kernels run on one thread and release the GIL (``nogil``); work is spread over the
  cores by ``shenjing.parallel`` (the same pool that splits the big convolutions), so
  there is one thread policy for BLAS and kernels alike and numba's own threading layer is
  never started.  ``SHENJING_THREADS`` caps it.
* A kernel takes float32 or float64 NumPy arrays only, C-contiguous where it says so;
  ``usable`` checks that before an op calls one, and anything else (another dtype, a CuPy
  array) runs the reference path.

numba's disk cache knows only the file of each kernel: after editing ``common.py`` (whose
functions the other files inline), delete ``kernels/__pycache__/*.nbi`` and ``*.nbc`` so that
nothing compiled against the old version is loaded.  A fresh install has no such files.

``SHENJING_KERNELS=numpy`` forces the reference path for the whole process; inside a
process ``with kernels.reference():`` does so for a block (the parity tests use it).  If
numba cannot be imported, the reference path runs and one warning says why.
"""

import contextlib
import importlib
import os
import warnings

import numpy

_FLOATS = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))

_numba = None          # the numba module once imported; False when unavailable or refused
_reference = False     # True inside ``reference()``


def _load_numba():
    global _numba
    if _numba is None:
        choice = os.environ.get("SHENJING_KERNELS", "numba").strip().lower()
        if choice == "numpy":
            _numba = False
        else:
            if choice not in ("numba", ""):
                warnings.warn(f"SHENJING_KERNELS={choice!r} is not 'numba' or 'numpy'; "
                              "using the numba kernels", stacklevel=3)
            try:
                import numba
                _numba = numba
            except Exception as error:  # noqa: BLE001 (any failure to load means: no kernels)
                warnings.warn(f"shenjing: numba could not be imported ({error}); the NumPy "
                              "reference path runs instead (pip install numba)", stacklevel=3)
                _numba = False
    return _numba


def enabled():
    """True when compiled kernels run (numba present, not forced off, not in ``reference()``)."""
    return not _reference and bool(_load_numba())


def usable(*arrays):
    """True when kernels are enabled and every array is a NumPy array of one float dtype
    (float32 or float64): the condition for an op to call a kernel instead of NumPy."""
    if _reference or not _load_numba():
        return False
    dtype = arrays[0].dtype
    if dtype not in _FLOATS:
        return False
    for a in arrays:
        if type(a) is not numpy.ndarray or a.dtype != dtype:
            return False
    return True


def module(name):
    """The kernel module ``shenjing.kernels.<name>`` (imported on first use), or None when
    kernels are not enabled."""
    if not enabled():
        return None
    return importlib.import_module(f"{__name__}.{name}")


@contextlib.contextmanager
def reference():
    """Within the block, every op runs its NumPy reference path."""
    global _reference
    before, _reference = _reference, True
    try:
        yield
    finally:
        _reference = before
