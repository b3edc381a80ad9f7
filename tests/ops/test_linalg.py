"""matmul (1-d, 2-d, batched, broadcast batch) and linear (with and without bias, any
leading dims) through the shared harness."""

import numpy

import shenjing as sj
from shenjing.ops.linalg import dense

from .harness import OpInfo, S, op_tests, torch_ref as T

MATMUL = [S((4,), (4,)), S((4,), (4, 3)), S((3, 4), (4,)), S((3, 4), (4, 5)), S((2, 3, 4), (2, 4, 5)),
          S((2, 1, 3, 4), (5, 4, 2)), S((2, 3, 4), (4, 5)), S((3, 4), (2, 4, 5)), S((4,), (2, 4, 3)),
          S((2, 3, 4), (4,)), S((1, 3, 4), (2, 4, 2)), S((1, 4), (4, 1))]

TABLE = [
    OpInfo("matmul", sj.matmul, T.matmul, MATMUL),
    OpInfo("matmul_operator", lambda a, b: a @ b, lambda a, b: a @ b, MATMUL[3:6]),
    OpInfo("mm", lambda a, b: a.mm(b), lambda a, b: a.mm(b), [S((3, 4), (4, 2))]),
    OpInfo("bmm", lambda a, b: a.bmm(b), lambda a, b: a.bmm(b), [S((2, 3, 4), (2, 4, 2))]),
    OpInfo("linear", sj.linear, T.nn.functional.linear,
           [S((5, 4), (3, 4)), S((5, 4), (3, 4), (3,)), S((2, 5, 4), (3, 4), (3,)),
            S((4,), (3, 4), (3,)), S((4,), (3, 4)), S((2, 2, 5, 4), (3, 4)), S((1, 4), (1, 4), (1,))]),
    OpInfo("dense", dense, lambda x, k, b=None: T.nn.functional.linear(x, k.T, b),
           [S((5, 4), (4, 3)), S((5, 4), (4, 3), (3,)), S((2, 5, 4), (4, 3), (3,)),
            S((4,), (4, 3), (3,)), S((2, 2, 5, 4), (4, 3)), S((1, 4), (4, 1), (1,))]),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_rmatmul_with_an_array():
    a = numpy.arange(6.0).reshape(2, 3)
    x = sj.ones(3, 2, dtype=sj.float64)
    numpy.testing.assert_allclose((a @ x).array, a @ numpy.ones((3, 2)))


def test_matmul_of_mixed_dtypes_promotes():
    y = sj.matmul(sj.ones(2, 3), sj.ones(3, 2, dtype=sj.float64))
    assert y.dtype == numpy.float64


def test_dense_kernel_gradient_is_in_the_kernels_layout():
    x = sj.tensor(numpy.arange(24.0).reshape(6, 4))        # exact sums in float64
    kernel = sj.ones(4, 3, dtype=sj.float64, requires_grad=True)
    dense(x, kernel).sum().backward()
    assert kernel.grad.shape == (4, 3) and kernel.grad.array.flags.c_contiguous
    numpy.testing.assert_array_equal(kernel.grad.numpy(), x.numpy().T @ numpy.ones((6, 3)))


def test_dense_shape_errors_name_the_layout():
    import pytest
    with pytest.raises(ValueError, match=r"dense.*\(6, 5\).*expects 4"):
        dense(sj.ones(6, 5), sj.ones(4, 3))


def test_linear_of_mixed_dtypes_promotes_like_matmul():
    y = sj.linear(sj.ones(2, 3), sj.ones(4, 3, dtype=sj.float64), sj.ones(4))
    assert y.dtype == numpy.float64
