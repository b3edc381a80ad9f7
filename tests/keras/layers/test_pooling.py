"""Keras's pooling layers (keras/layers/pooling.py): Keras's "same" padding, parity with
PyTorch forward and backward, gradcheck, configs and errors."""

import math

import numpy
import pytest

import shenjing
from shenjing.autograd.gradcheck import gradcheck
from shenjing.keras.layers.pooling import (AveragePooling1D, AveragePooling2D,
                                           GlobalAveragePooling1D, GlobalAveragePooling2D,
                                           GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D,
                                           MaxPooling2D)


def keras_pads(size, pool, stride):
    """TensorFlow's documented "same" rule: ceil(n / s) outputs, the odd pad after."""
    pads = []
    for n, k, s in zip(size, pool, stride):
        along = max((math.ceil(n / s) - 1) * s + k - n, 0)
        pads.append((along // 2, along - along // 2))
    return pads


def torch_pool(torch, x, d, kind, pool, stride, padding, upstream):
    """PyTorch's reference: channels-first, Keras's padding made explicit; padded places
    are -inf for the max and not counted for the mean (a sum pool over a ones mask)."""
    F = torch.nn.functional
    xt = torch.tensor(x, requires_grad=True)
    xf = xt.permute(0, d + 1, *range(1, d + 1))
    pads = keras_pads(x.shape[1:-1], pool, stride) if padding == "same" else [(0, 0)] * d
    flat = [p for pair in reversed(pads) for p in pair]
    if kind == "max":
        pool_fn = F.max_pool1d if d == 1 else F.max_pool2d
        y = pool_fn(F.pad(xf, flat, value=-math.inf), pool, stride)
    else:
        pool_fn = F.avg_pool1d if d == 1 else F.avg_pool2d
        total = pool_fn(F.pad(xf, flat), pool, stride)
        count = pool_fn(F.pad(torch.ones_like(xf), flat), pool, stride)
        y = total / count
    y = y.permute(0, *range(2, d + 2), 1)
    (y * torch.tensor(upstream)).sum().backward()
    return y.detach().numpy(), xt.grad.numpy()


LAYERS = {(1, "max"): MaxPooling1D, (2, "max"): MaxPooling2D,
          (1, "avg"): AveragePooling1D, (2, "avg"): AveragePooling2D}

# (rank, kind, spatial size, pool_size, strides, padding)
CASES = [
    (2, "max", (8, 8), (2, 2), (2, 2), "valid"),
    (2, "max", (7, 9), (3, 3), (2, 2), "valid"),
    (2, "max", (7, 9), (2, 2), (2, 2), "same"),
    (2, "max", (7, 8), (3, 2), (2, 1), "same"),
    (2, "max", (8, 8), (3, 3), (3, 3), "same"),
    (2, "avg", (8, 8), (2, 2), (2, 2), "valid"),
    (2, "avg", (7, 9), (3, 3), (2, 2), "same"),
    (2, "avg", (7, 8), (2, 3), (1, 2), "same"),
    (1, "max", (11,), (3,), (2,), "same"),
    (1, "max", (11,), (2,), (2,), "valid"),
    (1, "avg", (11,), (4,), (3,), "same"),
    (1, "avg", (10,), (3,), (1,), "valid"),
    (1, "avg", (9,), (2,), (1,), "same"),        # stride 1, odd total: first output dropped
    (1, "max", (9,), (4,), (1,), "same"),
    (2, "max", (9, 9), (4, 4), (2, 2), "same"),  # stride 2, odd total: ceil mode
    (2, "avg", (5, 9), (5, 4), (3, 2), "same"),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}d-{c[1]}-{c[5]}-p{c[3]}-s{c[4]}")
def test_matches_torch(case, dtype):
    torch = pytest.importorskip("torch")
    d, kind, size, pool, strides, padding = case
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((2,) + size + (3,)).astype(dtype)
    layer = LAYERS[d, kind](pool, strides=strides, padding=padding, dtype=dtype)
    xt = shenjing.tensor(x, requires_grad=True)
    y = layer(xt)
    upstream = rng.standard_normal(y.shape).astype(dtype)
    (y * shenjing.tensor(upstream)).sum().backward()
    y_ref, gx_ref = torch_pool(torch, x, d, kind, pool, strides, padding, upstream)
    assert y.shape == y_ref.shape and y.dtype == numpy.dtype(dtype)
    tol = 1e-6 if dtype == "float32" else 1e-12
    numpy.testing.assert_allclose(y.numpy(), y_ref, rtol=tol, atol=tol)
    numpy.testing.assert_allclose(xt.grad.numpy(), gx_ref, rtol=tol, atol=tol)


def test_same_padding_is_never_chosen_or_counted():
    # 3 steps, pool 2, stride 2: the last window holds the last step and one padded place
    x = shenjing.tensor([[[-1.0], [-2.0], [-3.0]]])
    assert MaxPooling1D(2, padding="same")(x).numpy().ravel().tolist() == [-1.0, -3.0]
    assert AveragePooling1D(2, padding="same")(x).numpy().ravel().tolist() == [-1.5, -3.0]
    assert MaxPooling1D(2)(x).shape == (1, 1, 1)                 # "valid" drops it


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_pooling_matches_torch(data_format, keepdims):
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(1)
    for d, layers in ((1, (GlobalMaxPooling1D, GlobalAveragePooling1D)),
                      (2, (GlobalMaxPooling2D, GlobalAveragePooling2D))):
        x = rng.standard_normal((2,) + (5,) * d + (3,)).astype(numpy.float32)
        if data_format == "channels_first":
            x = numpy.ascontiguousarray(numpy.moveaxis(x, -1, 1))
        axes = tuple(range(1, d + 1)) if data_format == "channels_last" else \
            tuple(range(2, d + 2))
        for cls, reduce in zip(layers, (torch.amax, torch.mean)):
            xt, xr = shenjing.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            y = cls(data_format=data_format, keepdims=keepdims)(xt)
            y_ref = reduce(xr, dim=axes, keepdim=keepdims)
            upstream = rng.standard_normal(tuple(y_ref.shape)).astype(numpy.float32)
            (y * shenjing.tensor(upstream)).sum().backward()
            (y_ref * torch.tensor(upstream)).sum().backward()
            assert y.shape == tuple(y_ref.shape)
            numpy.testing.assert_allclose(y.numpy(), y_ref.detach().numpy(), rtol=1e-6,
                                          atol=1e-6)
            numpy.testing.assert_allclose(xt.grad.numpy(), xr.grad.numpy(), rtol=1e-6,
                                          atol=1e-6)


def test_channels_first_pools_the_same_values():
    x = numpy.random.default_rng(2).standard_normal((2, 7, 6, 3)).astype(numpy.float32)
    for cls in (MaxPooling2D, AveragePooling2D):
        last = cls(3, strides=2, padding="same")(shenjing.tensor(x)).numpy()
        first = cls(3, strides=2, padding="same", data_format="channels_first")(
            shenjing.tensor(x.transpose(0, 3, 1, 2))).numpy()
        numpy.testing.assert_allclose(first.transpose(0, 2, 3, 1), last, rtol=1e-6)


def test_gradcheck():
    shenjing.manual_seed(0)
    x = shenjing.randn(2, 5, 7, 2, dtype=shenjing.float64, requires_grad=True)
    for layer in (MaxPooling2D((2, 3), strides=(2, 2), padding="same", dtype="float64"),
                  AveragePooling2D(3, strides=2, padding="same", dtype="float64"),
                  GlobalMaxPooling2D(dtype="float64"), GlobalAveragePooling2D(dtype="float64")):
        gradcheck(layer, (x,))
    x1 = shenjing.randn(2, 9, 3, dtype=shenjing.float64, requires_grad=True)
    gradcheck(AveragePooling1D(4, strides=3, padding="same", dtype="float64"), (x1,))


def test_config_round_trip():
    for layer in (MaxPooling2D((3, 2), strides=1, padding="same", name="p1"),
                  AveragePooling1D(4, data_format="channels_first"),
                  GlobalAveragePooling2D(keepdims=True), GlobalMaxPooling1D()):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
    config = MaxPooling2D((3, 2), strides=1, padding="same").get_config()
    assert config["pool_size"] == (3, 2) and config["strides"] == (1, 1)
    assert config["padding"] == "same" and config["data_format"] == "channels_last"
    assert MaxPooling2D(2).strides == (2, 2)                      # strides default to pool
    assert GlobalAveragePooling2D().get_config()["keepdims"] is False


def test_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"pool \(MaxPooling2D\).*4-d input \(N, H, W, C\).*"
                                         r"\(2, 8, 3\)"):
        MaxPooling2D(name="pool")(shenjing.zeros(2, 8, 3))
    with pytest.raises(ValueError, match=r"gap \(GlobalAveragePooling1D\).*3-d input.*"
                                         r"\(2, 8, 3, 1\)"):
        GlobalAveragePooling1D(name="gap")(shenjing.zeros(2, 8, 3, 1))
    with pytest.raises(ValueError, match="padding"):
        MaxPooling2D(padding="full")
    with pytest.raises(ValueError, match="data_format"):
        AveragePooling2D(data_format="NHWC")
