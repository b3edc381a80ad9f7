"""Indexing through the shared harness: x[...] with ints, slices, None, Ellipsis, negative
steps, integer arrays (repeated indices add their gradients) and bool masks; gather,
index_select, embedding (with padding_idx), take, masked_fill; and x[...] = v."""

import numpy
import pytest

import shenjing as sj

from .harness import OpInfo, S, ints, mask, op_tests, torch_ref as T

F = T.nn.functional


def _torch_index(index):
    import torch
    items = index if isinstance(index, tuple) else (index,)
    out = tuple(torch.from_numpy(i) if isinstance(i, numpy.ndarray) else i for i in items)
    return out if isinstance(index, tuple) else out[0]


def item(name, shape, index, ref=None):
    """A row for ``x[index]``; ``ref`` is a torch expression where torch cannot index so."""
    ref = ref or (lambda x: x[_torch_index(index)])
    return OpInfo(f"getitem_{name}", lambda x: x[index], ref, [S(shape)])


A = numpy.array
TABLE = [
    item("int", (3, 4), 1),
    item("negative_int", (3, 4), -1),
    item("two_ints", (3, 4), (1, 2)),
    item("slice", (5, 4), slice(1, 4)),
    item("step", (5, 4), slice(None, None, 2)),
    item("slice_dim1", (3, 5), (slice(None), slice(1, 4))),
    item("none", (3, 4), None),
    item("ellipsis", (2, 3, 4), (Ellipsis, 1)),
    item("int_ellipsis_none", (2, 3, 4), (1, Ellipsis, None)),
    item("none_slice", (3, 4), (slice(None), None, slice(1, None))),
    item("mixed_basic", (2, 3, 4), (0, slice(None), slice(None, None, 2))),
    item("zero_d_result", (3,), 2),
    item("empty_slice", (3, 4), slice(2, 2)),
    item("negative_step", (5, 3), slice(None, None, -1), ref=lambda x: x.flip(0)),
    item("negative_step_2", (5, 3), (slice(None, None, -2), slice(1, None)),
         ref=lambda x: x.flip(0)[::2, 1:]),
    item("negative_step_bounds", (5, 3), slice(3, 0, -1), ref=lambda x: x[1:4].flip(0)),
    item("int_list_repeats", (4, 3), [0, 0, 2, 0]),
    item("int_array_2d", (4, 3), A([[0, 1], [1, 1]])),
    item("int_array_dim1", (3, 4), (slice(None), A([3, 3, 0]))),
    item("two_int_arrays", (3, 4), (A([0, 2, 0]), A([1, 1, 1]))),
    item("broadcast_int_arrays", (3, 4), (A([[0], [2]]), A([1, 3, 1]))),
    item("negative_int_array", (4, 3), A([2, -1, -1])),
    item("bool_mask_full", (3, 4), A([[True, False, True, True], [False] * 4, [True] * 4])),
    item("bool_mask_rows", (3, 4), A([True, False, True])),
    item("bool_mask_dim1", (3, 4), (slice(None), A([False, True, True, False]))),
    item("bool_and_slice", (3, 4), (A([True, False, True]), slice(1, None))),
    item("bool_and_int_array", (3, 4), (A([True, False, True]), A([0, 0]))),
    OpInfo("getitem_tensor_index", lambda x, i: x[i], lambda x, i: x[i],
           [S((4, 3), ints(0, 4, (5,))), S((4, 3), A(2)), S((4, 3), mask((4,)))]),
    OpInfo("gather", sj.gather, T.gather,
           [S((3, 4), 1, ints(0, 4, (3, 5))), S((3, 4), 0, ints(0, 3, (2, 4))),
            S((2, 3, 4), -1, ints(0, 4, (2, 3, 2))), S((3, 4), 1, ints(0, 4, (1, 2))),
            S((3, 4), 0, ints(0, 3, (5, 2)))]),
    OpInfo("gather_method", lambda x, d, i: x.gather(d, i), lambda x, d, i: x.gather(d, i),
           [S((3, 4), 1, ints(0, 4, (3, 2)))]),
    OpInfo("index_select", sj.index_select, T.index_select,
           [S((3, 4), 0, A([2, 0, 2])), S((3, 4), 1, A([3, 3, 1, 0])),
            S((2, 3, 4), -1, A([1])), S((3, 4), 0, A([], dtype=numpy.int64)), S((3, 4), 1, A(2))]),
    OpInfo("index_select_method", lambda x, d, i: x.index_select(d, i),
           lambda x, d, i: x.index_select(d, i), [S((3, 4), 1, A([0, 0]))]),
    OpInfo("embedding", sj.embedding, F.embedding,
           [S(A([1, 3, 3, 0]), (5, 3)), S(A([[1, 2, 1], [4, 4, 0]]), (5, 3)), S(A(2), (5, 3))]),
    OpInfo("embedding_padding", sj.embedding, F.embedding,
           [S(A([[1, 2, 1], [4, 4, 0]]), (5, 3), padding_idx=1),
            S(A([0, 4, 4]), (5, 3), padding_idx=-1), S(A([0, 2]), (5, 3), padding_idx=3)],
           gradcheck_skip="the padding row gets no gradient by definition (checked against torch)"),
    OpInfo("take", sj.take, T.take,
           [S((3, 4), A([0, 5, 5, 11])), S((3, 4), A([[1, 2], [2, -1]])), S((3, 4), A(7)),
            S((), A([0, 0]))]),
    OpInfo("take_method", lambda x, i: x.take(i), lambda x, i: x.take(i), [S((2, 3), A([1, 1]))]),
    OpInfo("masked_fill", sj.masked_fill, T.masked_fill,
           [S((3, 4), mask((3, 4)), 0.5), S((3, 4), mask((4,)), -1.0), S((2, 3, 4), mask((3, 1)), 2),
            S((3, 4), mask((3, 4)), ())]),
    OpInfo("masked_fill_method", lambda x, m, v: x.masked_fill(m, v),
           lambda x, m, v: x.masked_fill(m, v), [S((3, 4), mask((3, 4)), float("-inf"))],
           grad=False),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_masked_fill_keeps_the_dtype_of_x_like_torch():
    torch = pytest.importorskip("torch")
    x = numpy.zeros(3, numpy.float32)
    m = numpy.array([True, False, True])
    for value in (numpy.float64(2.0), sj.tensor(2.0, dtype=sj.float64), 2):
        ours = sj.masked_fill(sj.tensor(x), sj.tensor(m), value)
        tvalue = torch.tensor(2.0, dtype=torch.float64) if isinstance(value, sj.Tensor) else value
        theirs = torch.from_numpy(x).masked_fill(torch.from_numpy(m), tvalue)
        assert ours.dtype == theirs.numpy().dtype
        numpy.testing.assert_array_equal(ours.array, theirs.numpy())


def test_embedding_padding_row_gets_no_gradient():
    w = sj.randn(4, 2, dtype=sj.float64, requires_grad=True)
    sj.embedding(sj.tensor([[1, 2], [2, 0]]), w, padding_idx=2).sum().backward()
    numpy.testing.assert_array_equal(w.grad.array[2], [0.0, 0.0])
    numpy.testing.assert_array_equal(w.grad.array[1], [1.0, 1.0])
    numpy.testing.assert_array_equal(w.grad.array[3], [0.0, 0.0])


def test_embedding_refuses_ids_out_of_range():
    with pytest.raises(IndexError, match="embedding"):
        sj.embedding(sj.tensor([0, 5]), sj.ones(5, 2))


def test_index_must_be_integer_or_bool():
    with pytest.raises(IndexError, match="integer or bool"):
        sj.ones(3)[sj.tensor([0.0, 1.0])]
    with pytest.raises(TypeError, match="gather"):
        sj.gather(sj.ones(2, 2), 1, sj.tensor([[0.0]]))


def test_gather_index_must_have_as_many_dims():
    with pytest.raises(sj.autograd.ShapeError, match="gather"):
        sj.gather(sj.ones(2, 2), 1, sj.tensor([0, 1]))


def test_getitem_of_a_basic_index_is_a_view_like_torch():
    x = sj.zeros(3, 4)
    y = x[1]
    with sj.no_grad():
        y.array[0] = 7.0
    assert x.array[1, 0] == 7.0


def test_setitem_matches_torch():
    torch = pytest.importorskip("torch")
    a = numpy.arange(12.0).reshape(3, 4)
    for index, value in ((1, 5.0), ((slice(None), 2), numpy.array([1.0, 2.0, 3.0])),
                         (numpy.array([True, False, True]), -1.0),
                         ((numpy.array([0, 2]), numpy.array([1, 3])), numpy.array([8.0, 9.0]))):
        x, tx = sj.tensor(a), torch.from_numpy(a.copy())
        x[index] = sj.tensor(value) if isinstance(value, numpy.ndarray) else value
        tx[_torch_index(index)] = torch.from_numpy(value) if isinstance(value, numpy.ndarray) else value
        numpy.testing.assert_array_equal(x.array, tx.numpy())


def test_setitem_counts_a_version_and_refuses_a_recorded_value():
    x = sj.zeros(3)
    x[0] = 1.0
    assert x._version == 1
    with pytest.raises(RuntimeError, match="requires grad"):
        x[1] = sj.ones(1, requires_grad=True)
    w = sj.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w[0] = 2.0
    with sj.no_grad():
        w[0] = 2.0
    assert w.array[0] == 2.0


@pytest.mark.parametrize("split, block", [(False, 1 << 20), (True, 1 << 20), (True, 7)])
@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_add_rows_is_add_at(monkeypatch, split, block, dtype):
    from shenjing.ops import indexing
    monkeypatch.setattr(indexing, "_ADD_ROWS_SPLIT", 0 if split else 1 << 62)
    monkeypatch.setattr(indexing, "_ADD_ROWS_BLOCK", block)   # 7: one column per bincount
    rng = numpy.random.default_rng(0)
    ids = numpy.concatenate([rng.integers(0, 6, 40), [3] * 30])   # runs of repeated ids
    rows = rng.standard_normal((ids.size, 5, 3)).astype(dtype)
    expected = numpy.zeros((6, 5, 3), numpy.float64)
    numpy.add.at(expected, ids, rows.astype(numpy.float64))
    got = indexing.add_rows((6, 5, 3), ids, rows)
    assert got.dtype == dtype and got.shape == (6, 5, 3)
    if dtype == numpy.float64:
        numpy.testing.assert_array_equal(got, expected)          # same order: bit for bit
    else:
        numpy.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    empty = indexing.add_rows((4, 2), numpy.zeros(0, numpy.int64), numpy.zeros((0, 2), dtype))
    numpy.testing.assert_array_equal(empty, numpy.zeros((4, 2)))
