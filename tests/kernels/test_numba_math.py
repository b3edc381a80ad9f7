"""The kernels' exp, sigmoid and tanh against NumPy's, in float32 (the polynomial) and
float64 (the C library's functions)."""

import numpy as np
import pytest

from shenjing import kernels

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")


def _apply(name):
    from shenjing.kernels import common
    fn = getattr(common, name)

    @common.jit(cache=False)
    def apply(x, y):
        for i in range(x.size):
            y[i] = fn(x[i])
    return apply


REFERENCE = {"exp": np.exp, "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v))}


@pytest.mark.parametrize("name", sorted(REFERENCE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_numpy(name, dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(5000) * 10, np.linspace(-120, 100, 2001),
                        [0.0, -0.0, 1e-30, -1e-30, 88.0, -87.0]]).astype(dtype)
    y = np.empty_like(x)
    _apply(name)(x, y)
    with np.errstate(over="ignore"):
        exact = REFERENCE[name](x.astype(np.float64))
    finite = np.isfinite(exact) & (exact < 1e38)
    tiny = np.abs(exact) < 1e-37               # below float32's normal range: flush allowed
    rel = np.abs(y[finite] - exact[finite]) / np.maximum(np.abs(exact[finite]), 1e-300)
    if dtype == np.float64:
        assert rel.max() < 1e-14
    else:
        bound = 2.5e-7 if name == "exp" else 3e-7
        ok = (rel < bound) | tiny[finite] | (np.abs(y[finite] - exact[finite]) < 1e-7)
        assert ok.all(), (x[finite][~ok][:5], y[finite][~ok][:5], exact[finite][~ok][:5])
    if name != "exp":
        assert np.all(np.abs(y) <= 1) and np.all(np.isfinite(y))


def test_exp_saturates_instead_of_overflowing_in_float32():
    x = np.array([-1000, -90, 89, 1000], np.float32)
    y = np.empty_like(x)
    _apply("exp")(x, y)
    assert np.all(np.isfinite(y)) and y[0] < 1e-37 and y[1] < 1e-37 and y[3] > 1e38


def test_reference_block_turns_kernels_off():
    assert kernels.usable(np.zeros(3, np.float32))
    with kernels.reference():
        assert not kernels.enabled() and not kernels.usable(np.zeros(3, np.float32))
        assert kernels.module("common") is None
    assert kernels.enabled()


def test_usable_only_for_numpy_floats_of_one_dtype():
    f32, f64 = np.zeros(2, np.float32), np.zeros(2, np.float64)
    assert kernels.usable(f32, f32) and kernels.usable(f64)
    assert not kernels.usable(f32, f64)
    assert not kernels.usable(np.zeros(2, np.int64))
    assert not kernels.usable(np.zeros(2, np.float16))
