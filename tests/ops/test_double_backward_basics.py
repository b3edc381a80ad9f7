"""create_graph=True through the primitives of issue 23: every tensor backward in
``ops/double_backward_basics`` goes through ``gradgradcheck`` (central differences of the
first gradient, the incoming gradient included), and a Hessian-vector product through
cumsum is compared with PyTorch's."""

import numpy
import pytest

import shenjing as sj
from shenjing.autograd import grad
from shenjing.autograd.gradcheck import gradgradcheck


def t(*shape, seed=0, low=None, high=None):
    rng = numpy.random.default_rng(seed)
    a = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return sj.tensor(a, dtype=sj.float64, requires_grad=True)


INDEX = numpy.array([[0, 3], [4, 1], [2, 0]])

CASES = {
    "cumsum": (lambda a: sj.cumsum(a * a, 1), lambda: (t(3, 4),)),
    "clone_roll": (lambda a: sj.roll(sj.clone(a) * a, (1, -1), (0, 1)), lambda: (t(3, 4),)),
    "tril_triu": (lambda a: sj.tril(a * a, -1) + sj.triu(a * a * a, 1), lambda: (t(4, 4),)),
    "diag_embed": (lambda a: sj.diag(a * a, 1), lambda: (t(3),)),
    "tan_atan": (lambda a: sj.tan(a) * sj.atan(a), lambda: (t(3, 4, low=-1.0, high=1.0),)),
    "asin_acos": (lambda a: sj.asin(a) * sj.acos(a), lambda: (t(3, 4, low=-0.8, high=0.8),)),
    "sinh_cosh_expm1": (lambda a: sj.sinh(a) * sj.cosh(a) + sj.expm1(a * a),
                        lambda: (t(3, 4),)),
    "atan2": (lambda y, x: sj.atan2(y * y, x), lambda: (t(3, 4, low=0.5, high=2.0),
                                                        t(4, seed=1, low=-2.0, high=-0.5))),
    "fmod": (lambda a, b: sj.fmod(a * a, b) * a, lambda: (t(3, 4, low=0.5, high=3.0),
                                                          t(3, 4, seed=1, low=0.7, high=1.3))),
    "norm_2": (lambda a: sj.norm(a * a, 2, 1), lambda: (t(3, 4),)),
    "norm_3_all": (lambda a: sj.vector_norm(a, 3.0), lambda: (t(3, 4),)),
    "norm_1_keepdim": (lambda a: sj.vector_norm(a, 1, 0, keepdim=True) * a,
                       lambda: (t(3, 4, low=0.3, high=2.0),)),
    "scatter": (lambda x, s: sj.scatter(x * x, 1, sj.tensor(INDEX), s * s),
                lambda: (t(3, 5), t(3, 4, seed=1))),
    "scatter_add": (lambda x, s: sj.scatter_add(x * x, 1, sj.tensor(INDEX), s * s),
                    lambda: (t(3, 5), t(3, 2, seed=1))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradgradcheck(name):
    fn, make = CASES[name]
    assert gradgradcheck(fn, make())


def test_hessian_vector_product_through_cumsum_matches_torch():
    torch = pytest.importorskip("torch")
    values = numpy.random.default_rng(2).standard_normal((3, 4))
    v = numpy.random.default_rng(3).standard_normal((3, 4))
    x = sj.tensor(values, requires_grad=True)
    (g,) = grad((sj.cumsum(x, 1) ** 3).sum(), [x], create_graph=True)
    (hv,) = grad((g * sj.tensor(v)).sum(), [x])
    tx = torch.tensor(values, requires_grad=True)
    (tg,) = torch.autograd.grad((torch.cumsum(tx, 1) ** 3).sum(), [tx], create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), [tx])
    numpy.testing.assert_allclose(hv.numpy(), thv.numpy(), rtol=1e-10)


def test_cumprod_says_it_has_no_double_backward():
    x = t(3)
    (g,) = grad(sj.cumprod(x, 0).sum(), [x], create_graph=False)
    assert g.shape == (3,)
    with pytest.raises(RuntimeError, match="double backward is not supported for CumProd"):
        grad(sj.cumprod(x, 0).sum(), [x], create_graph=True)
