"""erf: the compiled kernel against the NumPy reference and ``math.erf``, float32 and
float64, special values included; exact GELU takes it."""

import math

import numpy as np
import pytest

import shenjing
from shenjing import kernels
from shenjing.ops import special
from shenjing.ops.special import erf_array

from .parity import counting

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")

GRID = np.concatenate([np.linspace(-7, 7, 4001), np.logspace(-300, 1, 200),
                       -np.logspace(-20, 1, 50), [0.0, -0.0, 2.5, 30.0, -1e300, 1e300,
                                                  np.inf, -np.inf, np.nan]])


def _reference(x):
    with kernels.reference():
        return erf_array(x)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-15), (np.float32, 2e-7)])
def test_erf_kernel_matches_the_reference(dtype, tol):
    x = GRID.astype(dtype)
    with counting(kernels.module("special"), "erf") as calls:
        fast = erf_array(x)
    assert len(calls) == 1 and fast.dtype == dtype and fast.shape == x.shape
    np.testing.assert_allclose(fast, _reference(x), rtol=tol, atol=tol)
    finite = np.isfinite(GRID) & (np.abs(GRID) < 1e30)
    np.testing.assert_allclose(fast[finite], [math.erf(v) for v in x[finite].astype(float)],
                               rtol=tol, atol=tol)
    assert np.isnan(fast[-1]) and fast[-3] == 1 and fast[-2] == -1


def test_erf_kernel_keeps_shape_of_a_transposed_input():
    x = np.random.default_rng(0).standard_normal((64, 48)).T
    np.testing.assert_allclose(erf_array(x), _reference(x), rtol=1e-15, atol=1e-15)


def test_small_arrays_stay_on_the_reference(monkeypatch):
    x = np.linspace(-3, 3, special.MIN_KERNEL_SIZE - 1)
    with counting(kernels.module("special"), "erf") as calls:
        erf_array(x)
    assert not calls


def test_exact_gelu_uses_the_kernel_and_matches_the_reference():
    from tests.kernels.parity import assert_parity
    x = (np.random.default_rng(1).standard_normal((8, 32, 16)) * 3).astype(np.float32)
    with counting(kernels.module("special"), "erf") as calls:
        assert_parity(lambda t: shenjing.nn.functional.gelu(t), [x])
    assert calls
