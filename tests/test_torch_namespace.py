"""The PyTorch face's basics (issue 23): every name ordinary PyTorch code reaches for is
there, and the torch-level functions take PyTorch's argument names and defaults (each is
called with keywords, by the same call in shenjing and in PyTorch, and the results
compared); the non-op names (finfo, iinfo, Size, constants, threads, sampling) behave as
PyTorch's."""

import math

import numpy
import pytest

import shenjing as sj

RNG = numpy.random.default_rng(23)

TENSOR_METHODS = """clone contiguous is_contiguous new_zeros new_ones new_full new_tensor
new_empty scatter scatter_ scatter_add scatter_add_ repeat_interleave topk sort argsort cumsum
cumprod norm nonzero roll tril triu diag trace outer dot addmm lerp masked_select narrow select
unfold abs_ exp_ log_ sqrt_ pow_ square_ sigmoid_ relu_ squeeze_ unsqueeze_ fmod remainder
floor_divide true_divide median kthvalue quantile nan_to_num frac trunc sinh cosh tan atan
atan2 asin acos log2 log10 exp2 expm1 nelement ndimension stride""".split()

TORCH_NAMES = """clone mm bmm einsum scatter masked_select topk sort argsort cumsum cumprod norm
dist cdist tril triu diag outer dot cross roll meshgrid bincount unique nonzero get_num_threads
set_num_threads multinomial normal bernoulli var_mean std_mean median quantile lerp addmm
baddbmm broadcast_tensors tile repeat_interleave narrow movedim atleast_1d expm1 nan_to_num
diff searchsorted bucketize tensordot take_along_dim inf nan pi finfo iinfo Size
is_floating_point hstack vstack column_stack""".split()


def test_every_listed_tensor_method_exists():
    missing = [name for name in TENSOR_METHODS if not callable(getattr(sj.Tensor, name, None))]
    assert missing == []


def test_every_listed_torch_name_exists():
    missing = [name for name in TORCH_NAMES if not hasattr(sj, name)]
    assert missing == []


# ---------------------------------------------------------------- keyword calls against torch


def a(*shape):
    return RNG.standard_normal(shape)


def i(low, high, *shape):
    return RNG.integers(low, high, shape)


SORTED = numpy.sort(a(6))
PERM = numpy.stack([RNG.permutation(5)[:2] for _ in range(3)])

