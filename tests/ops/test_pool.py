"""Pooling (ops/pool.py) and resizing (ops/upsample.py) through the shared harness:
gradcheck in float64, values, indices and gradients against PyTorch in float64 and float32.

Max-pool inputs are drawn without ties (``distinct``), so that the arg-max is unique and
central differences never straddle a switch of the maximum."""

import numpy
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError
from shenjing.ops import pool as P
from shenjing.ops import upsample as U

from .harness import Arg, OpInfo, S, distinct, op_tests, torch_ref as T

F = T.nn.functional


def _cl_op(fn):
    def op(x, *args, **kwargs):
        return fn(x, *args, channels_last=True, **kwargs)
    return op


def _cl_ref(name):
    """The torch function applied to a channels-last input: permute in, permute every output
    (values and indices) back."""
    def ref(x, *args, **kwargs):
        import torch.nn.functional as tF
        d = x.ndim - 2
        out = getattr(tF, name)(x.permute(0, d + 1, *range(1, d + 1)), *args, **kwargs)
        back = lambda t: t.permute(0, *range(2, d + 2), 1)  # noqa: E731
        return tuple(back(t) for t in out) if isinstance(out, tuple) else back(out)
    return ref


MAX2D = [
    S((2, 3, 6, 6), 2),                                              # tiling: the fast path
    S((2, 3, 7, 5), 2),                                              # odd: the remainder is cropped
    S((2, 3, 7, 6), 3, stride=2, padding=1),
    S((2, 3, 7, 6), 3, stride=2, padding=1, ceil_mode=True),
    S((2, 2, 8, 7), Arg((3, 2)), stride=(2, 1), padding=1, dilation=(2, 1)),
    S((2, 2, 11, 10), 5),                                            # 25 offsets: reshape path
    S((2, 3, 7, 6), 3, stride=2, padding=1, return_indices=True),
    S((2, 2, 10, 10), 5, return_indices=True),
    S((3, 6, 5), 2, ceil_mode=True),                                 # unbatched
]
MAX1D = [
    S((2, 3, 9), 2), S((2, 3, 10), 4, stride=3, ceil_mode=True), S((2, 3, 10), 3, padding=1),
    S((2, 3, 21), 20), S((2, 3, 21), 21, return_indices=True), S((2, 3, 12), 3, dilation=2),
]
AVG2D = [
    S((2, 3, 6, 6), 2),
    S((2, 3, 7, 5), 2),
    S((2, 3, 7, 6), 3, stride=2, padding=1),
    S((2, 3, 7, 6), 3, stride=2, padding=1, ceil_mode=True),
    S((2, 3, 7, 6), 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    S((2, 2, 7, 6), Arg((3, 2)), stride=(2, 1), padding=(1, 1), divisor_override=5),
    S((2, 2, 11, 10), 5),
    S((3, 6, 5), 3, stride=1, padding=1, count_include_pad=False),
]
AVG1D = [S((2, 3, 9), 2), S((2, 3, 10), 4, stride=3, padding=2, ceil_mode=True),
         S((2, 3, 10), 3, padding=1, count_include_pad=False), S((2, 3, 21), 20)]
ADAPTIVE2D = [S((2, 3, 6, 6), 1), S((2, 3, 6, 6), 3), S((2, 3, 7, 5), Arg((3, 2))),
              S((2, 3, 7, 5), Arg((4, None))), S((2, 3, 5, 4), Arg((7, 6))), S((3, 5, 4), 2)]
ADAPTIVE1D = [S((2, 3, 9), 1), S((2, 3, 9), 3), S((2, 3, 9), 4), S((2, 3, 5), 8)]

MAX2D_CL = [S((2, 6, 6, 3), 2), S((2, 7, 6, 3), 3, stride=2, padding=1, ceil_mode=True),
            S((2, 10, 10, 2), 5, return_indices=True)]
AVG2D_CL = [S((2, 6, 6, 3), 2), S((2, 7, 6, 3), 3, stride=2, padding=1, ceil_mode=True,
                                  count_include_pad=False)]
ADAPTIVE2D_CL = [S((2, 6, 6, 3), 1), S((2, 7, 5, 3), Arg((3, 2)))]

INTERP2D = [
    S((2, 3, 4, 5), scale_factor=2),
    S((2, 3, 4, 5), size=(7, 3)),
    S((2, 3, 4, 5), scale_factor=(1.5, 0.6)),
    S((2, 3, 4, 5), size=(9, 11), mode="nearest-exact"),
    S((2, 3, 4, 5), scale_factor=2, mode="bilinear", align_corners=False),
    S((2, 3, 4, 5), scale_factor=2, mode="bilinear", align_corners=True),
    S((2, 3, 4, 5), size=(7, 3), mode="bilinear", align_corners=False),
    S((2, 3, 4, 5), size=(7, 3), mode="bilinear", align_corners=True),
    S((2, 3, 6, 5), scale_factor=0.5, mode="bilinear"),
    S((2, 3, 4, 5), scale_factor=1.7, mode="bilinear", recompute_scale_factor=True),
    S((2, 3, 8, 6), size=(3, 4), mode="area"),
]
INTERP1D = [S((2, 3, 5), scale_factor=3), S((2, 3, 5), size=8, mode="linear"),
            S((2, 3, 5), size=8, mode="linear", align_corners=True)]

TOL = dict(rtol32=2e-4, atol32=2e-5)

TABLE = [
    OpInfo("max_pool2d", P.max_pool2d, F.max_pool2d, MAX2D, gen=distinct, **TOL),
    OpInfo("max_pool1d", P.max_pool1d, F.max_pool1d, MAX1D, gen=distinct, **TOL),
    OpInfo("max_pool3d", P.max_pool3d, F.max_pool3d,
           [S((1, 2, 4, 5, 4), 2), S((1, 2, 5, 5, 4), 3, stride=2, padding=1, ceil_mode=True)],
           gen=distinct, **TOL),
    OpInfo("avg_pool2d", P.avg_pool2d, F.avg_pool2d, AVG2D, **TOL),
    OpInfo("avg_pool1d", P.avg_pool1d, F.avg_pool1d, AVG1D, **TOL),
    OpInfo("avg_pool3d", P.avg_pool3d, F.avg_pool3d, [S((1, 2, 4, 5, 4), 2, padding=1)], **TOL),
    OpInfo("adaptive_avg_pool2d", P.adaptive_avg_pool2d, F.adaptive_avg_pool2d, ADAPTIVE2D, **TOL),
    OpInfo("adaptive_avg_pool1d", P.adaptive_avg_pool1d, F.adaptive_avg_pool1d, ADAPTIVE1D, **TOL),
    OpInfo("adaptive_max_pool2d", P.adaptive_max_pool2d, F.adaptive_max_pool2d,
           ADAPTIVE2D + [S((2, 3, 7, 5), Arg((3, 2)), return_indices=True),
                         S((2, 3, 6, 6), 3, return_indices=True)], gen=distinct, **TOL),
    OpInfo("adaptive_max_pool1d", P.adaptive_max_pool1d, F.adaptive_max_pool1d, ADAPTIVE1D,
           gen=distinct, **TOL),
    OpInfo("global_avg_pool", P.global_avg_pool, lambda x: x.mean(tuple(range(2, x.ndim))),
           [S((2, 3, 4, 5)), S((2, 3, 7))], **TOL),
    OpInfo("global_max_pool", P.global_max_pool, lambda x: x.amax(tuple(range(2, x.ndim))),
           [S((2, 3, 4, 5)), S((2, 3, 7)), S((2, 3, 5, 5))], gen=distinct, **TOL),
    OpInfo("max_pool2d_channels_last", _cl_op(P.max_pool2d), _cl_ref("max_pool2d"), MAX2D_CL,
           gen=distinct, **TOL),
    OpInfo("avg_pool2d_channels_last", _cl_op(P.avg_pool2d), _cl_ref("avg_pool2d"), AVG2D_CL,
           **TOL),
    OpInfo("adaptive_avg_pool2d_channels_last", _cl_op(P.adaptive_avg_pool2d),
           _cl_ref("adaptive_avg_pool2d"), ADAPTIVE2D_CL, **TOL),
    OpInfo("adaptive_max_pool2d_channels_last", _cl_op(P.adaptive_max_pool2d),
           _cl_ref("adaptive_max_pool2d"), ADAPTIVE2D_CL, gen=distinct, **TOL),
    OpInfo("interpolate", U.interpolate, F.interpolate, INTERP2D, **TOL),
    OpInfo("interpolate_1d", U.interpolate, F.interpolate, INTERP1D, **TOL),
    OpInfo("interpolate_3d", U.interpolate, F.interpolate,
           [S((1, 2, 3, 4, 3), scale_factor=2, mode="trilinear"),
            S((1, 2, 3, 4, 3), size=(4, 5, 2))], **TOL),
    OpInfo("interpolate_channels_last", _cl_op(U.interpolate), _cl_ref("interpolate"),
           [S((2, 4, 5, 3), scale_factor=2), S((2, 4, 5, 3), size=(7, 3), mode="bilinear",
                                               align_corners=False)], **TOL),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


# ---------------------------------------------------------------- beyond the table


def _tensor(a, requires_grad=False):
    return sj.tensor(numpy.asarray(a, numpy.float32), requires_grad=requires_grad)


def test_max_gate_gives_the_gradient_to_the_first_maximum_of_a_tie():
    torch = pytest.importorskip("torch")
    x = _tensor([[[[1.0, 3.0], [3.0, 0.0]]]], requires_grad=True)
    P.max_pool2d(x, 2).sum().backward()
    tx = torch.tensor(x.numpy(), requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 2).sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert x.grad.numpy().tolist() == [[[[0.0, 1.0], [0.0, 0.0]]]]


def test_pool_follows_the_memory_order_of_its_input():
    """A channels-last-in-memory input (a conv's output) gives a channels-last output."""
    a = numpy.random.default_rng(0).standard_normal((2, 6, 6, 4)).astype(numpy.float32)
    x = sj.tensor(a).permute(0, 3, 1, 2)
    y = P.max_pool2d(x, 2)
    assert y.shape == (2, 4, 3, 3) and y.array.strides[1] == 4
    z = P.max_pool2d(sj.tensor(numpy.ascontiguousarray(x.numpy())), 2)
    assert z.array.flags.c_contiguous
    numpy.testing.assert_array_equal(y.numpy(), z.numpy())


@pytest.mark.parametrize("call, message", [
    (lambda: P.max_pool2d(_tensor(numpy.zeros((8, 3, 4, 4))), 5),
     "max_pool2d: kernel size (5, 5) is larger than the padded input (4, 4)"),
    (lambda: P.avg_pool1d(_tensor(numpy.zeros((8, 3, 4, 4))), 2),
     "avg_pool1d: expected a 2-d or 3-d input (N, C, L), got shape (8, 3, 4, 4)"),
    (lambda: P.adaptive_avg_pool2d(_tensor(numpy.zeros((8, 4))), 2),
     "adaptive_avg_pool2d: expected a 3-d or 4-d input (N, C, H, W), got shape (8, 4)"),
])
def test_shape_errors_name_the_op(call, message):
    with pytest.raises(ShapeError) as info:
        call()
    assert message in str(info.value)


@pytest.mark.parametrize("call, error, message", [
    (lambda: P.max_pool2d(_tensor(numpy.zeros((1, 1, 6, 6))), 2, padding=2), ValueError,
     "should be at most half"),
    (lambda: U.interpolate(_tensor(numpy.zeros((1, 1, 4))), scale_factor=2, mode="bilinear"),
     ShapeError, "mode 'bilinear' needs a 4-d input"),
    (lambda: U.interpolate(_tensor(numpy.zeros((1, 1, 4, 4))), scale_factor=2, align_corners=True),
     ValueError, "align_corners"),
    (lambda: U.interpolate(_tensor(numpy.zeros((1, 1, 4, 4)))), ValueError,
     "exactly one of size and scale_factor"),
])
def test_argument_errors(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
