"""Keras 3 as a test oracle, on its torch backend (the library itself never imports it).

`keras3()` returns the real `keras` package, or skips the test when it is not installed
(CI installs it beside torch; a README-only install skips these checks).
"""

import os

import pytest


def keras3():
    """The real Keras 3 on its torch backend, or a skip when it is missing."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"the Keras oracle runs on the torch backend, found {keras.backend.backend()!r}")
    return keras


def to_numpy(value):
    """A Keras (torch-backend) tensor, or anything array-like, as a NumPy array."""
    import numpy as np
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)
