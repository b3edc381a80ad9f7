"""Scans through the shared harness: cumsum, cumprod (rows with zeros included), diff."""

import numpy
import pytest

import shenjing as sj

from .harness import OpInfo, S, ints, op_tests, torch_ref as T


def method(name):
    return lambda x, *a, **k: getattr(x, name)(*a, **k)


def with_zeros(rng, shape, position=0):
    """Magnitudes near 1, with one zero in row 0 and two in row 1 (the gradient must stay
    exact: no division by x)."""
    x = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.6, 1.5, shape)
    if len(shape) == 2 and shape[0] >= 2 and shape[1] >= 4:
        x[0, 2] = 0.0
        x[1, 1] = x[1, 3] = 0.0
    return x


TABLE = [
    OpInfo("cumsum", sj.cumsum, T.cumsum,
           [S((5,), 0), S((3, 4), 1), S((3, 4), dim=0), S((2, 3, 4), -2), S((), 0)]),
    OpInfo("cumsum_method", method("cumsum"), method("cumsum"), [S((3, 4), -1)]),
    OpInfo("cumsum_int", sj.cumsum, T.cumsum, [S(ints(-5, 5, (3, 4)), 1)], grad=False),
    OpInfo("cumprod", sj.cumprod, T.cumprod,
           [S((5,), 0), S((3, 4), 1), S((3, 4), dim=0), S((2, 3, 4), -1)],
           gen=lambda rng, shape, i: rng.uniform(0.5, 1.5, shape)),
    OpInfo("cumprod_zeros", sj.cumprod, T.cumprod, [S((3, 5), 1)], gen=with_zeros),
    OpInfo("cumprod_method", method("cumprod"), method("cumprod"), [S((3, 4), 0)],
           gen=lambda rng, shape, i: rng.uniform(0.5, 1.5, shape)),
    OpInfo("diff", sj.diff, T.diff,
           [S((5,)), S((3, 4), dim=0), S((3, 5), n=2), S((3, 4), 1, 1), S((4,), n=0),
            S((3, 4), dim=1, prepend=numpy.full((3, 1), 0.5)),
            S((3, 4), append=numpy.arange(6.0).reshape(3, 2)), S((3,), n=4)]),
    OpInfo("diff_method", method("diff"), method("diff"), [S((3, 4), 1, 0)]),
    OpInfo("diff_bool", sj.diff, T.diff, [S(lambda rng: rng.random((6,)) < 0.5)], grad=False),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_cumsum_backward_is_the_reversed_running_sum():
    x = sj.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    weights = sj.tensor([1.0, 10.0, 100.0, 1000.0])
    (sj.cumsum(x, 0) * weights).sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [1111.0, 1110.0, 1100.0, 1000.0])


def test_cumsum_of_a_long_row_is_linear_time():
    # the old Keras form multiplied by an n x n matrix: 10^5 elements would need 40 GB
    x = sj.ones(100_000, requires_grad=True)
    y = sj.cumsum(x, 0)
    assert y[-1].item() == 100_000
    y.sum().backward()
    assert x.grad[0].item() == 100_000 and x.grad[-1].item() == 1


def test_scan_errors_name_the_op():
    with pytest.raises(IndexError, match="cumsum: dim 2 is out of range"):
        sj.cumsum(sj.ones(2, 3), 2)
    with pytest.raises(ValueError, match="diff: n must be a non-negative int"):
        sj.diff(sj.ones(3), n=-1)
