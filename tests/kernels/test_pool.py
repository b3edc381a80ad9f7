"""The compiled pooling (kernels/pool.py) against the NumPy reference of ops/pool.py: the
same values, arg-max and input gradient for max pooling, the same values and gradient for
average pooling, in float32 and float64, 1-d/2-d/3-d, stride, dilation, padding, ceil
mode, uneven divisors, both layouts and non-contiguous inputs."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import kernels
from shenjing.ops import pool as P

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")

MAX = [
    ((2, 8, 11), dict(kernel_size=3)),
    ((2, 9, 11), dict(kernel_size=3, stride=1, padding=1, dilation=2)),
    ((2, 8, 8, 8), dict(kernel_size=2)),
    ((2, 10, 11, 11), dict(kernel_size=2)),                     # a cropped remainder
    ((2, 8, 9, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 9, 9, 8), dict(kernel_size=(3, 2), stride=(1, 2), dilation=(2, 1), ceil_mode=True)),
    ((2, 8, 6, 7), dict(kernel_size=3, stride=1, padding=1)),   # heavily overlapping
    ((2, 8, 20, 20), dict(kernel_size=5)),                      # k > 16: tiles, one pass
    ((2, 8, 5, 6, 7), dict(kernel_size=2, stride=(1, 2, 2), padding=(1, 0, 1))),
    ((2, 3, 8, 8), dict(kernel_size=2)),                        # few channels: the reference
    ((8, 32, 26, 26), dict(kernel_size=2)),                     # split over the cores
]

AVG = [
    ((2, 8, 11), dict(kernel_size=3)),
    ((2, 9, 11), dict(kernel_size=4, stride=2, padding=2, count_include_pad=False)),
    ((2, 8, 8, 8), dict(kernel_size=2)),
    ((2, 8, 9, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 8, 9, 7), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False,
                        ceil_mode=True)),
    ((2, 8, 9, 7), dict(kernel_size=3, stride=1, divisor_override=5)),
    ((2, 8, 20, 20), dict(kernel_size=5)),
    ((2, 8, 5, 6, 7), dict(kernel_size=(2, 3, 2), padding=1)),
    ((8, 32, 26, 26), dict(kernel_size=3, stride=1, padding=1)),
]

_MAX = {1: P.max_pool1d, 2: P.max_pool2d, 3: P.max_pool3d}
_AVG = {1: P.avg_pool1d, 2: P.avg_pool2d, 3: P.avg_pool3d}


def _input(shape, dtype, channels_last, layout, rng):
    """Channels-first shape -> the array in the asked layout: contiguous in the op's layout,
    a strided view, or (channels_last only) a channels-last view of channels-first memory."""
    a = rng.standard_normal(shape)
    a[(0,) * (len(shape) - 1) + (1,)] = a[(0,) * len(shape)]   # a tie: the first wins
    if channels_last:
        a = np.moveaxis(a, 1, -1)
        if layout != "first":
            a = np.ascontiguousarray(a)
    if layout == "strided":
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],))
        big[..., ::2] = a
        return big.astype(dtype)[..., ::2]
    return a.astype(dtype)


def _run(fn, x, gy_seed, **options):
    tx = sj.tensor(x, requires_grad=True)
    out = fn(tx, **options)
    y, extra = (out[0], [np.array(out[1].array)]) if isinstance(out, tuple) else (out, [])
    r = np.random.default_rng(gy_seed).standard_normal(y.shape).astype(x.dtype)
    (y * sj.tensor(r)).sum().backward()
    return [np.array(y.array), np.array(tx.grad.array)] + extra


def _parity(fn, x, options, dtype):
    got = _run(fn, x, 3, **options)
    with kernels.reference():
        want = _run(fn, x, 3, **options)
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-13)
    for g, r in zip(got, want):
        assert g.shape == r.shape and g.dtype == r.dtype
        np.testing.assert_allclose(g, r, **tol)


LAYOUTS = [(False, "contiguous"), (False, "strided"), (True, "contiguous"), (True, "first"),
           (True, "strided")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels_last,layout", LAYOUTS)
@pytest.mark.parametrize("case", range(len(MAX)))
def test_max_pool_matches_reference(case, channels_last, layout, dtype):
    shape, options = MAX[case]
    x = _input(shape, dtype, channels_last, layout, np.random.default_rng(case))
    fn = _MAX[len(shape) - 2]
    _parity(fn, x, dict(options, channels_last=channels_last, return_indices=True), dtype)
    _parity(fn, x, dict(options, channels_last=channels_last), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels_last,layout", LAYOUTS)
@pytest.mark.parametrize("case", range(len(AVG)))
def test_avg_pool_matches_reference(case, channels_last, layout, dtype):
    shape, options = AVG[case]
    x = _input(shape, dtype, channels_last, layout, np.random.default_rng(case))
    _parity(_AVG[len(shape) - 2], x, dict(options, channels_last=channels_last), dtype)


@pytest.mark.parametrize("channels_last", [False, True])
def test_global_and_adaptive_pools_match_reference(channels_last):
    rng = np.random.default_rng(0)
    x = _input((3, 16, 40), np.float32, channels_last, "contiguous", rng)
    _parity(P.global_max_pool, x, dict(channels_last=channels_last), np.float32)
    x = _input((2, 8, 8, 12), np.float64, channels_last, "contiguous", rng)
    _parity(P.adaptive_max_pool2d, x, dict(output_size=(2, 3), channels_last=channels_last,
                                           return_indices=True), np.float64)
    _parity(P.adaptive_avg_pool2d, x, dict(output_size=(4, 3), channels_last=channels_last),
            np.float64)


def test_max_pool_nan_propagates_as_in_the_reference():
    x = np.arange(2 * 4 * 4 * 8, dtype=np.float32).reshape(2, 4, 4, 8)
    x[0, 1, 1, 1] = np.nan
    x[1, 2, 0, 0] = np.nan
    _parity(P.max_pool2d, x, dict(kernel_size=2, return_indices=True, channels_last=True),
            np.float32)


def test_no_graph_keeps_no_arg_max():
    x = sj.tensor(np.random.default_rng(0).standard_normal((2, 8, 8, 9)).astype(np.float32))
    with sj.no_grad():
        y = P.max_pool2d(x, 2, channels_last=True)
    with kernels.reference(), sj.no_grad():
        r = P.max_pool2d(x, 2, channels_last=True)
    assert np.array_equal(y.array, r.array)


def test_kernels_refuse_mismatched_arrays():
    """The wrappers check shapes and dtypes, so that a kernel never reads out of bounds."""
    from shenjing.kernels import pool as K
    geom = P.pool_geometry((8, 8), 2, None, 0, 1, False, "t")
    x = np.zeros((2, 8, 8, 8), np.float32)
    y, idx = K.max_pool(x, geom, True)
    with pytest.raises(ValueError):
        K.max_pool(x.astype(np.int32), geom, True)
    with pytest.raises(ValueError):
        K.max_pool_grad(y[:, :3], idx[:, :3], geom, x.shape)
    with pytest.raises(ValueError):
        K.max_pool_grad(y, idx, geom, (2, 9, 8, 8))
    with pytest.raises(ValueError):
        K.avg_pool_grad(y, geom, 0.25, (2, 8, 8, 9))
