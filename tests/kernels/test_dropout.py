"""Dropout: the kernel gives the reference's values bit for bit (the same mask from the
same generator, the same products), forward and gradient."""

import numpy as np
import pytest

import shenjing
from shenjing import kernels
from shenjing.ops import dropout as dropout_module
from shenjing.ops.dropout import dropout

from .parity import run

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")


@pytest.fixture(autouse=True)
def every_size(monkeypatch):
    """Small arrays take the kernels too (the op leaves them to NumPy for speed)."""
    monkeypatch.setattr(dropout_module, "MIN_SIZE", 0)


def _both(x, p, layout=lambda a: a):
    def fn(t):
        return dropout(t, p, training=True)
    results = []
    for reference in (False, True):
        shenjing.manual_seed(123)
        results.append(run(fn, [layout(x)], reference=reference))
    return results


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("shape", [(64, 100), (3, 5, 7), (1,), ()])
def test_same_bits(dtype, p, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    fast, slow = _both(x, p)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1][0], slow[1][0])
    kept = fast[0] != 0
    np.testing.assert_allclose(fast[0][kept], (x / (1 - p)).astype(dtype)[kept], rtol=1e-6)


@pytest.mark.parametrize("layout", [lambda a: a.T, lambda a: a[:, ::2]], ids=["T", "strided"])
def test_non_contiguous(layout):
    x = np.random.default_rng(1).standard_normal((20, 30)).astype(np.float32)
    fast, slow = _both(x, 0.3, layout)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1][0], slow[1][0])


def test_split(monkeypatch):
    monkeypatch.setattr(dropout_module, "SPLIT_SIZE", 100)
    x = np.random.default_rng(2).standard_normal((50, 41)).astype(np.float32)
    fast, slow = _both(x, 0.4)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1][0], slow[1][0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_special_values():
    x = np.array([np.inf, -np.inf, np.nan, -0.0, 1.0] * 20, np.float32)
    fast, slow = _both(x, 0.5)
    np.testing.assert_array_equal(fast[0], slow[0])
