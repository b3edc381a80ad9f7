"""Batch norm and layer norm: the kernels against the NumPy reference, forward and
gradients, float32 and float64, in every memory layout the op meets."""

import numpy as np
import pytest

import shenjing
from shenjing import kernels
from shenjing.ops import normalization
from shenjing.ops.normalization import batch_norm, layer_norm

from .parity import assert_parity

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")

DTYPES = [np.float32, np.float64]


def _channels_last(a):
    """a (N, C, ...) with the channels innermost in memory (PyTorch's channels_last)."""
    order = (0,) + tuple(range(2, a.ndim)) + (1,)
    back = np.argsort(order)
    return np.ascontiguousarray(a.transpose(order)).transpose(back)


LAYOUTS = {
    "nchw": lambda a: a,
    "channels_last": _channels_last,
    "sliced": lambda a: np.concatenate([a, a], axis=-1)[..., ::2],   # neither layout: copied
}


def _input(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3 + 5).astype(dtype)


def _bn(training, affine, running=True, axis=1):
    def fn(x, *params):
        c = x.shape[axis]
        rm = shenjing.from_numpy(np.linspace(-1, 1, c).astype(x.array.dtype)) if running else None
        rv = shenjing.from_numpy(np.linspace(0.5, 2, c).astype(x.array.dtype)) if running else None
        w, b = params if affine else (None, None)
        y = batch_norm(x, rm, rv, w, b, training=training, momentum=0.3, eps=1e-3, axis=axis)
        if running:
            fn.running.append((rm.numpy().copy(), rv.numpy().copy()))
        return y
    fn.running = []
    return fn


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("shape", [(6, 5, 3, 7), (4, 3, 9), (2, 1, 4, 4)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm(dtype, layout, shape, training, affine):
    x = LAYOUTS[layout](_input(shape, dtype))
    c = shape[1]
    params = [np.linspace(0.5, 1.5, c).astype(dtype), np.linspace(-1, 1, c).astype(dtype)]
    fn = _bn(training, affine)
    fast, slow = assert_parity(fn, [x] + (params if affine else []))
    (fast_mean, fast_var), (slow_mean, slow_var) = fn.running
    tol = dict(rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(fast_mean, slow_mean, **tol)
    np.testing.assert_allclose(fast_var, slow_var, **tol)
    if layout != "sliced":   # the output keeps the input's memory layout: no copies
        assert fast[0].strides == x.strides


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("make", [lambda a: a, lambda a: np.asfortranarray(a)],
                         ids=["c", "transposed"])
def test_batch_norm_1d(dtype, make):
    x = make(_input((37, 6), dtype, seed=1))
    params = [np.linspace(0.5, 1.5, 6).astype(dtype), np.linspace(-1, 1, 6).astype(dtype)]
    assert_parity(_bn(True, True), [x] + params)


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_norm_channels_last_axis(dtype):
    """The Keras face: axis=-1 on (N, H, W, C), no running statistics."""
    x = _input((3, 4, 5, 6), dtype, seed=2)
    params = [np.linspace(0.5, 1.5, 6).astype(dtype), np.linspace(-1, 1, 6).astype(dtype)]
    assert_parity(_bn(True, True, running=False, axis=-1), [x] + params)


def test_batch_norm_takes_the_kernel():
    x = _input((4, 3, 5, 5), np.float32)
    op = normalization.BatchNorm(np.zeros(3, np.float32), np.ones(3, np.float32), True, 0.1,
                                 1e-5, 1)
    op.needs_input_grad = None
    op.forward(x)
    assert op.fast is not None


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_norm_split_matches(dtype, monkeypatch):
    """Large enough to be split over the cores: the same values as one piece, and the same
    bits from one run to the next."""
    x = _channels_last(_input((64, 16, 9, 9), dtype, seed=3))
    params = [np.linspace(0.5, 1.5, 16).astype(dtype), np.linspace(-1, 1, 16).astype(dtype)]
    monkeypatch.setattr(normalization, "SPLIT_SIZE", 1000)
    first = assert_parity(_bn(True, True), [x] + params)[0]
    again = assert_parity(_bn(True, True), [x] + params)[0]
    np.testing.assert_array_equal(first[0], again[0])
    for a, b in zip(first[1], again[1]):
        np.testing.assert_array_equal(a, b)


def _ln(k, affine):
    def fn(x, *params):
        w, b = params if affine else (None, None)
        return layer_norm(x, x.shape[x.ndim - k:], w, b, eps=1e-4)
    return fn


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,k", [((7, 10), 1), ((3, 4, 33), 1), ((2, 5, 3, 4), 2), ((13,), 1)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("transposed", [False, True])
def test_layer_norm(dtype, shape, k, affine, transposed):
    x = _input(shape, dtype, seed=4)
    if transposed:
        x = np.asfortranarray(x)
    features = shape[len(shape) - k:]
    rng = np.random.default_rng(5)
    params = [(1 + 0.3 * rng.standard_normal(features)).astype(dtype),
              rng.standard_normal(features).astype(dtype)]
    assert_parity(_ln(k, affine), [x] + (params if affine else []))


def test_layer_norm_split_matches(monkeypatch):
    x = _input((300, 64), np.float32, seed=6)
    params = [np.linspace(0.5, 1.5, 64).astype(np.float32), np.zeros(64, np.float32)]
    monkeypatch.setattr(normalization, "SPLIT_SIZE", 1000)
    assert_parity(_ln(1, True), [x] + params)
