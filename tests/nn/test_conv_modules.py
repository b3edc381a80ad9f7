"""Convolution, pooling and upsampling layers against PyTorch with copied weights: outputs,
input gradients and parameter gradients in float64 and float32; PyTorch's parameter
names, shapes, default initialisation and repr; errors that name the layer."""

import math

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError

from .parity import assert_parity

# torch warns that its own 'same' padding with even kernels copies the input
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


def _distinct(shape, seed=0):
    """Values without ties (max pooling's arg-max is then unique)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (0.1 * (rng.permutation(n) - n // 2) + rng.uniform(-0.004, 0.004, n)).reshape(shape)


def _normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# (name, factory(nn) -> module, input shape, input maker)
CASES = [
    ("conv1d", lambda nn: nn.Conv1d(3, 4, 3), (2, 3, 9), _normal),
    ("conv1d_same_even", lambda nn: nn.Conv1d(3, 4, 4, padding="same", bias=False),
     (2, 3, 9), _normal),
    ("conv1d_groups", lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2),
     (2, 4, 10), _normal),
    ("conv2d", lambda nn: nn.Conv2d(3, 5, 3), (2, 3, 7, 6), _normal),
    ("conv2d_stride_pad", lambda nn: nn.Conv2d(3, 5, (3, 2), stride=2, padding=(1, 2)),
     (2, 3, 7, 6), _normal),
    ("conv2d_same_dilated", lambda nn: nn.Conv2d(2, 3, 3, padding="same", dilation=2),
     (2, 2, 7, 6), _normal),
    ("conv2d_valid_nobias", lambda nn: nn.Conv2d(2, 3, 2, padding="valid", bias=False),
     (2, 2, 5, 4), _normal),
    ("conv2d_groups", lambda nn: nn.Conv2d(4, 6, 3, padding=1, groups=2), (2, 4, 5, 5), _normal),
    ("conv2d_depthwise", lambda nn: nn.Conv2d(3, 6, 3, groups=3), (2, 3, 6, 5), _normal),
    ("conv2d_1x1", lambda nn: nn.Conv2d(4, 3, 1), (2, 4, 4, 5), _normal),
    ("conv2d_unbatched", lambda nn: nn.Conv2d(3, 2, 3, padding=1), (3, 5, 4), _normal),
    ("conv3d", lambda nn: nn.Conv3d(2, 3, 2, padding=1), (1, 2, 3, 4, 3), _normal),
    ("conv_transpose1d", lambda nn: nn.ConvTranspose1d(3, 4, 3, stride=2, output_padding=1),
     (2, 3, 5), _normal),
    ("conv_transpose2d", lambda nn: nn.ConvTranspose2d(3, 4, 3), (2, 3, 4, 5), _normal),
    ("conv_transpose2d_up", lambda nn: nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1),
     (2, 4, 3, 3), _normal),
    ("conv_transpose2d_groups", lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                              output_padding=1, groups=2),
     (2, 4, 3, 4), _normal),
    ("conv_transpose3d", lambda nn: nn.ConvTranspose3d(2, 3, 2, stride=2),
     (1, 2, 2, 3, 2), _normal),
    ("max_pool1d", lambda nn: nn.MaxPool1d(3, stride=2, padding=1), (2, 3, 9), _distinct),
    ("max_pool2d", lambda nn: nn.MaxPool2d(2), (2, 3, 6, 6), _distinct),
    ("max_pool2d_ceil", lambda nn: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
     (2, 3, 7, 6), _distinct),
    ("max_pool2d_dilated", lambda nn: nn.MaxPool2d((2, 3), stride=1, dilation=(2, 1)),
     (2, 2, 6, 6), _distinct),
    ("max_pool3d", lambda nn: nn.MaxPool3d(2), (1, 2, 4, 4, 5), _distinct),
    ("avg_pool1d", lambda nn: nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False),
     (2, 3, 9), _normal),
    ("avg_pool2d", lambda nn: nn.AvgPool2d(2), (2, 3, 6, 6), _normal),
    ("avg_pool2d_ceil", lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
     (2, 3, 7, 6), _normal),
    ("avg_pool2d_divisor", lambda nn: nn.AvgPool2d(2, divisor_override=3), (2, 3, 6, 5), _normal),
    ("avg_pool3d", lambda nn: nn.AvgPool3d(2, stride=1), (1, 2, 3, 4, 3), _normal),
    ("adaptive_avg_pool1d", lambda nn: nn.AdaptiveAvgPool1d(4), (2, 3, 9), _normal),
    ("adaptive_avg_pool2d", lambda nn: nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5), _normal),
    ("adaptive_avg_pool2d_global", lambda nn: nn.AdaptiveAvgPool2d(1), (2, 3, 4, 5), _normal),
    ("adaptive_avg_pool3d", lambda nn: nn.AdaptiveAvgPool3d(2), (1, 2, 3, 4, 5), _normal),
    ("adaptive_max_pool1d", lambda nn: nn.AdaptiveMaxPool1d(4), (2, 3, 9), _distinct),
    ("adaptive_max_pool2d", lambda nn: nn.AdaptiveMaxPool2d((3, 2)), (2, 3, 7, 5), _distinct),
    ("adaptive_max_pool2d_global", lambda nn: nn.AdaptiveMaxPool2d(1), (2, 3, 4, 5), _distinct),
    ("adaptive_max_pool3d", lambda nn: nn.AdaptiveMaxPool3d((1, 2, 2)), (1, 2, 3, 4, 4), _distinct),
    ("upsample_nearest", lambda nn: nn.Upsample(scale_factor=2), (2, 3, 4, 5), _normal),
    ("upsample_bilinear", lambda nn: nn.Upsample(size=(7, 9), mode="bilinear"),
     (2, 3, 4, 5), _normal),
    ("upsample_bilinear_corners", lambda nn: nn.Upsample(scale_factor=1.5, mode="bilinear",
                                                         align_corners=True),
     (2, 3, 4, 5), _normal),
    ("upsample_linear", lambda nn: nn.Upsample(scale_factor=3, mode="linear"), (2, 3, 5), _normal),
    ("upsampling_nearest2d", lambda nn: nn.UpsamplingNearest2d(size=(6, 7)), (2, 3, 4, 5), _normal),
    ("upsampling_bilinear2d", lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
     (2, 3, 4, 5), _normal),
]


@pytest.mark.parametrize("dtype, rtol, atol", [("float64", 1e-7, 1e-9), ("float32", 2e-4, 2e-5)])
@pytest.mark.parametrize("name, factory, shape, make", CASES, ids=[c[0] for c in CASES])
def test_parity_with_pytorch(name, factory, shape, make, dtype, rtol, atol):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = factory(torch.nn)
    ours = factory(sj.nn)
    assert_parity(ours, theirs, make(shape), dtype=dtype, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name, factory", [(c[0], c[1]) for c in CASES if c[0].startswith("conv")])
def test_parameters_have_pytorch_names_shapes_and_dtype(name, factory):
    torch = pytest.importorskip("torch")
    ours, theirs = factory(sj.nn), factory(torch.nn)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert all(p.dtype == np.float32 for p in ours.parameters())


@pytest.mark.parametrize("module", [
    lambda nn: nn.Conv2d(16, 32, 3), lambda nn: nn.Conv1d(8, 64, 5, groups=4),
    lambda nn: nn.ConvTranspose2d(32, 16, 4, stride=2), lambda nn: nn.Conv3d(4, 8, 3)])
def test_default_init_is_pytorch_bound(module):
    """He uniform with a = sqrt(5): weight and bias uniform in +-1/sqrt(fan_in)."""
    sj.manual_seed(0)
    m = module(sj.nn)
    w = m.weight.numpy()
    fan_in = w.shape[1] * int(np.prod(w.shape[2:]))
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(w).max() <= bound * (1 + 1e-6)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound       # uniform's std
    b = m.bias.numpy()
    assert np.abs(b).max() <= bound * (1 + 1e-6) and b.std() > 0


def test_repr_matches_pytorch():
    torch = pytest.importorskip("torch")
    for factory in [lambda nn: nn.Conv2d(1, 32, 3),
                    lambda nn: nn.Conv2d(3, 8, (3, 5), stride=2, padding=1, bias=False),
                    lambda nn: nn.Conv2d(3, 8, 3, padding="same", groups=1, dilation=2),
                    lambda nn: nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1, output_padding=1),
                    lambda nn: nn.MaxPool2d(2), lambda nn: nn.AvgPool2d(3, stride=2),
                    lambda nn: nn.AdaptiveAvgPool2d(1), lambda nn: nn.Upsample(scale_factor=2)]:
        assert repr(factory(sj.nn)) == repr(factory(torch.nn))


def test_conv_transpose_output_size_picks_the_output_padding():
    torch = pytest.importorskip("torch")
    x = _normal((2, 3, 4, 4)).astype(np.float32)
    ours, theirs = sj.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(
        3, 2, 3, stride=2, padding=1)
    ours.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    y = ours(sj.tensor(x), output_size=(8, 8))
    ty = theirs(torch.tensor(x), output_size=(8, 8))
    assert y.shape == (2, 2, 8, 8)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_errors_name_the_layer_and_the_shapes():
    conv = sj.nn.Conv2d(3, 8, 3)
    with pytest.raises(ShapeError) as info:
        conv(sj.zeros(8, 1, 28, 28))
    assert str(info.value) == ("Conv2d: expected input with 3 channels (N, 3, H, W), "
                               "got shape (8, 1, 28, 28)")
    model = sj.nn.Sequential(sj.nn.Conv2d(1, 4, 3), sj.nn.ReLU(), sj.nn.MaxPool2d(2),
                             sj.nn.Conv2d(4, 8, 5))
    with pytest.raises(ShapeError) as info:
        model(sj.zeros(2, 1, 8, 8))          # 8 -> 6 -> 3: the 5x5 kernel does not fit
    assert str(info.value).startswith("3 (Conv2d): kernel size (5, 5) is larger than the padded "
                                      "input (3, 3)")
    with pytest.raises(ShapeError) as info:
        sj.nn.MaxPool2d(4)(sj.zeros(2, 3, 3, 3))
    assert "MaxPool2d: kernel size (4, 4) is larger than the padded input (3, 3)" in str(info.value)
    with pytest.raises(ShapeError) as info:
        sj.nn.Conv1d(3, 8, 3)(sj.zeros(2, 3, 4, 4))
    assert "Conv1d: expected a 3-d input (N, 3, L) (or 2-d unbatched), got shape (2, 3, 4, 4)" \
        in str(info.value)
    with pytest.raises(TypeError) as info:
        conv(sj.zeros(8, 3, 28, 28, dtype=sj.float64))
    assert "input dtype float64 differs from the weight dtype float32" in str(info.value)


def test_constructor_errors():
    with pytest.raises(ValueError, match="divisible by groups"):
        sj.nn.Conv2d(3, 8, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        sj.nn.Conv2d(3, 8, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="strided"):
        sj.nn.Conv2d(3, 8, 3, stride=2, padding="same")
