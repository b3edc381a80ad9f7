"""Reductions through the shared harness: sum, mean, max, min, amax, amin, var, std,
logsumexp, prod (zeros included), argmax, argmin, all, any, count_nonzero."""

import numpy
import pytest

import shenjing as sj

from .harness import Arg, OpInfo, S, distinct, mask, op_tests, torch_ref as T

DIMS = [S((3, 4)), S((3, 4), dim=1), S((3, 4), dim=-1, keepdim=True), S((3, 4), 0),
        S((2, 3, 4), dim=(0, 2)), S((2, 3, 4), dim=(0, 2), keepdim=True),
        S((2, 3, 4), dim=(-1, 0)), S(()), S((1, 3, 1), dim=0)]
ONE_DIM = [S((3, 4), dim=1), S((3, 4), dim=0, keepdim=True), S((2, 3, 4), dim=-2),
           S((2, 3, 4), 1, True), S((5,), dim=0)]


def with_zeros(rng, shape, position=0):
    """Normal values with zeros: one in row 0, two in row 2 (the product's gradient must
    still be exact: no division by x)."""
    x = rng.standard_normal(shape)
    if x.ndim == 2 and x.shape[0] >= 3 and x.shape[1] >= 3:
        x[0, 1] = 0.0
        x[2, 0] = x[2, 2] = 0.0
    return x


