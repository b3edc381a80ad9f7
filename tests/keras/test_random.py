"""keras.random: distributions (moments and ranges against Keras 3's own draws), the three
kinds of seed (None: the process generator; an int: stateless; a SeedGenerator: stateful),
dropout's scaling, mask sharing and gradient, shuffle, and errors."""

import numpy
import pytest

from shenjing import keras
from shenjing.autograd import Tensor, gradcheck
from shenjing.keras import random
from tests.keras.oracle import keras3, to_numpy

N = 200_000


@pytest.mark.parametrize("name, call", [
    ("normal", lambda r: r.normal((N,), mean=1.5, stddev=2.0, seed=1)),
    ("uniform", lambda r: r.uniform((N,), minval=-1.0, maxval=3.0, seed=1)),
    ("truncated_normal", lambda r: r.truncated_normal((N,), mean=-1.0, stddev=0.5, seed=1)),
    ("randint", lambda r: r.randint((N,), 3, 9, seed=1)),
])
def test_distributions_match_keras(name, call):
    keras_ = keras3()
    ours, theirs = call(random), to_numpy(call(keras_.random))
    assert isinstance(ours, Tensor)
    values = ours.numpy()
    assert values.shape == theirs.shape and str(values.dtype) == str(theirs.dtype)
    assert values.mean() == pytest.approx(theirs.mean(), abs=0.02)
    assert values.std() == pytest.approx(theirs.std(), abs=0.02)
    assert values.min() >= theirs.min() - 0.05 and values.max() <= theirs.max() + 0.05


def test_truncated_normal_stays_within_two_stddevs():
    x = random.truncated_normal((50_000,), mean=3.0, stddev=0.1, seed=0).numpy()
    assert x.min() >= 2.8 - 1e-6 and x.max() <= 3.2 + 1e-6
    assert x.std() == pytest.approx(0.1 * 0.8796, rel=0.02)   # the std of N(0, 1) cut at +-2


def test_randint_range_and_dtype():
    x = random.randint((10_000,), -2, 3, seed=5).numpy()
    assert x.dtype == numpy.int32 and set(numpy.unique(x)) == {-2, -1, 0, 1, 2}
    assert random.randint((4,), 0, 10, dtype="int64", seed=5).dtype == numpy.int64


def test_int_seed_is_stateless_and_seed_generator_moves_on():
    a = random.normal((3, 4), seed=42).numpy()
    numpy.testing.assert_array_equal(a, random.normal((3, 4), seed=42).numpy())
    assert not numpy.array_equal(a, random.normal((3, 4), seed=43).numpy())
    g1, g2 = random.SeedGenerator(7), random.SeedGenerator(7)
    first, second = random.uniform((5,), seed=g1).numpy(), random.uniform((5,), seed=g1).numpy()
    assert not numpy.array_equal(first, second)
    numpy.testing.assert_array_equal(first, random.uniform((5,), seed=g2).numpy())
    numpy.testing.assert_array_equal(second, random.uniform((5,), seed=g2).numpy())


def test_unseeded_calls_follow_set_random_seed():
    keras.utils.set_random_seed(11)
    a = [random.normal((4,)).numpy(), random.dropout(numpy.ones(50), 0.5).numpy(),
         random.SeedGenerator().seed]
    keras.utils.set_random_seed(11)
    b = [random.normal((4,)).numpy(), random.dropout(numpy.ones(50), 0.5).numpy(),
         random.SeedGenerator().seed]
    numpy.testing.assert_array_equal(a[0], b[0])
    numpy.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]
    assert not numpy.array_equal(a[0], random.normal((4,)).numpy())


def test_seeded_dropout_leaves_the_process_generator_alone():
    keras.utils.set_random_seed(3)
    expected = random.normal((6,)).numpy()
    keras.utils.set_random_seed(3)
    random.dropout(numpy.ones(100), 0.3, seed=random.SeedGenerator(1))
    numpy.testing.assert_array_equal(random.normal((6,)).numpy(), expected)


