"""Random augmentations, Rescaling and Normalization, on real MNIST digits."""

import math

import numpy
import pytest

import shenjing
from shenjing.datasets import load_sample
from shenjing.image import (Normalization, RandomFlip, RandomRot90, RandomRotation,
                            RandomTranslation, RandomZoom, Rescaling, rot90, translate)


@pytest.fixture(scope="module")
def digits():
    images, _ = load_sample("mnist")
    return images[:64, :, :, None]  # uint8 (64, 28, 28, 1)


def test_random_flip(digits):
    x = digits.astype(numpy.float32)
    out = RandomFlip("horizontal", seed=0)(digits)
    assert out.dtype == numpy.float32 and out.shape == digits.shape
    flipped = numpy.array([numpy.array_equal(o, i[:, ::-1]) for o, i in zip(out, x)])
    same = numpy.array([numpy.array_equal(o, i) for o, i in zip(out, x)])
    assert numpy.all(flipped | same) and 10 < flipped.sum() < 54
    numpy.testing.assert_array_equal(RandomFlip("horizontal", seed=0)(digits), out)
    vertical = RandomFlip("vertical", seed=1)(digits)
    assert all(numpy.array_equal(o, i) or numpy.array_equal(o, i[::-1])
               for o, i in zip(vertical, x))
    both = RandomFlip(seed=2)(digits)
    variants = [lambda i: i, lambda i: i[::-1], lambda i: i[:, ::-1], lambda i: i[::-1, ::-1]]
    kinds = [next(k for k, f in enumerate(variants) if numpy.array_equal(o, f(i)))
             for o, i in zip(both, x)]
    assert set(kinds) == {0, 1, 2, 3}
    numpy.testing.assert_array_equal(RandomFlip(seed=0)(digits, training=False), x)
    with pytest.raises(ValueError, match="mode must be one of"):
        RandomFlip("diagonal")


def test_process_generator_gives_reproducible_augmentation(digits):
    layer = RandomRotation(0.1)
    shenjing.manual_seed(123)
    first = layer(digits)
    shenjing.manual_seed(123)
    numpy.testing.assert_array_equal(layer(digits), first)
    assert not numpy.array_equal(layer(digits), first)  # the generator moved on


def test_random_rotation(digits):
    quarter = RandomRotation((0.25, 0.25), interpolation="nearest")  # exactly +90 degrees
    numpy.testing.assert_array_equal(quarter(digits), rot90(digits.astype(numpy.float32)))
    out = RandomRotation(0.05, fill_mode="constant", seed=4)(digits)
    assert out.shape == digits.shape
    # small angles keep most of the ink in place
    overlap = (out > 127) & (digits > 127)
    assert overlap.sum() > 0.5 * (digits > 127).sum()
    assert RandomRotation(0.1).lower == -0.1 and RandomRotation(0.1).upper == 0.1
    with pytest.raises(ValueError, match="lower bound 0.3 is above upper bound 0.1"):
        RandomRotation((0.3, 0.1))


def test_random_rot90(digits):
    out = RandomRot90(seed=0)(digits)
    x = digits.astype(numpy.float32)
    ks = [next(k for k in range(4) if numpy.array_equal(o, rot90(i, k))) for o, i in zip(out, x)]
    assert set(ks) == {0, 1, 2, 3}
    with pytest.raises(ValueError, match="square"):
        RandomRot90()(numpy.zeros((1, 2, 3, 1)))


def test_random_translation(digits):
    down = RandomTranslation((0.25, 0.25), 0.0, fill_mode="constant", interpolation="nearest")
    x = digits.astype(numpy.float32)
    numpy.testing.assert_array_equal(down(digits), translate(x, 0, 7, "nearest"))  # 0.25 * 28
    left = RandomTranslation(0.0, (-0.5, -0.5), fill_mode="wrap", interpolation="nearest")
    numpy.testing.assert_array_equal(left(digits), numpy.roll(x, -14, axis=2))
    out = RandomTranslation(0.1, 0.1, seed=0)(digits)
    assert out.shape == digits.shape and out.dtype == numpy.float32


