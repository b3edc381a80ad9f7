"""The embedding kernels (``kernels.indexing``) against the NumPy reference of
``ops.indexing``: the gradient's row sums bit for bit (the same float64 additions in the
same order), the gather exactly."""

import numpy as np
import pytest

import shenjing
from shenjing import kernels
from shenjing.ops import indexing

from . import parity

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")
K = kernels.module("indexing")

DTYPES = [np.float32, np.float64]


def counting(name):
    """Record the calls of ``K.<name>`` inside the block (see ``parity.counting``)."""
    return parity.counting(K, name)


def _both(fn):
    with counting("sum_rows") as calls:
        fast = fn()
    with kernels.reference():
        slow = fn()
    return fast, slow, len(calls)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,width,ids_shape", [(10, 4, (3, 50)), (7, 1, (13,)), (1, 3, (5,)),
                                               (10000, 64, (32, 200)), (6, 5, (0,))])
def test_add_rows_matches_the_reference_bit_for_bit(dtype, n, width, ids_shape):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, n, ids_shape)
    scale = 10.0 ** rng.integers(-3, 4, ids_shape + (width,))   # the order of sums shows
    rows = (rng.standard_normal(ids_shape + (width,)) * scale).astype(dtype)
    fast, slow, calls = _both(lambda: indexing.add_rows((n, width), ids, rows))
    assert calls == 1 and fast.dtype == dtype
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_allclose(fast, _add_at(n, ids, rows), rtol=1e-5, atol=1e-3)


def _add_at(n, ids, rows):
    out = np.zeros((n, rows.shape[-1]), np.float64)
    np.add.at(out, ids.reshape(-1), rows.reshape(-1, rows.shape[-1]))
    return out


@pytest.mark.parametrize("dtype", DTYPES)
def test_add_rows_repeated_ids_int32_and_strided_rows(dtype):
    rng = np.random.default_rng(1)
    ids = np.array([[3, 3, 3, 0], [3, 1, 0, 3]], np.int32)
    rows = np.asfortranarray(rng.standard_normal((8, 6))).astype(dtype).T.reshape(2, 4, 6)
    fast, slow, calls = _both(lambda: indexing.add_rows((5, 6), ids, rows))
    assert calls == 1
    np.testing.assert_array_equal(fast, slow)
    assert not fast[2].any() and not fast[4].any()


def test_add_rows_rejects_ids_outside_the_table_like_the_reference():
    rows = np.ones((3, 2), np.float32)
    for ids in (np.array([0, 5, 1]), np.array([0, -1, 1])):
        with pytest.raises(ValueError):
            indexing.add_rows((4, 2), ids, rows)
        with kernels.reference(), pytest.raises(ValueError):
            indexing.add_rows((4, 2), ids, rows)


def test_group_ids_keeps_the_input_order():
    start, order = K.group_ids(np.array([2, 0, 2, 1, 2, 0]), 4)
    assert start.tolist() == [0, 2, 3, 6, 6]
    assert order.tolist() == [1, 5, 3, 0, 2, 4]
    start, _ = K.group_ids(np.array([0, 4]), 4)
    assert start[0] == -1


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding_forward_and_backward(dtype, padding_idx):
    rng = np.random.default_rng(2)
    table = rng.standard_normal((20, 7)).astype(dtype)
    ids = rng.integers(0, 20, (4, 9))
    ids[0, :3] = 0
    ids[1, :] = 19
    upstream = rng.standard_normal((4, 9, 7)).astype(dtype)

    def run():
        w = shenjing.tensor(table.copy(), requires_grad=True)
        y = indexing.embedding(shenjing.tensor(ids), w, padding_idx=padding_idx)
        (y * shenjing.tensor(upstream)).sum().backward()
        return y.numpy(), w.grad.numpy()
    with counting("take_rows") as gathers:
        fast, slow, calls = _both(run)
    assert calls == 1 and len(gathers) == 1
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
    if padding_idx is not None:
        assert not fast[1][padding_idx].any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_embedding_gradient_through_a_transpose(dtype):
    """The textcnn pattern: embedding (N, L, E) -> transpose -> (N, E, L); the gradient
    arrives as a strided view."""
    rng = np.random.default_rng(3)
    table = rng.standard_normal((50, 8)).astype(dtype)
    ids = rng.integers(0, 50, (3, 40))
    upstream = rng.standard_normal((3, 8, 40)).astype(dtype)

    def run():
        w = shenjing.tensor(table.copy(), requires_grad=True)
        y = indexing.embedding(shenjing.tensor(ids), w).transpose(1, 2)
        (y * shenjing.tensor(upstream)).sum().backward()
        return w.grad.numpy()
    fast, slow, calls = _both(run)
    assert calls == 1
    np.testing.assert_array_equal(fast, slow)


def test_take_and_non_contiguous_table():
    x = shenjing.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    y = shenjing.take(x, shenjing.tensor([[0, 11], [5, -1]]))
    y.sum().backward()
    assert y.tolist() == [[0.0, 11.0], [5.0, 11.0]]
    assert x.grad.numpy().reshape(-1).tolist() == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2]
    strided = np.arange(24.0).reshape(6, 4)[::2]       # not C-contiguous: NumPy's gather
    with counting("take_rows") as gathers:
        out = indexing.Embedding(np.array([2, 0])).forward(strided)
    assert not gathers and out.tolist() == [strided[2].tolist(), strided[0].tolist()]


@pytest.mark.parametrize("dtype", [np.float16, np.int64])
def test_other_dtypes_run_the_reference(dtype):
    with counting("sum_rows") as calls:
        out = indexing.add_rows((3, 2), np.array([0, 2, 0]), np.ones((3, 2), dtype))
    assert not calls and out.tolist() == [[2, 2], [0, 0], [1, 1]]
