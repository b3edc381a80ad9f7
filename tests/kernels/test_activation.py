"""ReLU, leaky ReLU, sigmoid and tanh: the kernels against the NumPy reference, forward
and gradient, float32 and float64, in C, transposed and channels-last layouts."""

import numpy as np
import pytest

import shenjing
from shenjing import kernels
from shenjing.ops import activation
from shenjing.ops.activation import leaky_relu, relu, sigmoid, tanh

from .parity import assert_parity, run

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")


@pytest.fixture(autouse=True)
def every_size(monkeypatch):
    """Small arrays take the kernels too (the op leaves them to NumPy for speed)."""
    monkeypatch.setattr(activation, "MIN_SIZE", 0)

OPS = {"relu": relu, "leaky_relu": lambda x: leaky_relu(x, 0.07), "sigmoid": sigmoid,
       "tanh": tanh}
LAYOUTS = {
    "c": lambda a: a,
    "transposed": lambda a: a.T,
    "channels_last": lambda a: np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2),
    "strided": lambda a: a[..., ::2],          # not one dense block: the reference runs
}


def _input(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 4, 5, 7)) * 4
    x.flat[:6] = [0.0, -0.0, 30.0, -30.0, 100.0, -100.0]
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("name", sorted(OPS))
def test_parity(name, layout, dtype):
    x = LAYOUTS[layout](_input(dtype))
    fast, _ = assert_parity(OPS[name], [x])
    if layout != "strided":
        assert fast[0].strides == x.strides


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("shape", [(), (1,), (0, 3), (1001,)])
def test_odd_shapes(name, shape):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    assert_parity(lambda t: OPS[name](t) * 1.0, [x])


def test_relu_special_values():
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, -1.0, 2.0], np.float32)
    fast, slow = run(relu, [x], grad=False), run(relu, [x], reference=True, grad=False)
    np.testing.assert_array_equal(fast[0], slow[0])


@pytest.mark.parametrize("name", sorted(OPS))
def test_split_matches(name, monkeypatch):
    monkeypatch.setattr(activation, "SPLIT_SIZE", 100)
    x = np.random.default_rng(2).standard_normal((33, 31)).astype(np.float32)
    assert_parity(OPS[name], [x])


def test_mixed_layouts_fall_back():
    """A gradient in another layout than the saved output: the reference backward runs."""
    x = shenjing.from_numpy(_input(np.float32)).requires_grad_(True)
    y = relu(x)
    gy = np.ascontiguousarray(np.ones(y.shape, np.float32).T).T
    y.backward(shenjing.from_numpy(gy))
    np.testing.assert_array_equal(x.grad.numpy(), (x.numpy() > 0).astype(np.float32))


def test_takes_the_kernel():
    x = _input(np.float32)
    assert activation._kernel("relu_forward", x) is not None
    assert activation._kernel("relu_forward", x.astype(np.int32)) is None
    with kernels.reference():
        assert activation._kernel("relu_forward", x) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((5, 10), -1), ((2, 3, 81), 2), ((7, 1), -1), ((4,), 0),
                                       ((5, 10), 0)])
def test_softmax(name, shape, dim, dtype):
    x = (np.random.default_rng(3).standard_normal(shape) * 5).astype(dtype)
    x.flat[0] = 60.0
    fn = getattr(shenjing.ops.activation, name)
    assert_parity(lambda t: fn(t, dim=dim), [x])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_transposed_and_masked(name):
    x = np.random.default_rng(4).standard_normal((6, 9)).astype(np.float32)
    fn = getattr(shenjing.ops.activation, name)
    assert_parity(lambda t: fn(t, dim=-1), [x.T.copy().T])          # not C-contiguous
    x[:, :3] = -np.inf                                              # masked positions
    fast, slow = run(lambda t: fn(t, dim=-1), [x], grad=False), \
        run(lambda t: fn(t, dim=-1), [x], reference=True, grad=False)
    np.testing.assert_allclose(fast[0], slow[0], rtol=2e-5, atol=1e-6)
