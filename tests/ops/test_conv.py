"""Convolutions (ops/conv.py) through the shared harness: gradcheck in float64, forward and
input/weight/bias gradients against PyTorch in float64 and float32, float32 in and out.

Every row is run channels-first (PyTorch's layout) and, for the main cases, channels-last
(the Keras layout: input (N, *S, C), kernel (*k, C/groups, O); a transposed conv's kernel
(*k, C_out/groups, C_in)), whose reference permutes into PyTorch and back."""

import numpy
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError
from shenjing.ops import conv as C

from .harness import OpInfo, S, op_tests, torch_ref as T

F = T.nn.functional


def _to_torch_layout(x, w, d, transposed=False):
    """Channels-last input and kernel -> PyTorch's (torch tensors)."""
    x = x.permute(0, d + 1, *range(1, d + 1))
    w = w.permute(d + 1, d, *range(d))   # (*k, a, b) -> (b, a, *k)
    return x, w


def _channels_last_ref(name, d):
    def ref(x, w, b=None, **kwargs):
        import torch.nn.functional as tF
        tx, tw = _to_torch_layout(x, w, d)
        y = getattr(tF, name)(tx, tw, b, **kwargs)
        return y.permute(0, *range(2, d + 2), 1)
    return ref


def _channels_last_op(fn):
    def op(x, w, b=None, **kwargs):
        return fn(x, w, b, channels_last=True, **kwargs)
    return op


