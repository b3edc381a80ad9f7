"""keras.optimizers.schedules: values at chosen steps, computed by hand."""

import math

import pytest

from shenjing.keras.optimizers import schedules


def test_exponential_decay():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert s(0) == pytest.approx(0.1)
    assert s(5) == pytest.approx(0.1 * 0.5 ** 0.5)
    assert s(20) == pytest.approx(0.025)
    stairs = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert stairs(9) == pytest.approx(0.1) and stairs(10) == pytest.approx(0.05)


def test_inverse_time_decay():
    s = schedules.InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
    assert [s(t) for t in (0, 1, 2, 4)] == pytest.approx([0.1, 0.1 / 1.5, 0.05, 0.1 / 3])
    stairs = schedules.InverseTimeDecay(1.0, decay_steps=4, decay_rate=1.0, staircase=True)
    assert stairs(3) == 1.0 and stairs(4) == 0.5 and stairs(9) == pytest.approx(1 / 3)


def test_polynomial_decay():
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=2.0)
    assert s(0) == pytest.approx(0.1)
    assert s(5) == pytest.approx(0.09 * 0.25 + 0.01)
    assert s(10) == pytest.approx(0.01) and s(50) == pytest.approx(0.01)
    assert schedules.PolynomialDecay(0.1, 10)(10) == pytest.approx(0.0001)   # Keras's default end
    cyc = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0, cycle=True)
    assert cyc(0) == pytest.approx(0.1)
    assert cyc(15) == pytest.approx(0.1 * (1 - 15 / 20))     # over the first multiple above: 20


def test_cosine_decay_and_warmup():
    s = schedules.CosineDecay(0.1, decay_steps=10, alpha=0.1)
    assert s(0) == pytest.approx(0.1)
    assert s(5) == pytest.approx(0.1 * (0.9 * 0.5 + 0.1))
    assert s(10) == pytest.approx(0.01) and s(100) == pytest.approx(0.01)
    w = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    assert [w(t) for t in (0, 1, 2)] == pytest.approx([0.0, 0.25, 0.5])
    assert w(4) == pytest.approx(1.0)
    assert w(9) == pytest.approx(0.5 * (1 + math.cos(math.pi * 5 / 10)))
    assert w(14) == pytest.approx(0.0, abs=1e-12) and w(99) == pytest.approx(0.0, abs=1e-12)


def test_piecewise_constant_decay():
    s = schedules.PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    assert [s(t) for t in (0, 100, 101, 110, 111, 10**6)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    with pytest.raises(ValueError, match="one more entry than boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5])


def test_config_round_trip_and_errors():
    s = schedules.PolynomialDecay(0.2, 7, end_learning_rate=0.02, power=0.5, cycle=True)
    rebuilt = schedules.deserialize(schedules.serialize(s))
    assert rebuilt.get_config() == s.get_config() and rebuilt(3) == s(3)
    with pytest.raises(ValueError, match="decay_steps must be > 0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="unknown learning rate schedule 'Cosine'"):
        schedules.deserialize({"class_name": "Cosine", "config": {}})
