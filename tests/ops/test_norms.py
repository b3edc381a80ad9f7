"""Norms and distances through the shared harness: norm (torch.norm and Tensor.norm),
vector_norm, matrix_norm, dist, cdist, against PyTorch (torch.linalg for the two named
norms)."""

import numpy
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError

from .harness import Arg, OpInfo, S, away_from, distinct, op_tests, torch_ref as T

INF = float("inf")
nonzero = away_from(0.0, margin=0.1)


def method(name):
    return lambda x, *a, **k: getattr(x, name)(*a, **k)


TABLE = [
    OpInfo("norm", sj.norm, T.norm,
           [S((3, 4)), S((3, 4), 1, 1), S((3, 4), dim=0, keepdim=True), S((3, 4), 3, 1),
            S((2, 3, 4), "fro", Arg((1, 2))), S((3, 4), p=1.5, dim=-1), S((5,), 2)], gen=nonzero),
    OpInfo("norm_inf", sj.norm, T.norm, [S((3, 4), INF, 1), S((3, 4), -INF, 0)], gen=distinct),
    OpInfo("norm_zero", sj.norm, T.norm, [S((3, 4), 0, 1)], gen=nonzero, grad=False),
    OpInfo("norm_method", method("norm"), method("norm"), [S((3, 4)), S((3, 4), dim=1)],
           gen=nonzero),
    OpInfo("vector_norm", sj.vector_norm, T.linalg.vector_norm,
           [S((3, 4)), S((3, 4), 1, 1), S((3, 4), 3, dim=Arg((0, 1)), keepdim=True),
            S((3, 4), ord=INF, dim=0), S(())], gen=nonzero),
    OpInfo("matrix_norm", sj.matrix_norm, T.linalg.matrix_norm,
           [S((3, 4)), S((3, 4), 1), S((3, 4), -1), S((2, 3, 4), INF), S((3, 4), -INF),
            S((3, 4, 2), 1, Arg((0, 1)), keepdim=True)], gen=distinct),
    OpInfo("dist", sj.dist, T.dist, [S((3, 4), (3, 4)), S((3, 4), (4,), 1), S((3, 4), (3, 4), 3)],
           gen=distinct),
    OpInfo("dist_method", method("dist"), method("dist"), [S((5,), (5,))], gen=distinct),
    OpInfo("norm_of_zero_rows", sj.norm, T.norm,
           [S(numpy.zeros((2, 3)), p, 1) for p in (1, 2, 3.0)] +
           [S(numpy.array([[0.0, 0.0], [3.0, -4.0]]), 2, 1)]),
    OpInfo("cdist", sj.cdist, T.cdist, [S((4, 3), (5, 3)), S((2, 4, 3), (2, 5, 3), 1.0),
                                        S((4, 3), (2, 3), p=3.0)], gen=distinct),
    OpInfo("cdist_by_matrix_product", sj.cdist, T.cdist,
           [S((30, 3), (5, 3)), S((2, 4, 3), (1, 27, 3)),
            S((4, 3), (6, 3), compute_mode="use_mm_for_euclid_dist")],
           gen=distinct, rtol64=1e-6, atol32=1e-4, rtol32=1e-3),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_cdist_of_a_set_with_itself_has_finite_gradients():
    torch = pytest.importorskip("torch")
    points = numpy.random.default_rng(4).standard_normal((5, 3))
    x = sj.tensor(points, requires_grad=True)
    t = torch.tensor(points, requires_grad=True)
    for mode in ("donot_use_mm_for_euclid_dist", "use_mm_for_euclid_dist"):
        x.grad = t.grad = None
        sj.cdist(x, x, compute_mode=mode).sum().backward()
        torch.cdist(t, t, compute_mode=mode).sum().backward()
        assert numpy.isfinite(x.grad.numpy()).all()
        numpy.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_norm_errors_name_the_op_and_argument():
    with pytest.raises(ShapeError, match="matrix_norm: ord must be 'fro', 1, -1, inf or -inf"):
        sj.matrix_norm(sj.ones(3, 3), 2)
    with pytest.raises(ShapeError, match="cdist: expects \\(..., P, M\\) and \\(..., R, M\\)"):
        sj.cdist(sj.ones(3, 2), sj.ones(3, 4))
    with pytest.raises(ShapeError, match="vector_norm: ord must be >= 1, inf, -inf or 0"):
        sj.vector_norm(sj.ones(3), 0.5)
    with pytest.raises(ShapeError, match="norm: p must be a number or 'fro'"):
        sj.norm(sj.ones(3), "nuc")
