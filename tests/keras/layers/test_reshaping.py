"""Keras's reshaping layers (keras/layers/reshaping.py) against NumPy (and PyTorch for
bilinear up-sampling), with gradients, configs and errors."""

import numpy
import pytest

import shenjing
from shenjing.keras.layers.reshaping import Permute, RepeatVector, UpSampling2D, ZeroPadding2D


def run(layer, x, upstream):
    xt = shenjing.tensor(x, requires_grad=True)
    y = layer(xt)
    (y * shenjing.tensor(upstream)).sum().backward()
    return y.numpy(), xt.grad.numpy()


def test_upsampling_nearest_repeats_pixels():
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5))
    upstream = rng.standard_normal((2, 6, 12, 5))
    y, gx = run(UpSampling2D((2, 3), dtype="float64"), x, upstream)
    numpy.testing.assert_array_equal(y, x.repeat(2, 1).repeat(3, 2))
    numpy.testing.assert_allclose(gx, upstream.reshape(2, 3, 2, 4, 3, 5).sum((2, 4)), atol=1e-12)
    xc = x.transpose(0, 3, 1, 2)
    yc = UpSampling2D(2, data_format="channels_first", dtype="float64")(xc).numpy()
    numpy.testing.assert_array_equal(yc, xc.repeat(2, 2).repeat(2, 3))


def test_upsampling_bilinear_matches_torch_half_pixel():
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 2)).astype("float32")
    upstream = rng.standard_normal((2, 6, 8, 2)).astype("float32")
    y, gx = run(UpSampling2D(2, interpolation="bilinear"), x, upstream)
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    ref = torch.nn.functional.interpolate(xt, scale_factor=2, mode="bilinear",
                                          align_corners=False)
    (ref * torch.tensor(upstream.transpose(0, 3, 1, 2))).sum().backward()
    numpy.testing.assert_allclose(y, ref.detach().numpy().transpose(0, 2, 3, 1), atol=1e-5)
    numpy.testing.assert_allclose(gx, xt.grad.numpy().transpose(0, 2, 3, 1), atol=1e-5)


@pytest.mark.parametrize("padding,widths", [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))),
                                            (((1, 0), (2, 3)), ((1, 0), (2, 3)))])
def test_zero_padding_matches_numpy(padding, widths):
    rng = numpy.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 5))
    expected = numpy.pad(x, ((0, 0),) + widths + ((0, 0),))
    upstream = rng.standard_normal(expected.shape)
    y, gx = run(ZeroPadding2D(padding, dtype="float64"), x, upstream)
    numpy.testing.assert_array_equal(y, expected)
    (t, b), (l, r) = widths
    numpy.testing.assert_array_equal(gx, upstream[:, t:t + 3, l:l + 4])
    first = ZeroPadding2D(padding, data_format="channels_first", dtype="float64")
    numpy.testing.assert_array_equal(first(x.transpose(0, 3, 1, 2)).numpy(),
                                     expected.transpose(0, 3, 1, 2))


def test_permute_and_repeat_vector_match_numpy():
    rng = numpy.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 5))
    upstream = rng.standard_normal((2, 5, 3, 4))
    y, gx = run(Permute((3, 1, 2), dtype="float64"), x, upstream)
    numpy.testing.assert_array_equal(y, x.transpose(0, 3, 1, 2))
    numpy.testing.assert_array_equal(gx, upstream.transpose(0, 2, 3, 1))
    v = rng.standard_normal((2, 5))
    upstream = rng.standard_normal((2, 3, 5))
    y, gv = run(RepeatVector(3, dtype="float64"), v, upstream)
    numpy.testing.assert_array_equal(y, numpy.repeat(v[:, None], 3, 1))
    numpy.testing.assert_allclose(gv, upstream.sum(1), atol=1e-12)


@pytest.mark.parametrize("layer", [UpSampling2D((2, 3), interpolation="bilinear"),
                                   ZeroPadding2D(((1, 0), (2, 3))), Permute((2, 1)),
                                   RepeatVector(4)])
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"up \(UpSampling2D\): expected 4-d .*\(2, 3, 4\)"):
        UpSampling2D(name="up")(numpy.ones((2, 3, 4), "float32"))
    with pytest.raises(NotImplementedError, match="bicubic"):
        UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match=r"zp \(ZeroPadding2D\): expected 4-d"):
        ZeroPadding2D(name="zp")(numpy.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"p \(Permute\): dims \(2, 1\) expect inputs of 3 dims"):
        Permute((2, 1), name="p")(numpy.ones((2, 3, 4, 5), "float32"))
    with pytest.raises(ValueError, match="permutation"):
        Permute((0, 1))
    with pytest.raises(ValueError, match=r"rv \(RepeatVector\): expected inputs of shape \(N, F\)"):
        RepeatVector(2, name="rv")(numpy.ones((2, 3, 4), "float32"))