CONV2D = [
    S((2, 3, 6, 5), (4, 3, 3, 3), (4,)),
    S((2, 3, 7, 6), (4, 3, 3, 3), (4,), stride=2, padding=1),
    S((2, 3, 7, 6), (4, 3, 3, 2), None, stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
    S((2, 3, 5, 6), (2, 3, 3, 3), (2,), padding="same"),
    S((2, 2, 5, 6), (3, 2, 2, 4), (3,), padding="same"),              # even kernels
    S((1, 2, 7, 6), (3, 2, 2, 3), None, padding="same", dilation=2),
    S((2, 3, 5, 4), (2, 3, 2, 2), (2,), padding="valid"),
    S((2, 4, 5, 5), (6, 2, 3, 3), (6,), groups=2, padding=1),
    S((2, 3, 6, 5), (6, 1, 3, 3), (6,), groups=3, stride=2),         # depthwise, multiplier 2
    S((2, 4, 4, 5), (3, 4, 1, 1), (3,)),                             # 1x1
    S((2, 4, 5, 5), (3, 4, 1, 1), None, stride=2),
    S((3, 5, 4), (2, 3, 2, 3), (2,), padding=1),                     # unbatched
    S((2, 2, 3, 4), (3, 2, 3, 4), (3,)),                             # kernel == input
    S((2, 3, 4, 5), (2, 3, 1, 3), (2,), padding=(2, 1)),   # output larger than the input
    # "same" convs with no more output than input channels: dL/dx as a convolution
    S((2, 4, 5, 6), (3, 4, 2, 4), (3,), padding="same"),
    S((1, 3, 7, 6), (2, 3, 2, 3), None, padding="same", dilation=2),
]

CONV1D = [
    S((2, 3, 9), (4, 3, 3), (4,)),
    S((2, 3, 9), (4, 3, 4), (4,), padding="same"),
    S((2, 4, 9), (3, 4, 4), (3,), padding="same"),
    S((2, 3, 10), (4, 3, 3), None, stride=2, padding=2, dilation=2),
    S((2, 4, 8), (6, 2, 3), (6,), groups=2),
    S((2, 4, 8), (4, 1, 5), (4,), groups=4, padding="same"),
    S((3, 7), (2, 3, 2), (2,)),
]

CONV3D = [
    S((1, 2, 4, 5, 4), (3, 2, 2, 3, 2), (3,), padding=1),
    S((1, 3, 4, 5, 4), (2, 3, 3, 3, 3), (2,), padding=1),
    S((2, 2, 5, 4, 4), (2, 1, 3, 2, 2), None, stride=(2, 1, 2), groups=2),
]

CONV_T2D = [
    S((2, 3, 4, 5), (3, 4, 3, 3), (4,)),
    S((2, 3, 4, 5), (3, 2, 3, 3), (2,), stride=2, padding=1, output_padding=1),
    S((2, 4, 4, 3), (4, 3, 3, 2), None, stride=(2, 3), padding=(1, 0), output_padding=(0, 2),
      groups=2, dilation=(1, 2)),
    S((2, 3, 3, 4), (3, 2, 1, 1), (2,), stride=2),
    S((3, 3, 4), (3, 2, 2, 2), (2,), stride=2),                      # unbatched
    S((2, 2, 3, 3), (2, 3, 4, 4), (3,), stride=2, padding=1),        # DCGAN's upsampling
]

CONV_T1D = [
    S((2, 3, 6), (3, 4, 3), (4,)),
    S((2, 4, 6), (4, 3, 3), (12,), stride=3, groups=4, output_padding=2),
    S((2, 3, 5), (3, 2, 4), None, stride=2, padding=1, dilation=2, output_padding=1),
]

# channels-last: the same geometry in the Keras layout
CONV2D_CL = [
    S((2, 6, 5, 3), (3, 3, 3, 4), (4,)),
    S((2, 7, 6, 3), (3, 2, 3, 4), None, stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
    S((2, 5, 6, 2), (2, 4, 2, 3), (3,), padding="same"),
    S((2, 5, 5, 4), (3, 3, 2, 6), (6,), groups=2, padding=1),
    S((2, 6, 5, 3), (3, 3, 1, 6), (6,), groups=3, stride=2),
    S((2, 4, 5, 4), (1, 1, 4, 3), (3,)),
]
CONV1D_CL = [S((2, 9, 3), (4, 3, 4), (4,), padding="same"), S((2, 8, 4), (3, 2, 6), (6,), groups=2)]
CONV_T2D_CL = [
    S((2, 4, 5, 3), (3, 3, 2, 3), (2,), stride=2, padding=1, output_padding=1),
    S((2, 4, 3, 4), (3, 2, 3, 4), None, stride=(2, 3), padding=(1, 0), output_padding=(0, 2),
      groups=2, dilation=(1, 2)),
]

TOL = dict(rtol32=2e-4, atol32=2e-5)


def _split(fn):
    """``fn`` with every convolution split by batch over the cores (ops/conv.py), however
    small: the split forward and backward must give the same values and gradients."""
    def op(*args, **kwargs):
        saved, C.SPLIT_MACS = C.SPLIT_MACS, 0
        try:
            return fn(*args, **kwargs)
        finally:
            C.SPLIT_MACS = saved
    return op


TABLE = [
    OpInfo("conv2d", C.conv2d, F.conv2d, CONV2D, **TOL),
    OpInfo("conv1d", C.conv1d, F.conv1d, CONV1D, **TOL),
    OpInfo("conv3d", C.conv3d, F.conv3d, CONV3D, **TOL),
    OpInfo("conv_transpose2d", C.conv_transpose2d, F.conv_transpose2d, CONV_T2D, **TOL),
    OpInfo("conv_transpose1d", C.conv_transpose1d, F.conv_transpose1d, CONV_T1D, **TOL),
    OpInfo("conv2d_channels_last", _channels_last_op(C.conv2d), _channels_last_ref("conv2d", 2),
           CONV2D_CL, **TOL),
    OpInfo("conv1d_channels_last", _channels_last_op(C.conv1d), _channels_last_ref("conv1d", 1),
           CONV1D_CL, **TOL),
    OpInfo("conv_transpose2d_channels_last", _channels_last_op(C.conv_transpose2d),
           _channels_last_ref("conv_transpose2d", 2), CONV_T2D_CL, **TOL),
    OpInfo("conv2d_split", _split(C.conv2d), F.conv2d, CONV2D, **TOL),
    OpInfo("conv1d_split", _split(C.conv1d), F.conv1d, CONV1D, **TOL),
    OpInfo("conv3d_split", _split(C.conv3d), F.conv3d, CONV3D, **TOL),
    OpInfo("conv2d_channels_last_split", _split(_channels_last_op(C.conv2d)),
           _channels_last_ref("conv2d", 2), CONV2D_CL, **TOL),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)
# torch warns that its own 'same' padding with even kernels copies the input
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


# ---------------------------------------------------------------- beyond the table


def _randn(*shape, dtype=numpy.float32, requires_grad=False, seed=0):
    a = numpy.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return sj.tensor(a, requires_grad=requires_grad)


def test_output_is_a_channels_last_view_with_pytorch_values():
    torch = pytest.importorskip("torch")
    """The NCHW result lies channels-last in memory, and the next conv reads it as it is."""
    x = _randn(2, 3, 8, 8)
    w1, w2 = _randn(4, 3, 3, 3, seed=1), _randn(5, 4, 3, 3, seed=2)
    y = C.conv2d(x, w1, padding=1)
    assert y.shape == (2, 4, 8, 8)
    assert y.array.strides[1] == y.array.itemsize          # channels innermost in memory
    z = C.conv2d(y, w2)
    tz = torch.nn.functional.conv2d(torch.nn.functional.conv2d(
        torch.tensor(x.numpy()), torch.tensor(w1.numpy()), padding=1), torch.tensor(w2.numpy()))
    numpy.testing.assert_allclose(z.numpy(), tz.numpy(), rtol=1e-4, atol=1e-5)


def test_channels_first_memory_input_and_strided_gradient():
    torch = pytest.importorskip("torch")
    """Inputs and gradients of any strides (a permuted view) give the same result."""
    base = _randn(2, 6, 7, 3, requires_grad=False)
    x = base.permute(0, 3, 1, 2).detach().requires_grad_(True)   # (2, 3, 6, 7), strided
    w = _randn(4, 3, 3, 3, seed=1, requires_grad=True)
    y = C.conv2d(x, w, stride=2, padding=1)
    y.sum().backward()
    tx = torch.tensor(x.numpy().copy(), requires_grad=True)
    tw = torch.tensor(w.numpy(), requires_grad=True)
    torch.nn.functional.conv2d(tx, tw, stride=2, padding=1).sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    numpy.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_input_gradient_is_skipped_when_not_needed():
    """The first layer's input needs no gradient: backward computes none (and no col2im)."""
    x = _randn(2, 1, 6, 6)
    w = _randn(3, 1, 3, 3, requires_grad=True)
    y = C.conv2d(x, w)
    node = y.grad_fn
    assert node.wm is None and node.cols is not None
    gx, gw, _ = node.backward(numpy.ones(y.shape, numpy.float32))
    assert gx is None and gw.shape == w.shape and gw.dtype == numpy.float32


def test_no_graph_keeps_nothing():
    x = _randn(2, 3, 6, 6)
    w = _randn(4, 3, 3, 3, requires_grad=True)
    with sj.no_grad():
        y = C.conv2d(x, w)
    assert y.grad_fn is None and y.dtype == numpy.float32


@pytest.mark.parametrize("call, message", [
    (lambda: C.conv2d(_randn(8, 1, 28, 28), _randn(4, 3, 3, 3)),
     "conv2d: expected input with 3 channels (N, 3, H, W), got shape (8, 1, 28, 28)"),
    (lambda: C.conv2d(_randn(2, 3, 2, 2), _randn(4, 3, 3, 3)),
     "conv2d: kernel size (3, 3) is larger than the padded input (2, 2)"),
    (lambda: C.conv2d(_randn(2, 3, 2, 2), _randn(4, 3, 2, 2), dilation=2),
     "dilated to (3, 3)"),
    (lambda: C.conv2d(_randn(28, 28), _randn(4, 1, 3, 3)),
     "conv2d: expected a 4-d input (N, 1, H, W) (or 3-d unbatched), got shape (28, 28)"),
    (lambda: C.conv1d(_randn(2, 5, 2), _randn(4, 3, 3), channels_last=True),
     "conv1d: expected input with 3 channels (N, L, 3), got shape (2, 5, 2)"),
    (lambda: C.conv2d(_randn(2, 3, 5, 5), _randn(4, 3, 3)),
     "conv2d: expected a 4-d weight (O, C/groups, *kernel), got shape (4, 3, 3)"),
    (lambda: C.conv2d(_randn(2, 3, 5, 5), _randn(4, 3, 3, 3), _randn(3)),
     "conv2d: bias must have shape (4,), got (3,)"),
    (lambda: C.conv_transpose2d(_randn(2, 5, 4, 4), _randn(3, 2, 3, 3)),
     "conv_transpose2d: expected input with 3 channels"),
])
def test_shape_errors_name_the_op_and_both_shapes(call, message):
    with pytest.raises(ShapeError) as info:
        call()
    assert message in str(info.value)


@pytest.mark.parametrize("call, error, message", [
    (lambda: C.conv2d(_randn(2, 3, 5, 5), _randn(4, 3, 3, 3), stride=2, padding="same"),
     ValueError, "padding='same' needs stride 1"),
    (lambda: C.conv2d(_randn(2, 4, 5, 5), _randn(3, 2, 3, 3), groups=2),
     ValueError, "not divisible by groups=2"),
    (lambda: C.conv2d(_randn(2, 3, 5, 5), _randn(4, 3, 3, 3), padding="full"),
     ValueError, "padding must be"),
    (lambda: C.conv2d(_randn(2, 3, 5, 5, dtype=numpy.float64), _randn(4, 3, 3, 3)),
     TypeError, "input dtype float64 differs from the weight dtype float32"),
    (lambda: C.conv_transpose2d(_randn(2, 3, 4, 4), _randn(3, 2, 3, 3), stride=2,
                                output_padding=2), ValueError, "output_padding"),
])
def test_argument_errors(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_the_split_runs_on_the_cores_when_there_are_several(monkeypatch):
    from shenjing import parallel
    monkeypatch.setattr(C, "SPLIT_MACS", 0)
    x = _randn(4, 3, 6, 6, requires_grad=True)
    w = _randn(5, 3, 3, 3, requires_grad=True, seed=1)
    y = C.conv2d(x, w, padding=1)
    assert y.grad_fn.parts == parallel.workers()
    assert sorted(y.grad_fn.cols) == [start for start, _ in parallel.shares(4)]