def test_dropout_scales_kept_elements_and_keeps_the_rate():
    x = numpy.full((400, 500), 2.0, numpy.float32)
    y = random.dropout(x, 0.25, seed=0).numpy()
    assert set(numpy.unique(y)) == {0.0, numpy.float32(2.0 / 0.75)}
    assert (y == 0).mean() == pytest.approx(0.25, abs=0.01)
    numpy.testing.assert_array_equal(y, random.dropout(x, 0.25, seed=0).numpy())


def test_dropout_matches_keras_statistics():
    keras_ = keras3()
    import torch
    x = numpy.ones((300, 300), numpy.float32)
    theirs = to_numpy(keras_.random.dropout(torch.tensor(x), 0.4, seed=2))
    ours = random.dropout(x, 0.4, seed=2).numpy()
    assert set(numpy.unique(ours)) == set(numpy.unique(theirs))
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.02)


def test_dropout_noise_shape_shares_the_mask():
    x = numpy.ones((64, 5, 8))
    y = random.dropout(x, 0.5, noise_shape=(None, 1, 8), seed=4).numpy()
    assert (y == y[:, :1, :]).all()                      # one mask along axis 1
    assert 0.3 < (y[:, 0, :] == 0).mean() < 0.7


def test_dropout_gradient_is_the_mask():
    x = Tensor(numpy.random.default_rng(0).standard_normal((6, 7)), requires_grad=True)
    y = random.dropout(x, 0.5, seed=9)
    y.sum().backward()
    mask = y.numpy() / x.numpy()
    numpy.testing.assert_allclose(x.grad.numpy(), mask)
    assert gradcheck(lambda t: random.dropout(t, 0.5, seed=9), (x,))


def test_shuffle_permutes_along_an_axis_with_gradient():
    x = Tensor(numpy.arange(24.0).reshape(4, 6), requires_grad=True)
    y = random.shuffle(x, axis=1, seed=3)
    assert sorted(y.numpy()[0]) == list(range(6))
    numpy.testing.assert_array_equal(y.numpy() - y.numpy()[:, :1], numpy.tile(
        y.numpy()[0] - y.numpy()[0, 0], (4, 1)))             # one permutation for every row
    (y * Tensor(numpy.arange(24.0).reshape(4, 6))).sum().backward()
    assert sorted(x.grad.numpy().reshape(-1)) == list(range(24))
    numpy.testing.assert_array_equal(y.numpy(), random.shuffle(x, axis=1, seed=3).numpy())


def test_categorical_follows_the_softmax():
    logits = numpy.log([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    draws = random.categorical(logits, 20_000, seed=0).numpy()
    assert draws.shape == (2, 20_000) and draws.dtype == numpy.int32
    numpy.testing.assert_allclose(numpy.bincount(draws[0], minlength=3) / 20_000,
                                  [0.7, 0.2, 0.1], atol=0.015)
    numpy.testing.assert_allclose(numpy.bincount(draws[1], minlength=3) / 20_000,
                                  [0.1, 0.1, 0.8], atol=0.015)


def test_bad_input_names_the_function():
    with pytest.raises(TypeError, match=r"keras\.random\.normal: seed must be"):
        random.normal((2,), seed="abc")
    with pytest.raises(ValueError, match=r"keras\.random\.uniform: dtype must be a floating"):
        random.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match=r"keras\.random\.randint: maxval \(2\) must be larger"):
        random.randint((2,), 5, 2)
    with pytest.raises(ValueError, match=r"keras\.random\.dropout: rate must be in"):
        random.dropout(numpy.ones(3), 1.5)
    with pytest.raises(ValueError, match=r"keras\.random\.dropout: noise_shape \(2, 3\) does not "
                                         r"broadcast to the input's shape \(4, 3\)"):
        random.dropout(numpy.ones((4, 3)), 0.5, noise_shape=(2, 3))
    with pytest.raises(TypeError, match=r"keras\.random\.SeedGenerator: seed must be"):
        random.SeedGenerator("x")


def test_reachable_from_the_keras_face():
    assert keras.random is random
    from shenjing.keras import ops
    assert keras.ops is ops and keras.ops.matmul is ops.matmul