def small_positive_and_negative(rng, shape, position=0):
    """Magnitudes near 1 so that a product of a dozen stays well scaled."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.6, 1.5, shape)


def all_dims(x, keepdim=False):
    return T.logsumexp(x, dim=tuple(range(x.ndim)), keepdim=keepdim)


TABLE = [
    OpInfo("sum", sj.sum, T.sum, DIMS),
    OpInfo("sum_keepdim_all", lambda x: sj.sum(x, keepdim=True), lambda x: x.sum(dim=(0, 1), keepdim=True),
           [S((3, 4))]),
    OpInfo("sum_method", lambda x, *a, **k: x.sum(*a, **k), lambda x, *a, **k: x.sum(*a, **k),
           [S((3, 4), 1), S((2, 3, 4), Arg((1, 2)))]),
    OpInfo("mean", sj.mean, T.mean, DIMS),
    OpInfo("empty_dim_list_reduces_all", lambda x, name: getattr(sj, name)(x, dim=()),
           lambda x, name: getattr(T, name)(x, dim=()),
           [S((2, 3), "sum"), S((2, 3), "mean")]),
    OpInfo("empty_dim_list_amax", lambda x: sj.amax(x, dim=()), lambda x: T.amax(x, dim=()),
           [S((2, 3))], gen=distinct),
    OpInfo("mean_method", lambda x, *a, **k: x.mean(*a, **k), lambda x, *a, **k: x.mean(*a, **k),
           [S((3, 4), 0, keepdim=True)]),
    OpInfo("max_all", sj.max, T.max, [S((3, 4)), S(()), S((2, 3, 4))], gen=distinct),
    OpInfo("max_dim", sj.max, T.max, ONE_DIM + [S((), 0), S((), -1, True)], gen=distinct),
    OpInfo("max_binary", sj.max, T.max, [S((3, 4), (4,))], gen=distinct),
    OpInfo("max_method", lambda x, *a: x.max(*a), lambda x, *a: x.max(*a), [S((3, 4), 1)],
           gen=distinct),
    OpInfo("min_all", sj.min, T.min, [S((3, 4)), S(())], gen=distinct),
    OpInfo("min_dim", sj.min, T.min, ONE_DIM, gen=distinct),
    OpInfo("min_binary", sj.min, T.min, [S((3, 4), (3, 1))], gen=distinct),
    OpInfo("amax", sj.amax, T.amax, DIMS, gen=distinct),
    OpInfo("amin", sj.amin, T.amin, DIMS, gen=distinct),
    OpInfo("var", sj.var, T.var,
           [S((3, 4)), S((3, 4), dim=1), S((3, 4), dim=1, unbiased=False),
            S((2, 3, 4), dim=(0, 2), keepdim=True), S((3, 4), dim=0, correction=0),
            S((3, 4), dim=1, correction=2), S((2, 3, 4), dim=-1, keepdim=True, unbiased=True),
            S((3, 4), False), S((5,), 0)]),
    OpInfo("std", sj.std, T.std,
           [S((3, 4)), S((3, 4), dim=1), S((3, 4), dim=0, unbiased=False),
            S((2, 3, 4), dim=(0, 2), keepdim=True), S((3, 4), dim=1, correction=0),
            S((3, 4), True)]),
    OpInfo("var_method", lambda x, *a, **k: x.var(*a, **k), lambda x, *a, **k: x.var(*a, **k),
           [S((3, 4), 1, keepdim=True)]),
    OpInfo("logsumexp", sj.logsumexp, T.logsumexp,
           [S((3, 4), 1), S((3, 4), dim=0, keepdim=True), S((2, 3, 4), dim=(0, 2)),
            S((2, 3, 4), dim=-1, keepdim=True), S((), 0)]),
    OpInfo("logsumexp_all", sj.logsumexp, all_dims, [S((3, 4)), S((2, 3), keepdim=True)]),
    OpInfo("logsumexp_large", sj.logsumexp, T.logsumexp, [S((3, 4), 1)],
           gen=lambda rng, shape, i: 500 + 10 * rng.standard_normal(shape)),
    OpInfo("prod", sj.prod, T.prod,
           [S((3, 4)), S((3, 4), 1), S((3, 4), dim=0, keepdim=True), S((2, 3, 4), dim=-1), S(())],
           gen=small_positive_and_negative),
    OpInfo("prod_zeros", sj.prod, T.prod, [S((3, 4)), S((3, 4), 1), S((3, 4), 0), S((4, 3), 1)],
           gen=with_zeros),
    OpInfo("prod_two_dims", lambda x: sj.prod(x, (0, 2)), lambda x: x.prod(2).prod(0),
           [S((2, 3, 2))], gen=small_positive_and_negative),
    OpInfo("argmax", sj.argmax, T.argmax,
           [S((3, 4)), S((3, 4), dim=1), S((3, 4), dim=0, keepdim=True), S((2, 3, 4), -1), S(()),
            S((3, 4), keepdim=True)], grad=False, gen=distinct),
    OpInfo("argmin", sj.argmin, T.argmin,
           [S((3, 4)), S((3, 4), dim=1), S((2, 3, 4), dim=1, keepdim=True), S(())],
           grad=False, gen=distinct),
    OpInfo("all", sj.all, T.all, [S(mask((3, 4), 0.8)), S(mask((3, 4), 0.8), dim=1),
                                  S(mask((3, 4), 0.8), 0, True)], grad=False),
    OpInfo("any", sj.any, T.any, [S(mask((3, 4), 0.2)), S(mask((3, 4), 0.2), dim=0)], grad=False),
    OpInfo("count_nonzero", sj.count_nonzero, T.count_nonzero,
           [S(numpy.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])),
            S(numpy.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]]), 1)], grad=False),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_max_dim_gradient_goes_to_the_returned_index_like_torch():
    torch = pytest.importorskip("torch")
    a = numpy.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    for name in ("max", "min"):
        x, tx = sj.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        values, indices = getattr(sj, name)(x, 1)
        tvalues, tindices = getattr(torch, name)(tx, 1)
        numpy.testing.assert_array_equal(indices.array, tindices.numpy())
        values.sum().backward()
        tvalues.sum().backward()
        numpy.testing.assert_array_equal(x.grad.array, tx.grad.numpy())


def test_max_all_and_amax_split_ties_evenly_like_torch():
    torch = pytest.importorskip("torch")
    a = numpy.array([[1.0, 3.0, 3.0], [3.0, 2.0, 0.0]])
    for ours, theirs in ((lambda x: sj.max(x), lambda x: torch.max(x)),
                         (lambda x: sj.amax(x, 1), lambda x: torch.amax(x, 1)),
                         (lambda x: sj.amin(x, 0), lambda x: torch.amin(x, 0))):
        x, tx = sj.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        ours(x).sum().backward()
        theirs(tx).sum().backward()
        numpy.testing.assert_array_equal(x.grad.array, tx.grad.numpy())


def test_max_values_and_indices_names():
    out = sj.max(sj.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    numpy.testing.assert_array_equal(out.values.array, [5.0, 7.0])
    numpy.testing.assert_array_equal(out.indices.array, [1, 0])


@pytest.mark.filterwarnings("ignore:var.*degrees of freedom:UserWarning")
def test_var_of_one_element_is_nan_with_nan_gradient_like_torch():
    torch = pytest.importorskip("torch")
    x = sj.tensor([2.0], dtype=sj.float64, requires_grad=True)
    tx = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    v, tv = sj.var(x), torch.var(tx)
    assert numpy.isnan(v.item()) and numpy.isnan(tv.item())
    v.backward()
    tv.backward()
    numpy.testing.assert_array_equal(x.grad.array, tx.grad.numpy())


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8"])
def test_sum_of_integers_is_int64_like_torch(dtype):
    torch = pytest.importorskip("torch")
    a = numpy.array([[1, 0, 1], [1, 1, 0]]).astype(dtype)
    for dim in (None, 1):
        ours = sj.sum(sj.tensor(a), dim)
        theirs = torch.sum(torch.from_numpy(a)) if dim is None else torch.sum(torch.from_numpy(a), dim)
        assert ours.dtype == theirs.numpy().dtype
        numpy.testing.assert_array_equal(ours.array, theirs.numpy())


def test_mean_of_integers_is_refused():
    with pytest.raises(TypeError, match="mean"):
        sj.mean(sj.tensor([1, 2, 3]))


def test_reduction_dim_out_of_range():
    with pytest.raises(IndexError, match="dim 2"):
        sj.sum(sj.ones(2, 3), 2)