# (label, torch function name, positional args, keyword args); arrays become tensors
CALLS = [
    ("clone", "clone", [a(2, 3)], {}),
    ("mm", "mm", [a(2, 3)], {"mat2": a(3, 4)}),
    ("bmm", "bmm", [a(2, 2, 3)], {"mat2": a(2, 3, 4)}),
    ("einsum", "einsum", ["bij,bjk->bik", a(2, 2, 3), a(2, 3, 4)], {}),
    ("scatter_src", "scatter", [a(3, 5)], {"dim": 1, "index": PERM, "src": a(3, 2)}),
    ("scatter_value", "scatter", [a(3, 5), 1, PERM], {"value": 4.0}),
    ("masked_select", "masked_select", [a(3, 4)], {"mask": a(3, 4) > 0}),
    ("topk", "topk", [a(3, 5)], {"k": 2, "dim": 0, "largest": False, "sorted": True}),
    ("sort", "sort", [a(3, 5)], {"dim": 0, "descending": True}),
    ("argsort", "argsort", [a(3, 5)], {"dim": 1, "descending": False}),
    ("cumsum", "cumsum", [a(3, 4)], {"dim": 1, "dtype": numpy.float32}),
    ("cumsum_int", "cumsum", [i(0, 5, 6)], {"dim": 0}),
    ("cumprod", "cumprod", [a(3, 4)], {"dim": -1}),
    ("norm", "norm", [a(3, 4)], {"p": 1, "dim": 1, "keepdim": True}),
    ("norm_default", "norm", [a(3, 4)], {}),
    ("dist", "dist", [a(3, 4), a(3, 4)], {"p": 1}),
    ("cdist", "cdist", [], {"x1": a(4, 3), "x2": a(5, 3), "p": 1.0}),
    ("tril", "tril", [a(4, 4)], {"diagonal": 1}),
    ("triu", "triu", [a(4, 4)], {"diagonal": -1}),
    ("diag", "diag", [a(3)], {"diagonal": 1}),
    ("outer", "outer", [a(3)], {"vec2": a(2)}),
    ("dot", "dot", [a(3)], {"tensor": a(3)}),
    ("cross", "cross", [a(4, 3)], {"other": a(4, 3), "dim": 1}),
    ("roll", "roll", [a(3, 4)], {"shifts": (1, -1), "dims": (0, 1)}),
    ("meshgrid", "meshgrid", [a(3), a(2)], {"indexing": "xy"}),
    ("bincount", "bincount", [i(0, 4, 10)], {"weights": a(10), "minlength": 6}),
    ("unique", "unique", [i(0, 4, 10)], {"sorted": True, "return_inverse": True,
                                          "return_counts": True}),
    ("nonzero", "nonzero", [i(0, 2, 3, 4)], {"as_tuple": True}),
    ("var_mean", "var_mean", [a(3, 4)], {"dim": 1, "correction": 0, "keepdim": True}),
    ("std_mean", "std_mean", [a(3, 4)], {"dim": 0, "unbiased": False}),
    ("var_mean_all", "var_mean", [a(3, 4)], {}),
    ("median", "median", [a(3, 4)], {"dim": 1, "keepdim": True}),
    ("median_all", "median", [a(3, 4)], {}),
    ("quantile", "quantile", [a(3, 4)], {"q": 0.3, "dim": 1, "keepdim": True,
                                         "interpolation": "lower"}),
    ("lerp", "lerp", [], {"input": a(3), "end": a(3), "weight": 0.25}),
    ("addmm", "addmm", [a(2, 4)], {"mat1": a(2, 3), "mat2": a(3, 4), "beta": 0.5, "alpha": 2}),
    ("baddbmm", "baddbmm", [a(2, 2, 4)], {"batch1": a(2, 2, 3), "batch2": a(2, 3, 4),
                                          "beta": 2, "alpha": 0.5}),
    ("broadcast_tensors", "broadcast_tensors", [a(3, 1), a(4)], {}),
    ("tile", "tile", [a(2, 3)], {"dims": (2, 1)}),
    ("repeat_interleave", "repeat_interleave", [a(2, 3)], {"repeats": 2, "dim": 0}),
    ("narrow", "narrow", [a(4, 3)], {"dim": 0, "start": 1, "length": 2}),
    ("movedim", "movedim", [a(2, 3, 4)], {"source": 0, "destination": 2}),
    ("atleast_1d", "atleast_1d", [a()], {}),
    ("expm1", "expm1", [a(3)], {}),
    ("nan_to_num", "nan_to_num", [numpy.array([numpy.nan, numpy.inf, -numpy.inf, 1.0])],
     {"nan": 0.5, "posinf": 9.0, "neginf": -9.0}),
    ("diff", "diff", [a(3, 4)], {"n": 1, "dim": 0, "prepend": a(1, 4), "append": a(2, 4)}),
    ("searchsorted", "searchsorted", [SORTED, a(5)], {"right": True}),
    ("searchsorted_side", "searchsorted", [SORTED, a(5)], {"side": "right", "out_int32": True}),
    ("bucketize", "bucketize", [a(5)], {"boundaries": SORTED, "right": True}),
    ("tensordot", "tensordot", [a(2, 3), a(3, 4)], {"dims": 1}),
    ("take_along_dim", "take_along_dim", [a(3, 4)], {"indices": i(0, 4, 3, 2), "dim": 1}),
    ("hstack", "hstack", [], {"tensors": [a(2, 1), a(2, 3)]}),
    ("vstack", "vstack", [], {"tensors": [a(3), a(2, 3)]}),
    ("column_stack", "column_stack", [], {"tensors": [a(3), a(3, 2)]}),
    ("kthvalue", "kthvalue", [a(3, 4)], {"k": 2, "dim": 0, "keepdim": False}),
]


def _convert(value, lib):
    if isinstance(value, numpy.ndarray):
        return lib.tensor(value)
    if isinstance(value, list):
        return [_convert(v, lib) for v in value]
    if isinstance(value, type) and issubclass(value, numpy.generic):
        return getattr(lib, numpy.dtype(value).name)
    return value


