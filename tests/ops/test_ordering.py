"""Order statistics through the shared harness: sort, argsort, topk, kthvalue, median,
quantile; and the counting ops searchsorted, bucketize, bincount, unique, nonzero against
PyTorch's results."""

import numpy
import pytest

import shenjing as sj

from .harness import OpInfo, S, distinct, ints, op_tests, torch_ref as T


def method(name):
    return lambda x, *a, **k: getattr(x, name)(*a, **k)


def sorted_values(rng):
    return numpy.sort(rng.uniform(-3, 3, 7))


def sorted_rows(rng):
    return numpy.sort(rng.uniform(-3, 3, (3, 6)), axis=-1)


TABLE = [
    OpInfo("sort", sj.sort, T.sort,
           [S((5,)), S((3, 4)), S((3, 4), 0), S((3, 4), dim=1, descending=True),
            S((2, 3, 4), -2), S(())], gen=distinct),
    OpInfo("sort_method", method("sort"), method("sort"), [S((3, 4), descending=True)],
           gen=distinct),
    OpInfo("argsort", sj.argsort, T.argsort,
           [S((3, 4)), S((3, 4), 0), S((3, 4), dim=1, descending=True)], gen=distinct,
           grad=False),
    OpInfo("argsort_ties_stable", sj.argsort, lambda x, **k: T.argsort(x, stable=True, **k),
           [S(ints(0, 3, (12,))), S(ints(0, 3, (12,)), descending=True)], grad=False),
    OpInfo("topk", sj.topk, T.topk,
           [S((6,), 2), S((3, 5), 3), S((3, 5), 2, dim=0), S((3, 5), 2, largest=False),
            S((2, 3, 4), 4, -1), S((3, 5), 0)], gen=distinct),
    OpInfo("topk_method", method("topk"), method("topk"), [S((3, 5), 2, 1)], gen=distinct),
    OpInfo("kthvalue", sj.kthvalue, T.kthvalue,
           [S((5,), 2), S((3, 5), 1), S((3, 5), 3, 0), S((3, 5), 2, keepdim=True)],
           gen=distinct),
    OpInfo("kthvalue_method", method("kthvalue"), method("kthvalue"), [S((3, 5), 5)],
           gen=distinct),
    OpInfo("median_all", sj.median, T.median, [S((5,)), S((3, 4)), S(())], gen=distinct),
    OpInfo("median_dim", sj.median, T.median,
           [S((3, 4), 1), S((3, 5), 0), S((3, 4), -1, keepdim=True), S((2, 3, 4), dim=1)],
           gen=distinct),
    OpInfo("median_method", method("median"), method("median"), [S((3, 4), 0)], gen=distinct),
    OpInfo("quantile", sj.quantile, T.quantile,
           [S((7,), 0.3), S((3, 5), 0.5, 1), S((3, 5), 0.75, dim=0, keepdim=True),
            S((3, 4), numpy.array([0.1, 0.5, 0.9]), 1), S((3, 4), 0.25),
            S((3, 4), 0.4, keepdim=True), S((2, 3, 4), numpy.array([0.2, 0.8]), -1, True)],
           gen=distinct, nondiff=(1,)),
    OpInfo("quantile_interpolation", sj.quantile, T.quantile,
           [S((3, 6), 0.3, 1, interpolation=m) for m in
            ("lower", "higher", "midpoint", "nearest")] +
           [S((5,), 0.5, interpolation="nearest"), S((4,), 0.5, interpolation="nearest")],
           gen=distinct),
    OpInfo("quantile_method", method("quantile"), method("quantile"), [S((3, 5), 0.6, 0)],
           gen=distinct),
    OpInfo("searchsorted", sj.searchsorted, T.searchsorted,
           [S(sorted_values, (4, 3)), S(sorted_values, (5,), right=True),
            S(sorted_values, (5,), side="right"), S(sorted_values, (2, 3), out_int32=True),
            S(sorted_rows, (3, 4))], grad=False),
    OpInfo("bucketize", sj.bucketize, T.bucketize,
           [S((4, 3), sorted_values), S((5,), sorted_values, right=True),
            S(numpy.array([-1.0, 0.0, 0.5, 1.0, 2.0]), numpy.array([0.0, 1.0]))], grad=False),
    OpInfo("bincount", sj.bincount, T.bincount,
           [S(ints(0, 5, (20,))), S(ints(0, 3, (6,)), minlength=7),
            S(ints(0, 4, (10,)), (10,))], grad=False, float32=False),
    OpInfo("unique", sj.unique, T.unique,
           [S(ints(0, 5, (20,))), S(ints(-3, 3, (4, 5)), return_inverse=True),
            S(ints(0, 4, (10,)), return_counts=True, return_inverse=True),
            S(ints(0, 2, (6, 3)), dim=0, return_inverse=True, return_counts=True)],
           grad=False),
    OpInfo("nonzero", sj.nonzero, T.nonzero,
           [S(ints(0, 2, (4, 5))), S(ints(0, 3, (7,))), S(ints(0, 2, (3, 4)), as_tuple=True),
            S(numpy.array(3)), S(numpy.zeros((2, 3)))], grad=False),
    OpInfo("nonzero_method", method("nonzero"), method("nonzero"), [S(ints(0, 2, (3, 4)))],
           grad=False),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_sort_returns_named_values_and_indices():
    x = sj.tensor([[3.0, 1.0, 2.0]])
    out = x.sort(dim=1, descending=True)
    numpy.testing.assert_array_equal(out.values.numpy(), [[3.0, 2.0, 1.0]])
    numpy.testing.assert_array_equal(out.indices.numpy(), [[0, 2, 1]])
    values, indices = sj.topk(x, 1)
    assert values.item() == 3.0 and indices.item() == 0


def test_sort_counts_nan_as_the_largest_as_torch():
    torch = pytest.importorskip("torch")
    values = numpy.array([[1.0, numpy.nan, -2.0, numpy.inf, -numpy.inf, numpy.nan, 1.0]])
    for descending in (False, True):
        ours = sj.sort(sj.tensor(values), descending=descending)
        theirs = torch.sort(torch.tensor(values), descending=descending, stable=True)
        numpy.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        numpy.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


def test_median_and_quantile_of_slices_with_nan_are_nan_as_torch():
    torch = pytest.importorskip("torch")
    values = numpy.array([[1.0, numpy.nan, -2.0, 3.0], [4.0, 0.5, -1.0, 2.0],
                          [numpy.nan, numpy.nan, 0.0, 1.0]])
    ours, theirs = sj.tensor(values), torch.tensor(values)
    for got, want in zip(sj.median(ours, 1), torch.median(theirs, 1)):
        numpy.testing.assert_array_equal(got.numpy(), want.numpy())
    numpy.testing.assert_array_equal(sj.median(ours).numpy(), torch.median(theirs).numpy())
    numpy.testing.assert_array_equal(sj.median(ours[1]).numpy(), torch.median(theirs[1]).numpy())
    numpy.testing.assert_array_equal(sj.quantile(ours, 0.3, 1).numpy(),
                                     torch.quantile(theirs, 0.3, 1).numpy())


def test_repeated_picks_add_their_gradients():
    # quantile 0.5 of 3 values picks the middle one twice (lo == hi)
    x = sj.tensor([3.0, 1.0, 2.0], requires_grad=True)
    sj.quantile(x, 0.5).backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])


def test_ordering_errors_name_the_op_and_argument():
    x = sj.ones(2, 3)
    with pytest.raises(ValueError, match=r"topk: k=4 is outside \[0, 3\]"):
        sj.topk(x, 4)
    with pytest.raises(ValueError, match=r"kthvalue: k=0 is outside \[1, 3\]"):
        sj.kthvalue(x, 0)
    with pytest.raises(ValueError, match="quantile: interpolation must be one of"):
        sj.quantile(x, 0.5, interpolation="cubic")
    with pytest.raises(ValueError, match=r"quantile: q must be .* in \[0, 1\]"):
        sj.quantile(x, 1.5)
    with pytest.raises(ValueError, match="bincount: input must hold non-negative integers"):
        sj.bincount(sj.tensor([1, -1]))
    with pytest.raises(ValueError, match="bucketize: boundaries must be 1-d"):
        sj.bucketize(sj.ones(3), sj.ones(2, 2))
