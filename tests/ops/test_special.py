"""erf: through the harness, against ``math.erf`` in float64 and against ``torch.erf``."""

import math

import numpy
import pytest

import shenjing as sj

from .harness import OpInfo, S, op_tests, uniform, torch_ref as T

TABLE = [
    OpInfo("erf", sj.erf, T.erf, [S((3, 4)), S(()), S((2, 1, 3))], gen=uniform(-3.5, 3.5)),
    OpInfo("erf_method", lambda x: x.erf(), lambda x: x.erf(), [S((5,))]),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)

GRID = numpy.concatenate([numpy.linspace(-7, 7, 20001), numpy.logspace(-300, 1, 500),
                          -numpy.logspace(-20, 1, 100),
                          [0.0, 2.5 - 1e-12, 2.5, 2.5 + 1e-12, 30.0, 1e300]])


def test_erf_matches_math_erf_in_float64():
    ours = sj.erf(sj.tensor(GRID)).array
    expected = numpy.array([math.erf(v) for v in GRID])
    assert ours.dtype == numpy.float64
    numpy.testing.assert_allclose(ours, expected, rtol=1e-14, atol=1e-15)
    # relative accuracy holds for tiny arguments too
    tiny = GRID[numpy.abs(GRID) < 1e-3]
    numpy.testing.assert_allclose(sj.erf(sj.tensor(tiny)).array,
                                  [math.erf(v) for v in tiny], rtol=1e-14, atol=0)


def test_erf_special_values():
    out = sj.erf(sj.tensor([numpy.inf, -numpy.inf, numpy.nan, 0.0])).array
    assert out[0] == 1.0 and out[1] == -1.0 and numpy.isnan(out[2]) and out[3] == 0.0


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_erf_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    x = GRID[numpy.abs(GRID) < 1e30].astype(dtype)
    ours = sj.erf(sj.tensor(x)).array
    theirs = torch.erf(torch.from_numpy(x)).numpy()
    assert ours.dtype == theirs.dtype
    tol = 1e-14 if dtype == numpy.float64 else 1e-6
    numpy.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


def test_erf_gradient_far_out_is_zero_not_nan():
    x = sj.tensor([-30.0, 30.0, 1e200], dtype=sj.float64, requires_grad=True)
    sj.erf(x).sum().backward()
    numpy.testing.assert_array_equal(x.grad.array, [0.0, 0.0, 0.0])