def _flat(result):
    if isinstance(result, (tuple, list)):
        return [r for part in result for r in _flat(part)]
    return [result]


@pytest.mark.parametrize("label,name,args,kwargs", CALLS, ids=[c[0] for c in CALLS])
def test_torch_function_takes_torch_arguments(label, name, args, kwargs):
    torch = pytest.importorskip("torch")
    ours = _flat(getattr(sj, name)(*[_convert(v, sj) for v in args],
                                   **{k: _convert(v, sj) for k, v in kwargs.items()}))
    theirs = _flat(getattr(torch, name)(*[_convert(v, torch) for v in args],
                                        **{k: _convert(v, torch) for k, v in kwargs.items()}))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        t = t.numpy()
        assert tuple(o.shape) == t.shape
        assert o.dtype == t.dtype, f"{label}: {o.dtype} against torch's {t.dtype}"
        numpy.testing.assert_allclose(o.numpy(), t, rtol=1e-6, atol=1e-12)


def test_counting_methods_match_torch():
    torch = pytest.importorskip("torch")
    values = i(0, 5, 12)
    ours, theirs = sj.tensor(values), torch.tensor(values)
    for got, want in zip(ours.unique(return_counts=True), theirs.unique(return_counts=True)):
        numpy.testing.assert_array_equal(got.numpy(), want.numpy())
    numpy.testing.assert_array_equal(ours.bincount(minlength=7).numpy(),
                                     theirs.bincount(minlength=7).numpy())


def test_tensor_creation_and_layout_methods_match_torch():
    torch = pytest.importorskip("torch")
    values = a(3, 4)
    x, t = sj.tensor(values).t(), torch.tensor(values).t()
    assert x.stride() == t.stride() and x.stride(1) == t.stride(1)
    assert x.nelement() == t.nelement() and x.ndimension() == t.ndimension()
    assert x.is_contiguous() == t.is_contiguous() is False
    base = sj.tensor([1, 2], dtype=sj.int32)
    for made in (base.new_zeros(2, 3), base.new_ones((2, 3)), base.new_empty(2, 3),
                 base.new_full((2, 3), 7)):
        assert made.shape == (2, 3) and made.dtype == sj.int32
    assert base.new_full((2,), 7).tolist() == [7, 7]
    assert base.new_ones(2, dtype=sj.float64).dtype == sj.float64
    made = base.new_tensor([[1.5, 2.5]])
    assert made.dtype == sj.int32 and made.tolist() == [[1, 2]]


# ---------------------------------------------------------------- non-op names


def test_finfo_and_iinfo_match_torch():
    torch = pytest.importorskip("torch")
    for ours, theirs in ((sj.float32, torch.float32), (sj.float64, torch.float64),
                         (sj.float16, torch.float16)):
        f, g = sj.finfo(ours), torch.finfo(theirs)
        assert (f.bits, f.eps, f.max, f.min, f.tiny, f.resolution) == \
               (g.bits, g.eps, g.max, g.min, g.tiny, g.resolution)
    assert sj.finfo().eps == torch.finfo().eps
    for ours, theirs in ((sj.int64, torch.int64), (sj.uint8, torch.uint8), (sj.int8, torch.int8)):
        f, g = sj.iinfo(ours), torch.iinfo(theirs)
        assert (f.bits, f.max, f.min) == (g.bits, g.max, g.min)
    with pytest.raises(TypeError, match="finfo: expects a floating dtype, got int64"):
        sj.finfo(sj.int64)
    with pytest.raises(TypeError, match="iinfo: expects an integer dtype, got float32"):
        sj.iinfo(sj.float32)


def test_constants_size_and_is_floating_point():
    assert sj.pi == math.pi and math.isinf(sj.inf) and math.isnan(sj.nan)
    size = sj.Size([2, 3, 4])
    assert size == (2, 3, 4) and size.numel() == 24 and isinstance(size, tuple)
    assert sj.randn(2, 3).shape == sj.Size([2, 3])
    assert sj.is_floating_point(sj.ones(2)) and not sj.is_floating_point(sj.tensor([1, 2]))


