"""gradcheck itself: it passes on correct gradients and reports the worst element otherwise."""

import pytest

import shenjing as sj
from shenjing.autograd import Function, GradcheckError, gradcheck


class WrongSquare(Function):
    """y = x^2 with a deliberately wrong derivative (3x instead of 2x)."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return gy * 3 * self.x


def test_passes_on_composite_function():
    sj.manual_seed(0)
    x = sj.randn(3, 4, dtype=sj.float64, requires_grad=True)
    w = sj.randn(4, 2, dtype=sj.float64, requires_grad=True)
    result = gradcheck(lambda x, w: (x @ w).tanh().sum(0), (x, w))
    assert result and result.max_relative_error < 1e-8


def test_reports_wrong_gradient_with_worst_element():
    x = sj.tensor([1.0, -2.0, 3.0], dtype=sj.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="worst element"):
        gradcheck(lambda x: WrongSquare()(x), (x,))
    result = gradcheck(lambda x: WrongSquare()(x), (x,), raise_exception=False)
    assert not result and result.max_relative_error > 0.1
    assert "input 0" in str(result)


def test_refuses_float32_and_inputs_without_grad():
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda x: x * 2, (sj.ones(2, requires_grad=True),))
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda x: x * 2, (sj.ones(2, dtype=sj.float64),))


def test_non_tensor_arguments_pass_through():
    x = sj.randn(5, dtype=sj.float64, requires_grad=True)
    assert gradcheck(lambda x, p: x ** p, (x, 3))
