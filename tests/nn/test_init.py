"""nn.init: the initialisers have the variances the formulas promise, and PyTorch's gains."""

import math

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.nn import init


def big(*shape):
    return sj.empty(*shape)


def test_xavier_uniform_and_normal_variance():
    sj.manual_seed(0)
    w = init.xavier_uniform_(big(300, 500))
    a = math.sqrt(6 / 800)
    assert np.abs(w.numpy()).max() <= a
    assert w.numpy().var() == pytest.approx(2 / 800, rel=0.03)
    w = init.xavier_normal_(big(300, 500), gain=2.0)
    assert w.numpy().std() == pytest.approx(2 * math.sqrt(2 / 800), rel=0.03)


def test_kaiming_variance_with_fan_modes_and_conv_receptive_field():
    sj.manual_seed(0)
    w = init.kaiming_normal_(big(256, 64, 3, 3), nonlinearity="relu")
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / (64 * 9)), rel=0.03)
    w = init.kaiming_uniform_(big(256, 64, 3, 3), mode="fan_out", nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / (256 * 9))
    assert np.abs(w.numpy()).max() <= bound
    assert w.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.03)


def test_orthogonal_rows_or_columns_are_orthonormal():
    w = init.orthogonal_(big(5, 8)).numpy().astype(np.float64)
    np.testing.assert_allclose(w @ w.T, np.eye(5), atol=1e-5)
    w = init.orthogonal_(big(8, 5), gain=2.0).numpy().astype(np.float64)
    np.testing.assert_allclose(w.T @ w, 4 * np.eye(5), atol=1e-4)


def test_trunc_normal_stays_in_bounds():
    w = init.trunc_normal_(big(10000), std=1.0, a=-0.5, b=0.5).numpy()
    assert w.min() >= -0.5 and w.max() <= 0.5 and w.std() > 0.2


def test_constant_initialisers_and_seed():
    assert init.zeros_(big(3)).tolist() == [0, 0, 0]
    assert init.ones_(big(2)).tolist() == [1, 1]
    assert init.constant_(big(2), 0.5).tolist() == [0.5, 0.5]
    assert init.eye_(big(2, 2)).tolist() == [[1, 0], [0, 1]]
    sj.manual_seed(3)
    first = init.normal_(big(4)).tolist()
    sj.manual_seed(3)
    assert init.normal_(big(4)).tolist() == first


def test_init_on_parameters_keeps_identity_and_dtype():
    layer = nn.Linear(3, 2)
    w = layer.weight
    init.xavier_uniform_(layer.weight)
    assert layer.weight is w and w.dtype == sj.float32 and w.requires_grad


def test_errors():
    with pytest.raises(ValueError, match="at least 2 dims"):
        init.xavier_uniform_(big(3))
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_normal_(big(3, 3), mode="fan")
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swoosh")


def test_gains_match_pytorch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