def test_set_num_threads_changes_the_pool():
    before = sj.get_num_threads()
    assert before >= 1
    try:
        sj.set_num_threads(1)
        assert sj.get_num_threads() == 1
        out = sj.randn(300, 200) @ sj.randn(200, 300)   # still computes on one thread
        assert out.shape == (300, 300)
    finally:
        sj.set_num_threads(before)
    assert sj.get_num_threads() == before
    with pytest.raises(ValueError, match="set_num_threads: expects a positive number"):
        sj.set_num_threads(0)


# ---------------------------------------------------------------- sampling


def test_multinomial_frequencies_follow_the_weights():
    sj.manual_seed(0)
    weights = sj.tensor([[1.0, 3.0, 0.0, 4.0], [5.0, 0.0, 5.0, 0.0]])
    draws = sj.multinomial(weights, 4000, replacement=True)
    assert draws.shape == (2, 4000) and draws.dtype == sj.int64
    freq = numpy.stack([numpy.bincount(r, minlength=4) for r in draws.numpy()]) / 4000
    numpy.testing.assert_allclose(freq, (weights / weights.sum(1, keepdim=True)).numpy(), atol=0.03)
    once = sj.multinomial(weights[0], 3)      # without replacement: 3 distinct, non-zero ones
    assert sorted(once.tolist()) == [0, 1, 3]
    with pytest.raises(ValueError, match="multinomial: cannot draw 4 samples without replacement"):
        sj.multinomial(weights[0], 4)


def test_normal_and_bernoulli_draw_from_the_seeded_generator():
    sj.manual_seed(5)
    first = sj.normal(sj.full((2000,), 3.0), sj.full((2000,), 0.5))
    sj.manual_seed(5)
    again = sj.normal(sj.full((2000,), 3.0), sj.full((2000,), 0.5))
    numpy.testing.assert_array_equal(first.numpy(), again.numpy())
    assert abs(first.mean().item() - 3.0) < 0.05 and abs(first.std().item() - 0.5) < 0.05
    sized = sj.normal(2.0, 1.0, size=(3, 4))
    assert sized.shape == (3, 4) and sized.dtype == sj.float32
    coins = sj.bernoulli(sj.full((4000,), 0.25))
    assert set(numpy.unique(coins.numpy())) <= {0.0, 1.0}
    assert abs(coins.mean().item() - 0.25) < 0.03
    generator = sj.Generator().manual_seed(1)
    g1 = sj.bernoulli(sj.full((50,), 0.5), generator=generator)
    g2 = sj.bernoulli(sj.full((50,), 0.5), generator=sj.Generator().manual_seed(1))
    numpy.testing.assert_array_equal(g1.numpy(), g2.numpy())
    with pytest.raises(ValueError, match="bernoulli: probabilities must be in"):
        sj.bernoulli(sj.full((2,), 1.5))


# ---------------------------------------------------------------- on real data


def test_nearest_neighbours_on_real_mnist_match_torch(mnist):
    """k-NN on real digits with the new functions (cdist, topk, mode by bincount), the
    distances and neighbours checked against PyTorch's and the vote's accuracy bounded."""
    torch = pytest.importorskip("torch")
    x_train, y_train, x_test, y_test = mnist
    train = x_train[:2000].reshape(2000, -1).astype(numpy.float64)
    test = x_test[:300].reshape(300, -1).astype(numpy.float64)
    dist = sj.cdist(sj.tensor(test), sj.tensor(train))
    theirs = torch.cdist(torch.tensor(test), torch.tensor(train))
    numpy.testing.assert_allclose(dist.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)
    near = dist.topk(3, dim=1, largest=False)
    t_near = theirs.topk(3, dim=1, largest=False)
    numpy.testing.assert_array_equal(near.indices.numpy(), t_near.indices.numpy())
    votes = sj.tensor(y_train[:2000])[near.indices]                      # (300, 3)
    predicted = sj.stack([sj.bincount(row, minlength=10).argmax() for row in votes.unbind(0)])
    accuracy = (predicted == sj.tensor(y_test[:300])).float().mean().item()
    assert accuracy > 0.85
