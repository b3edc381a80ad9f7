"""The compiled im2col/col2im (kernels/conv.py) against the NumPy reference of ops/conv.py:
the same forward and the same gradients for input, weight and bias, in float32 and
float64, 1-d/2-d/3-d, stride, dilation, padding, groups, both layouts, odd shapes and
non-contiguous inputs; transposed convs too."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import kernels
from shenjing.ops import conv as C

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")


@pytest.fixture(autouse=True)
def winograd_for_every_3x3(monkeypatch):
    """Every 3x3 stride-1 conv with 16 channels or more runs by Winograd here, however
    small (the ops choose it only from ``WINOGRAD_WORK``)."""
    from shenjing.kernels import conv as K
    monkeypatch.setattr(K, "WINOGRAD_WORK", 0)

TOL = {np.float32: dict(rtol=1e-4, atol=1e-4), np.float64: dict(rtol=1e-12, atol=1e-12)}

# (input (N, C, *S), weight (O, C/g, *k), bias, options) in PyTorch's layout
CONVS = [
    ((2, 8, 11), (4, 8, 3), True, {}),
    ((2, 9, 11), (4, 9, 3), True, dict(stride=2, padding=2, dilation=2)),
    ((3, 16, 13), (6, 8, 5), False, dict(groups=2, padding="same")),
    ((2, 8, 7, 6), (4, 8, 3, 3), True, dict(padding=1)),
    ((2, 10, 7, 6), (12, 10, 3, 2), False, dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1))),
    ((2, 9, 9, 9), (8, 9, 3, 3), True, dict(padding="same")),       # dL/dx as a convolution
    ((1, 8, 7, 6), (9, 8, 2, 3), False, dict(padding="same", dilation=2)),
    ((2, 16, 5, 5), (10, 8, 3, 3), True, dict(groups=2, padding=1)),
    ((2, 24, 6, 5), (48, 8, 3, 3), True, dict(groups=3, stride=2)),
    ((2, 3, 6, 5), (6, 1, 3, 3), True, dict(groups=3, stride=2)),   # depthwise: the reference
    ((2, 1, 12, 11), (5, 1, 3, 3), True, {}),                       # one channel: the reference
    ((2, 4, 7, 6), (8, 4, 3, 3), True, dict(padding=1)),            # 4 in, 8 out: mixed paths
    ((2, 8, 5, 5), (3, 8, 1, 1), False, dict(stride=2)),
    ((2, 8, 4, 5), (9, 8, 1, 3), True, dict(padding=(2, 1))),
    ((2, 8, 4, 5, 6), (8, 8, 2, 3, 2), True, dict(padding=1, stride=(1, 2, 1))),
    ((1, 16, 5, 4, 5), (8, 8, 3, 3, 3), False, dict(groups=2, padding="same", dilation=(1, 2, 1))),
    ((6, 16, 12, 12), (32, 16, 3, 3), True, dict(padding=1)),       # split over the cores
    # Winograd F(2x2, 3x3): forward, and dL/dx as a convolution where O <= C
    ((3, 16, 9, 9), (16, 16, 3, 3), False, dict(padding=1)),
    ((2, 24, 7, 8), (16, 24, 3, 3), True, dict(padding="same")),
    ((2, 16, 6, 7), (20, 16, 3, 3), True, {}),                      # valid, odd output
    ((8, 32, 9, 9), (32, 32, 3, 3), False, dict(padding=1)),        # resnet_az's, split
]

TRANSPOSED = [
    ((2, 8, 6), (8, 9, 3), True, dict(stride=2, padding=1, output_padding=1)),
    ((2, 9, 5, 4), (9, 8, 3, 3), True, dict(stride=2, padding=1)),
    ((2, 16, 5, 4), (16, 8, 3, 2), False, dict(groups=2, dilation=(2, 1), padding=(1, 0))),
    ((1, 8, 3, 4, 3), (8, 10, 2, 2, 3), True, dict(stride=(2, 1, 2))),
    ((2, 3, 5, 4), (3, 2, 3, 3), True, dict(stride=2, padding=1)),  # few channels: reference
]


def _make(shape, dtype, rng, layout):
    """A random array of ``shape``: C-contiguous, or a strided view of a larger one."""
    a = rng.standard_normal(shape)
    if layout == "strided":
        big = np.zeros(shape[:-1] + (2 * shape[-1],))
        big[..., ::2] = a
        return big.astype(dtype)[..., ::2]
    return a.astype(dtype)


def _run(fn, x, w, b, gy_seed, **options):
    """Forward and the gradients for x, w, b (the loss is y . r for a fixed random r)."""
    tx, tw = sj.tensor(x, requires_grad=True), sj.tensor(w, requires_grad=True)
    tb = None if b is None else sj.tensor(b, requires_grad=True)
    y = fn(tx, tw, tb, **options)
    r = np.random.default_rng(gy_seed).standard_normal(y.shape).astype(x.dtype)
    (y * sj.tensor(r)).sum().backward()
    grads = [tx.grad.array, tw.grad.array] + ([] if b is None else [tb.grad.array])
    return [np.array(y.array)] + [np.array(g) for g in grads]


def _parity(fn, xs, ws, bias, options, dtype, channels_last, layout, transposed=False):
    rng = np.random.default_rng(1)
    x, w = _make(xs, dtype, rng, layout), _make(ws, dtype, rng, "contiguous")
    if channels_last:
        if layout == "first":                  # channels-last view of channels-first memory
            x = np.moveaxis(x, 1, -1)
        else:
            x = _make(xs[:1] + xs[2:] + xs[1:2], dtype, rng, layout)
        w = np.ascontiguousarray(np.moveaxis(w, (0, 1), (-1, -2)))
    out_channels = ws[1] * options.get("groups", 1) if transposed else ws[0]
    b = rng.standard_normal(out_channels).astype(dtype) if bias else None
    got = _run(fn, x, w, b, 2, channels_last=channels_last, **options)
    with kernels.reference():
        want = _run(fn, x, w, b, 2, channels_last=channels_last, **options)
    for g, r in zip(got, want):
        assert g.shape == r.shape and g.dtype == r.dtype
        np.testing.assert_allclose(g, r, **TOL[dtype])


_FNS = {1: C.conv1d, 2: C.conv2d, 3: C.conv3d}
_TFNS = {1: C.conv_transpose1d, 2: C.conv_transpose2d, 3: C.conv_transpose3d}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("layout", ["contiguous", "strided", "first"])
@pytest.mark.parametrize("case", range(len(CONVS)))
def test_conv_matches_reference(case, layout, channels_last, dtype):
    xs, ws, bias, options = CONVS[case]
    if layout == "first" and not channels_last:
        pytest.skip("channels-first memory is the contiguous case of channels_last=False")
    _parity(_FNS[len(xs) - 2], xs, ws, bias, options, dtype, channels_last, layout)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("case", range(len(TRANSPOSED)))
def test_conv_transpose_matches_reference(case, channels_last, dtype):
    xs, ws, bias, options = TRANSPOSED[case]
    _parity(_TFNS[len(xs) - 2], xs, ws, bias, options, dtype, channels_last, "contiguous",
            transposed=True)


def test_im2col_col2im_are_adjoint_and_exact():
    """im2col copies exactly what the reference copies; col2im sums in the reference's
    order, so both agree bit for bit."""
    from shenjing.kernels import conv as K
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        geom = C.conv_geometry((9, 9), (3, 3), (1, 1), (1, 1), (1, 1), "t")
        x = rng.standard_normal((3, 9, 9, 8)).astype(dtype)
        assert np.array_equal(K.im2col(x, geom, 1), C.im2col(x, geom, 1))
        g = rng.standard_normal((9, 3 * 81, 8)).astype(dtype)
        assert np.array_equal(K.col2im(g, geom, 3, 8, 1), C.col2im(g, geom, 3, 8, 1, dtype))
        # adjoint: <im2col(x), c> == <x, col2im(c)> with c in the offset-major layout
        cols = K.im2col(x, geom, 1).reshape(3 * 81, 9, 8).transpose(1, 0, 2)
        assert np.isclose(np.vdot(cols, g), np.vdot(x, K.col2im(g, geom, 3, 8, 1)),
                          rtol=1e-4 if dtype == np.float32 else 1e-12)


def test_kernels_refuse_mismatched_arrays():
    """The wrappers check shapes and dtypes, so that a kernel never reads out of bounds."""
    from shenjing.kernels import conv as K
    geom = C.conv_geometry((9, 9), (3, 3), (1, 1), (1, 1), (1, 1), "t")
    with pytest.raises(ValueError):
        K.im2col(np.zeros((2, 8, 9, 4), np.float32), geom, 1)
    with pytest.raises(ValueError):
        K.im2col(np.zeros((2, 9, 9, 4), np.int32), geom, 1)
    with pytest.raises(ValueError):
        K.col2im(np.zeros((9, 2 * 81, 5), np.float32), geom, 2, 4, 1)
    with pytest.raises(ValueError):
        K.col2im(np.zeros((9, 2 * 81, 4), np.float32), geom, 2, 4, 1,
                 out=np.zeros((2, 9, 9, 4), np.float64))


def test_other_dtypes_take_the_reference():
    """float16 is not a kernel dtype: the op runs the reference and still works."""
    x = sj.tensor(np.ones((1, 2, 5, 5), np.float16))
    w = sj.tensor(np.ones((3, 2, 3, 3), np.float16))
    y = C.conv2d(x, w, padding=1)
    assert y.shape == (1, 3, 5, 5) and float(y.array[0, 0, 2, 2]) == 18.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size,pad", [((9, 9), 1), ((8, 7), 1), ((6, 6), 0), ((5, 8), (1, 1))])
def test_winograd_matches_im2col_gemm(size, pad, dtype):
    from shenjing.kernels import conv as K
    rng = np.random.default_rng(0)
    pad = pad if isinstance(pad, tuple) else (pad, pad)
    geom = C.conv_geometry(size, (3, 3), (1, 1), pad, (1, 1), "t")
    x = rng.standard_normal((3,) + size + (16,)).astype(dtype)
    wm = rng.standard_normal((9 * 16, 24)).astype(dtype)
    want = C.im2col(x, geom, 1) @ wm
    got = K.winograd(x, K.winograd_weight(wm), geom)
    scale = np.abs(want).max()
    assert np.abs(got - want).max() <= (2e-6 if dtype == np.float32 else 1e-14) * scale
    with pytest.raises(ValueError):                   # a weight of other channels
        K.winograd(x, K.winograd_weight(wm[:9 * 8]), geom)


def test_winograd_is_chosen_by_work():
    from shenjing.kernels import conv as K
    geom = C.conv_geometry((9, 9), (3, 3), (1, 1), (1, 1), (1, 1), "t")
    assert K.winograd_fits(geom, 64, 64, 1) and not K.winograd_fits(geom, 8, 64, 128)
    assert not K.winograd_fits(C.conv_geometry((9, 9), (3, 3), (2, 2), (1, 1), (1, 1), "t"),
                               64, 64, 128)
