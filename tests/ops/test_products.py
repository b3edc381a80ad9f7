"""Products through the shared harness: einsum, mm, bmm, dot, inner, outer, tensordot,
addmm, baddbmm, cross (functions and methods)."""

import numpy
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError

from .harness import Arg, OpInfo, S, op_tests, torch_ref as T


def method(name):
    return lambda x, *a, **k: getattr(x, name)(*a, **k)


def equation(eq):
    return lambda *xs: sj.einsum(eq, *xs), lambda *xs: T.einsum(eq, *xs)


def einsum_row(name, eq, *shapes):
    ours, theirs = equation(eq)
    return OpInfo(f"einsum_{name}", ours, theirs, [S(*shapes)])


TABLE = [
    einsum_row("matmul", "ij,jk->ik", (3, 4), (4, 5)),
    einsum_row("bmm", "bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
    einsum_row("ellipsis", "...ij,jk->...ik", (2, 3, 4), (4, 5)),
    einsum_row("three", "ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
    einsum_row("implicit", "ij,jk", (2, 3), (3, 4)),
    einsum_row("full_sum", "ij,ij->", (3, 4), (3, 4)),
    einsum_row("transpose", "bhqd->bqhd", (2, 3, 4, 5)),
    einsum_row("outer", "i,j->ij", (3,), (4,)),
    einsum_row("attention", "bqd,bkd->bqk", (2, 3, 4), (2, 5, 4)),
    einsum_row("broadcast_batch", "bij,bjk->bik", (1, 3, 4), (2, 4, 5)),
    einsum_row("reduce_first", "ijk->j", (2, 3, 4)),
    OpInfo("einsum_list", lambda a, b: sj.einsum("ij,jk->ik", [a, b]),
           lambda a, b: T.einsum("ij,jk->ik", [a, b]), [S((2, 3), (3, 2))]),
    OpInfo("mm", sj.mm, T.mm, [S((3, 4), (4, 5))]),
    OpInfo("bmm", sj.bmm, T.bmm, [S((2, 3, 4), (2, 4, 5))]),
    OpInfo("dot", sj.dot, T.dot, [S((5,), (5,))]),
    OpInfo("dot_method", method("dot"), method("dot"), [S((4,), (4,))]),
    OpInfo("inner", sj.inner, T.inner, [S((2, 4), (3, 4)), S((4,), (4,)), S((), (3,))]),
    OpInfo("outer", sj.outer, T.outer, [S((3,), (4,))]),
    OpInfo("outer_method", method("outer"), method("outer"), [S((2,), (5,))]),
    OpInfo("tensordot", sj.tensordot, T.tensordot,
           [S((2, 3, 4), (3, 4, 5)), S((2, 3, 4), (4, 5), 1), S((3, 4), (4, 3), dims=0),
            S((2, 3, 4), (4, 2, 3), Arg(([0, 2], [1, 0]))), S((3, 4), (5, 4), Arg(([1], [1])))]),
    OpInfo("addmm", sj.addmm, T.addmm,
           [S((3, 5), (3, 4), (4, 5)), S((5,), (3, 4), (4, 5), beta=0.5, alpha=2.0),
            S((3, 1), (3, 4), (4, 5), alpha=-1)]),
    OpInfo("addmm_method", method("addmm"), method("addmm"), [S((3, 5), (3, 4), (4, 5))]),
    OpInfo("baddbmm", sj.baddbmm, T.baddbmm,
           [S((2, 3, 5), (2, 3, 4), (2, 4, 5)), S((3, 5), (2, 3, 4), (2, 4, 5), beta=2.0,
                                                    alpha=0.5)]),
    OpInfo("cross", sj.cross, T.cross, [S((4, 3), (4, 3), dim=1), S((3, 5), (3, 5), dim=0),
                                        S((4, 3), (1, 3), dim=-1)]),
    OpInfo("cross_method", method("cross"), method("cross"), [S((2, 3), (2, 3), dim=1)]),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_cross_without_dim_takes_the_first_dim_of_size_3():
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(1)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    ours = sj.cross(sj.tensor(a), sj.tensor(b)).numpy()
    theirs = torch.linalg.cross(torch.tensor(a), torch.tensor(b), dim=0).numpy()
    numpy.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_addmm_with_beta_zero_ignores_nan_input():
    out = sj.addmm(sj.full((2, 2), float("nan")), sj.eye(2), sj.eye(2), beta=0)
    numpy.testing.assert_array_equal(out.numpy(), numpy.eye(2))


def test_product_errors_name_the_op_and_shapes():
    with pytest.raises(ShapeError, match=r"mm: expects two matrices, got shapes \(3,\)"):
        sj.mm(sj.ones(3), sj.ones(3, 2))
    with pytest.raises(ShapeError, match="bmm: expects two 3-d tensors with one batch size"):
        sj.bmm(sj.ones(2, 3, 4), sj.ones(3, 4, 5))
    with pytest.raises(ShapeError, match="dot: expects two 1-d tensors of one length"):
        sj.dot(sj.ones(3), sj.ones(4))
    with pytest.raises(ShapeError, match=r"tensordot: the summed dims \[1\] .* differ in size"):
        sj.tensordot(sj.ones(2, 3), sj.ones(4, 2), 1)
    with pytest.raises(ShapeError, match="einsum: the letter 'j' stands for sizes 3 and 4"):
        sj.einsum("ij,jk->ik", sj.ones(2, 3), sj.ones(4, 2))
    with pytest.raises(NotImplementedError, match="einsum: a letter repeated"):
        sj.einsum("ii->i", sj.ones(3, 3))
    with pytest.raises(ShapeError, match="cross: dim 1 must have size 3"):
        sj.cross(sj.ones(3, 4), sj.ones(3, 4), dim=1)
