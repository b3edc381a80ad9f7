"""``keras.initializers``: names, shapes and dtypes, Keras's fans and variance formulas (checked
by the statistics of large draws), seeds, configs."""

import math

import numpy
import pytest

import shenjing
from shenjing.keras import initializers
from shenjing.keras.layers import Dense

RANDOM = ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
          "lecun_uniform", "random_normal", "random_uniform", "truncated_normal",
          "variance_scaling", "orthogonal"]
ALL = RANDOM + ["zeros", "ones", "constant", "identity"]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_name_gives_an_array_of_the_shape_and_dtype(name, dtype):
    values = initializers.get(name)((5, 3), dtype)
    assert isinstance(values, numpy.ndarray)
    assert values.shape == (5, 3) and values.dtype == numpy.dtype(dtype)
    assert numpy.isfinite(values).all()


@pytest.mark.parametrize("snake, camel", [("glorot_uniform", "GlorotUniform"),
                                          ("he_normal", "HeNormal"),
                                          ("lecun_uniform", "LecunUniform"),
                                          ("random_normal", "RandomNormal"),
                                          ("truncated_normal", "TruncatedNormal"),
                                          ("variance_scaling", "VarianceScaling")])
def test_snake_case_and_class_names_give_the_same_initializer(snake, camel):
    assert type(initializers.get(snake)) is type(initializers.get(camel))
    assert type(initializers.get(camel)).__name__ == camel


def test_the_default_dtype_is_float32_and_random_draws_need_a_float_dtype():
    assert initializers.get("glorot_uniform")((2, 2)).dtype == numpy.float32
    assert initializers.Zeros()((2,), "int64").dtype == numpy.int64
    with pytest.raises(ValueError, match="float dtype.*int32"):
        initializers.HeNormal()((2, 2), "int32")


@pytest.mark.parametrize("shape, fans", [((), (1, 1)), ((7,), (7, 7)), ((20, 30), (20, 30)),
                                         ((3, 3, 16, 32), (144, 288)),
                                         ((5, 4, 8), (20, 40))])
def test_fans_follow_keras_convention(shape, fans):
    assert initializers.compute_fans(shape) == fans


def _tolerance(n, variance):
    """Five standard errors of a sample variance of n draws (kurtosis below 3)."""
    return 5 * variance * math.sqrt(2 / n)


# (name, expected variance from the fans): Glorot 2 / (in + out), He 2 / in, LeCun 1 / in
VARIANCES = [("glorot_uniform", lambda i, o: 2 / (i + o)),
             ("glorot_normal", lambda i, o: 2 / (i + o)),
             ("he_uniform", lambda i, o: 2 / i), ("he_normal", lambda i, o: 2 / i),
             ("lecun_uniform", lambda i, o: 1 / i), ("lecun_normal", lambda i, o: 1 / i)]


@pytest.mark.parametrize("name, variance", VARIANCES)
@pytest.mark.parametrize("shape", [(300, 500), (3, 3, 64, 128)])
def test_scaled_initializers_have_keras_variance_for_dense_and_conv_kernels(name, variance,
                                                                           shape):
    shenjing.manual_seed(0)
    w = initializers.get(name)(shape, "float64")
    fan_in, fan_out = initializers.compute_fans(shape)
    expected = variance(fan_in, fan_out)
    assert abs(w.mean()) < 5 * math.sqrt(expected / w.size)
    assert abs(w.var() - expected) < _tolerance(w.size, expected)
    if name.endswith("uniform"):   # U(-limit, limit) with limit = sqrt(3 var)
        limit = math.sqrt(3 * expected)
        assert numpy.abs(w).max() <= limit and numpy.abs(w).max() > 0.999 * limit
    else:                           # truncated at 2 stddev of the untruncated normal
        bound = 2 * math.sqrt(expected) / initializers.TRUNCATED_STDDEV
        assert numpy.abs(w).max() <= bound and numpy.abs(w).max() > 0.99 * bound


def test_glorot_uniform_limit_is_sqrt_6_over_fan_in_plus_fan_out():
    shenjing.manual_seed(1)
    w = initializers.GlorotUniform()((400, 600), "float64")
    limit = math.sqrt(6 / 1000)
    assert limit * 0.999 < numpy.abs(w).max() <= limit
    assert abs(w.var() - limit ** 2 / 3) < _tolerance(w.size, limit ** 2 / 3)


def test_he_normal_std_after_truncation_is_sqrt_2_over_fan_in():
    shenjing.manual_seed(2)
    w = initializers.HeNormal()((500, 400), "float64")
    std = math.sqrt(2 / 500)
    # the std of n draws has a standard error below std / sqrt(2 n) (kurtosis below 3)
    assert abs(w.std() - std) < 5 * std / math.sqrt(2 * w.size)


def test_variance_scaling_modes_and_distributions():
    shenjing.manual_seed(3)
    shape = (200, 800)
    for mode, n in (("fan_in", 200), ("fan_out", 800), ("fan_avg", 500)):
        for distribution in ("truncated_normal", "untruncated_normal", "uniform"):
            w = initializers.VarianceScaling(3.0, mode, distribution)(shape, "float64")
            assert abs(w.var() - 3.0 / n) < _tolerance(w.size, 3.0 / n), (mode, distribution)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")