def test_random_zoom(digits):
    x = digits.astype(numpy.float32)
    numpy.testing.assert_array_equal(RandomZoom((0.0, 0.0))(digits), x)
    out = RandomZoom((1.0, 1.0), fill_mode="constant", interpolation="nearest")(numpy.ones(
        (1, 5, 5, 1)))
    assert out[0, :, :, 0].tolist()[0] == [0, 0, 0, 0, 0] and out[0, 2, 2, 0] == 1  # zoomed out
    stretched = RandomZoom((0.0, 0.0), (1.0, 1.0), fill_mode="constant")(numpy.ones((1, 5, 5, 1)))
    # width zoom 2: output x reads 2 (x - 2) + 2, inside for x = 1, 2, 3 only
    assert stretched[0, 0, :, 0].tolist() == [0, 1, 1, 1, 0] and stretched[0, :, 2, 0].all()
    with pytest.raises(ValueError, match=">= -1"):
        RandomZoom((-1.5, 0.0))


def test_tensors_in_tensors_out(digits):
    t = shenjing.tensor(digits[:4].astype(numpy.float32))
    for layer in (RandomFlip(seed=0), RandomRotation(0.1, seed=0), RandomZoom(0.1, seed=0),
                  RandomTranslation(0.1, 0.1, seed=0), Rescaling(1 / 255)):
        out = layer(t)
        assert isinstance(out, shenjing.Tensor) and out.shape == (4, 28, 28, 1)
    single = RandomFlip(seed=0)(digits[0])
    assert single.shape == (28, 28, 1)


def test_rescaling(digits):
    out = Rescaling(1 / 255)(digits)
    assert out.dtype == numpy.float32 and out.max() == 1.0 and out.min() == 0.0
    centred = Rescaling(1 / 127.5, offset=-1)(digits)
    assert centred.min() == -1.0 and centred.max() == 1.0


def rgb_images():
    rng = numpy.random.default_rng(0)
    return (rng.normal([10, 20, 30], [1, 2, 3], size=(40, 6, 6, 3))).astype(numpy.float32)


def test_normalization_per_channel():
    x = rgb_images()
    norm = Normalization()
    norm.adapt(x)
    numpy.testing.assert_allclose(norm.mean.reshape(-1), x.mean(axis=(0, 1, 2)), rtol=1e-5)
    numpy.testing.assert_allclose(norm.variance.reshape(-1), x.var(axis=(0, 1, 2)), rtol=1e-4)
    out = norm(x)
    assert out.dtype == numpy.float32
    numpy.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    numpy.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)
    back = Normalization(invert=True, mean=norm.mean.reshape(-1),
                         variance=norm.variance.reshape(-1))
    numpy.testing.assert_allclose(back(out), x, rtol=1e-5)


def test_normalization_batches_axis_none_and_fixed_statistics():
    x = rgb_images()
    whole, batched = Normalization(), Normalization()
    whole.adapt(x)
    batched.adapt([x[:7], x[7:25], x[25:]])  # Keras's running combination
    numpy.testing.assert_allclose(batched.mean, whole.mean, rtol=1e-6)
    numpy.testing.assert_allclose(batched.variance, whole.variance, rtol=1e-6)
    scalar = Normalization(axis=None)
    scalar.adapt(x)
    numpy.testing.assert_allclose(scalar.mean, x.mean(), rtol=1e-5)
    fixed = Normalization(mean=2.0, variance=4.0)
    assert fixed(numpy.array([[4.0]])).tolist() == [[1.0]]
    constant = Normalization(mean=[1.0], variance=[0.0])
    assert constant(numpy.array([[3.0]]))[0, 0] == pytest.approx(2e7)  # std floored at 1e-7


def test_normalization_on_mnist(digits):
    norm = Normalization(axis=None)
    norm.adapt(digits)
    x = digits.astype(numpy.float64)
    assert norm.mean.item() == pytest.approx(x.mean(), rel=1e-6)
    assert norm(digits).std() == pytest.approx(1.0, rel=1e-4)


def test_normalization_errors():
    with pytest.raises(ValueError, match="call adapt"):
        Normalization()(numpy.zeros((2, 3)))
    norm = Normalization()
    norm.adapt(numpy.zeros((4, 3)))
    with pytest.raises(ValueError, match="do not match the adapted shape"):
        norm(numpy.zeros((4, 5)))
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match="axis"):
        Normalization(axis=3).adapt(numpy.zeros((2, 2)))
    assert math.isfinite(Normalization(mean=0.0, variance=0.0)(numpy.ones((1, 1)))[0, 0])
