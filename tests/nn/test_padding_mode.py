"""Conv1d/2d/3d with padding_mode 'reflect', 'replicate', 'circular' against PyTorch with
copied weights (forward, input and parameter gradients), F.pad in those modes against
torch's F.pad, gradcheck, and errors."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.autograd import gradcheck
from shenjing.nn import functional as F

from .parity import assert_parity

torch = pytest.importorskip("torch")

MODES = ["reflect", "replicate", "circular"]


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("d,shape,options", [
    (1, (2, 3, 9), dict(padding=2)),
    (1, (3, 7), dict(padding=1, stride=2)),                  # unbatched
    (2, (2, 3, 8, 7), dict(padding=(1, 2))),
    (2, (2, 4, 6, 6), dict(padding="same", dilation=2, groups=2)),
    (2, (1, 3, 7, 8), dict(padding=3, stride=2, bias=False)),
    (3, (1, 2, 4, 5, 6), dict(padding=1)),
    (3, (1, 2, 5, 4, 4), dict(padding=(2, 1, 1), stride=(1, 2, 1))),
])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_conv_padding_mode_matches_torch(mode, d, shape, options, dtype):
    name = f"Conv{d}d"
    channels = shape[-d - 1]
    k = 4 if options.get("padding") == "same" else 3
    ours = getattr(nn, name)(channels, 4, k, padding_mode=mode, **options)
    theirs = getattr(torch.nn, name)(channels, 4, k, padding_mode=mode, **options)
    tol = dict(rtol=1e-9, atol=1e-10) if dtype == "float64" else dict(rtol=1e-4, atol=1e-5)
    assert_parity(ours, theirs, rand(*shape), dtype, **tol)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape,widths", [
    ((2, 3, 6), (2, 3)), ((2, 3, 5, 6), (1, 2, 3, 0)), ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2)),
])
def test_functional_pad_matches_torch(mode, shape, widths):
    x = rand(*shape)
    a = sj.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ya, yb = F.pad(a, widths, mode=mode), torch.nn.functional.pad(b, widths, mode=mode)
    np.testing.assert_array_equal(ya.numpy(), yb.detach().numpy())
    g = rand(*ya.shape, seed=1)
    (ya * sj.tensor(g)).sum().backward()
    (yb * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_gradcheck(mode):
    sj.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3, padding=2, padding_mode=mode).to(sj.float64)
    x = sj.tensor(rand(1, 2, 4, 5), requires_grad=True)
    gradcheck(conv, [x])
    gradcheck(lambda w, b: conv(x), [conv.weight, conv.bias])


def test_same_padding_output_shape_and_repr():
    conv = nn.Conv1d(2, 2, 4, padding="same", padding_mode="circular")
    assert tuple(conv(sj.zeros(1, 2, 9)).shape) == (1, 2, 9)
    assert "padding_mode=circular" in repr(conv)
    assert "padding_mode" not in repr(nn.Conv1d(2, 2, 4))


def test_errors():
    with pytest.raises(ValueError, match=r"Conv2d: padding_mode must be one of .* got 'mirror'"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="ConvTranspose2d: only padding_mode='zeros'"):
        nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")
    conv = nn.Conv1d(1, 1, 3, padding=4, padding_mode="reflect")
    with pytest.raises(ValueError,
                       match=r"pad: reflect padding of \(4, 4\) needs dim 2 \(size 4\)"):
        conv(sj.zeros(1, 1, 4))
    with pytest.raises(ValueError, match="pad: mode must be"):
        F.pad(sj.zeros(2, 3), (1, 1), mode="edge")
    # replicate repeats the edge however wide the pad
    y = F.pad(sj.tensor(np.array([[1.0, 2.0]])), (3, 0), mode="replicate")
    np.testing.assert_array_equal(y.numpy(), [[1.0, 1.0, 1.0, 1.0, 2.0]])