def test_fixed_distributions():
    shenjing.manual_seed(4)
    n = 200_000
    w = initializers.RandomNormal(mean=1.0, stddev=0.5)((n,), "float64")
    assert abs(w.mean() - 1.0) < 5 * 0.5 / math.sqrt(n)
    assert abs(w.std() - 0.5) < 5 * 0.5 / math.sqrt(n)
    u = initializers.RandomUniform(-0.2, 0.6)((n,), "float64")
    assert u.min() >= -0.2 and u.max() < 0.6 and abs(u.mean() - 0.2) < 0.01
    t = initializers.TruncatedNormal(mean=-1.0, stddev=0.1)((n,), "float64")
    assert numpy.abs(t + 1.0).max() <= 0.2 and numpy.abs(t + 1.0).max() > 0.199
    assert abs(t.std() - 0.1 * initializers.TRUNCATED_STDDEV) < 0.002


def test_constants_and_identity():
    numpy.testing.assert_array_equal(initializers.get("zeros")((2, 3)), numpy.zeros((2, 3)))
    numpy.testing.assert_array_equal(initializers.get("ones")((4,)), numpy.ones(4))
    numpy.testing.assert_array_equal(initializers.Constant(0.25)((2, 2)), numpy.full((2, 2), 0.25))
    numpy.testing.assert_array_equal(initializers.Identity(gain=2.0)((2, 3)),
                                     [[2, 0, 0], [0, 2, 0]])
    with pytest.raises(ValueError, match="2-d"):
        initializers.Identity()((2, 2, 2))


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 3, 4, 8)])
def test_orthogonal_columns_or_rows_are_orthonormal(shape):
    w = initializers.Orthogonal(gain=1.5, seed=0)(shape, "float64")
    assert w.shape == shape
    matrix = w.reshape(-1, shape[-1]) / 1.5
    gram = matrix.T @ matrix if matrix.shape[0] >= matrix.shape[1] else matrix @ matrix.T
    numpy.testing.assert_allclose(gram, numpy.eye(len(gram)), atol=1e-12)


def test_the_process_seed_makes_draws_reproducible():
    init = initializers.get("he_uniform")
    shenjing.manual_seed(42)
    first, second = init((8, 8)), init((8, 8))
    assert not numpy.array_equal(first, second)          # the stream moves on
    shenjing.manual_seed(42)
    numpy.testing.assert_array_equal(init((8, 8)), first)
    numpy.testing.assert_array_equal(init((8, 8)), second)


def test_a_seeded_initializer_repeats_itself_and_ignores_the_process_seed():
    init = initializers.GlorotNormal(seed=7)
    shenjing.manual_seed(0)
    a = init((5, 5))
    shenjing.manual_seed(1)
    numpy.testing.assert_array_equal(init((5, 5)), a)
    numpy.testing.assert_array_equal(initializers.GlorotNormal(seed=7)((5, 5)), a)
    assert not numpy.array_equal(initializers.GlorotNormal(seed=8)((5, 5)), a)
    with pytest.raises(ValueError, match="seed"):
        initializers.HeNormal(seed=1.5)


@pytest.mark.parametrize("init", [initializers.GlorotUniform(seed=3), initializers.HeNormal(),
                                  initializers.RandomNormal(0.5, 0.1, seed=2),
                                  initializers.RandomUniform(-1.0, 2.0),
                                  initializers.TruncatedNormal(stddev=0.2),
                                  initializers.Constant(3.0), initializers.Zeros(),
                                  initializers.Ones(), initializers.Orthogonal(gain=2.0, seed=1),
                                  initializers.Identity(0.5),
                                  initializers.VarianceScaling(2.0, "fan_out", "uniform", 5)])
def test_config_round_trips(init):
    config = init.get_config()
    again = type(init).from_config(config)
    assert again.get_config() == config
    serialized = initializers.serialize(init)
    assert serialized == {"class_name": type(init).__name__, "config": config}
    rebuilt = initializers.get(serialized)
    assert type(rebuilt) is type(init) and rebuilt.get_config() == config
    if getattr(init, "seed", None) is not None:
        numpy.testing.assert_array_equal(rebuilt((4, 3)), init((4, 3)))


def test_get_accepts_objects_classes_dicts_and_callables():
    init = initializers.HeNormal(seed=1)
    assert initializers.get(init) is init
    assert initializers.get(None) is None
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)

    def fives(shape, dtype=None):
        return numpy.full(shape, 5.0, dtype)
    assert initializers.get(fives) is fives
    value = initializers.get({"class_name": "Constant", "config": {"value": 0.1},
                              "module": "keras.initializers", "registered_name": None})((3,))
    numpy.testing.assert_allclose(value, 0.1)


def test_unknown_names_raise_with_the_known_names():
    with pytest.raises(ValueError, match=r"'glorot_uniformm'.*glorot_uniform.*he_normal"):
        initializers.get("glorot_uniformm")
    with pytest.raises(ValueError, match="'Xavier'"):
        initializers.get({"class_name": "Xavier", "config": {}})
    with pytest.raises(ValueError, match="could not interpret"):
        initializers.get(3)


def test_a_layer_weight_uses_the_initializer():
    layer = Dense(3, kernel_initializer=initializers.Constant(0.5), bias_initializer="ones")
    layer(shenjing.ones(2, 4))
    numpy.testing.assert_array_equal(layer.kernel.numpy(), numpy.full((4, 3), 0.5, numpy.float32))
    numpy.testing.assert_array_equal(layer.bias.numpy(), numpy.ones(3, numpy.float32))
