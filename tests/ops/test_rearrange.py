"""Rearranging ops through the shared harness: clone, contiguous, roll, tril, triu, diag,
diagonal, trace, movedim, narrow, select, unfold, tile, repeat_interleave, atleast_*d,
hstack/vstack/column_stack, meshgrid, broadcast_tensors, take_along_dim."""

import numpy
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError

from .harness import Arg, OpInfo, S, ints, op_tests, torch_ref as T


def method(name):
    return lambda x, *a, **k: getattr(x, name)(*a, **k)


def listed(fn):
    """fn applied to its positional inputs gathered in one list (torch's hstack([a, b]))."""
    return lambda *xs, **k: fn(list(xs), **k)


TABLE = [
    OpInfo("clone", sj.clone, T.clone, [S((3, 4)), S(())]),
    OpInfo("clone_method", method("clone"), method("clone"), [S((3, 4))]),
    OpInfo("contiguous_of_transpose", lambda x: x.t().contiguous(),
           lambda x: x.t().contiguous(), [S((3, 4))]),
    OpInfo("roll", sj.roll, T.roll,
           [S((5,), 2), S((3, 4), 1, 1), S((3, 4), -1, 0), S((3, 4), 5), S((2, 3, 4),
            Arg((1, -2)), Arg((0, 2))), S((3, 4), shifts=7, dims=-1)]),
    OpInfo("roll_method", method("roll"), method("roll"), [S((3, 4), 1, 0)]),
    OpInfo("tril", sj.tril, T.tril,
           [S((4, 4)), S((3, 5), 1), S((3, 5), -1), S((2, 3, 3), diagonal=0)]),
    OpInfo("triu", sj.triu, T.triu, [S((4, 4)), S((3, 5), 2), S((5, 3), -2), S((2, 3, 3))]),
    OpInfo("tril_method", method("tril"), method("tril"), [S((4, 4), 1)]),
    OpInfo("triu_method", method("triu"), method("triu"), [S((4, 4), -1)]),
    OpInfo("diag", sj.diag, T.diag, [S((4,)), S((3,), 1), S((3,), -2), S((3, 4)), S((3, 4), 1),
                                     S((4, 3), -1)]),
    OpInfo("diag_method", method("diag"), method("diag"), [S((4,), 1), S((4, 4))]),
    OpInfo("diagonal", sj.diagonal, T.diagonal,
           [S((3, 4)), S((3, 4), 1), S((2, 3, 4), 0, 1, 2), S((2, 3, 4), -1, 2, 0)]),
    OpInfo("trace", sj.trace, T.trace, [S((3, 3)), S((3, 5))]),
    OpInfo("trace_method", method("trace"), method("trace"), [S((4, 2))]),
    OpInfo("movedim", sj.movedim, T.movedim,
           [S((2, 3, 4), 0, -1), S((2, 3, 4), Arg((0, 1)), Arg((2, 0))), S((2, 3, 4), 1, 1)]),
    OpInfo("movedim_method", method("movedim"), method("movedim"), [S((2, 3, 4), 2, 0)]),
    OpInfo("narrow", sj.narrow, T.narrow, [S((5, 4), 0, 1, 3), S((5, 4), -1, 2, 2),
                                           S((5, 4), 0, -2, 2)]),
    OpInfo("narrow_method", method("narrow"), method("narrow"), [S((5, 4), 1, 0, 1)]),
    OpInfo("select", sj.select, T.select, [S((5, 4), 0, 2), S((2, 3, 4), -1, -1)]),
    OpInfo("select_method", method("select"), method("select"), [S((5, 4), 1, 3)]),
    OpInfo("unfold_method", method("unfold"), method("unfold"),
           [S((7,), 0, 3, 1), S((7,), 0, 2, 2), S((3, 8), 1, 3, 2), S((6, 2), 0, 4, 1)]),
    OpInfo("tile", sj.tile, T.tile, [S((2, 3), Arg((2, 1))), S((2, 3), Arg((2,))),
                                     S((3,), Arg((2, 2)))]),
    OpInfo("tile_method", method("tile"), method("tile"), [S((2, 3), Arg((1, 3)))]),
    OpInfo("repeat_interleave", sj.repeat_interleave, T.repeat_interleave,
           [S((2, 3), 2), S((2, 3), 3, 0), S((2, 3), ints(0, 3, (3,)), 1), S((4,), 2, dim=0)]),
    OpInfo("repeat_interleave_method", method("repeat_interleave"),
           method("repeat_interleave"), [S((2, 3), 2, 1)]),
    OpInfo("repeat_interleave_counts", sj.repeat_interleave, T.repeat_interleave,
           [S(ints(0, 4, (5,)))], grad=False),
    OpInfo("atleast_1d", sj.atleast_1d, T.atleast_1d, [S(()), S((3,)), S((2, 3))]),
    OpInfo("atleast_2d", sj.atleast_2d, T.atleast_2d, [S(()), S((3,)), S((2, 3))]),
    OpInfo("atleast_3d", sj.atleast_3d, T.atleast_3d, [S(()), S((3,)), S((2, 3)), S((1, 2, 3))]),
    OpInfo("hstack", listed(sj.hstack), listed(T.hstack), [S((2, 3), (2, 1)), S((3,), (2,))]),
    OpInfo("vstack", listed(sj.vstack), listed(T.vstack), [S((2, 3), (1, 3)), S((3,), (3,))]),
    OpInfo("column_stack", listed(sj.column_stack), listed(T.column_stack),
           [S((3,), (3, 2)), S((4,), (4,))]),
    OpInfo("meshgrid", sj.meshgrid, T.meshgrid,
           [S((3,), (4,), indexing="ij"), S((3,), (4,), indexing="xy"),
            S((2,), (3,), (4,), indexing="xy"), S((2,), (3,), (4,), indexing="ij")]),
    OpInfo("broadcast_tensors", sj.broadcast_tensors, T.broadcast_tensors,
           [S((3, 1), (4,)), S((2, 1, 4), (3, 1), ())]),
    OpInfo("take_along_dim", sj.take_along_dim, T.take_along_dim,
           [S((3, 4), ints(0, 4, (3, 2)), 1), S((3, 4), ints(0, 3, (2, 4)), 0),
            S((3, 4), ints(0, 12, (5,))), S((3, 4), ints(0, 4, (1, 3)), dim=1),
            S((3, 4), ints(-4, 4, (3, 6)), -1)]),
    OpInfo("take_along_dim_method", method("take_along_dim"), method("take_along_dim"),
           [S((3, 4), ints(0, 4, (3, 1)), 1)]),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_contiguous_returns_itself_when_already_contiguous():
    x = sj.randn(3, 4)
    assert x.contiguous() is x and x.is_contiguous()
    t = x.t()
    assert not t.is_contiguous()
    c = t.contiguous()
    assert c is not t and c.is_contiguous()
    numpy.testing.assert_array_equal(c.numpy(), t.numpy())


def test_clone_is_a_copy_joined_to_the_graph():
    x = sj.ones(3, requires_grad=True)
    c = x.clone()
    assert c.array is not x.array and not numpy.shares_memory(c.array, x.array)
    (c * 2).sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_unfold_overlapping_windows_add_their_gradients():
    x = sj.zeros(5, requires_grad=True)
    x.unfold(0, 3, 1).sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 3.0, 2.0, 1.0])


def test_rearrange_errors_name_the_op_and_argument():
    x = sj.ones(3, 4)
    with pytest.raises(ShapeError, match=r"narrow: start 2 and length 3 do not fit in dim 0"):
        sj.narrow(x, 0, 2, 3)
    with pytest.raises(ShapeError, match="tril: expects a tensor with at least 2 dims"):
        sj.tril(sj.ones(3))
    with pytest.raises(ShapeError, match="roll: shifts .* and dims .* must have the same length"):
        sj.roll(x, (1, 2), 0)
    with pytest.raises(ShapeError, match="unfold: size 5 must be in"):
        x.unfold(0, 5, 1)
    with pytest.raises(ShapeError, match="repeat_interleave: repeats must be one number or 4"):
        sj.repeat_interleave(x, sj.tensor([1, 2]), 1)
    with pytest.raises(ShapeError, match="take_along_dim: indices of shape"):
        sj.take_along_dim(x, sj.tensor([0, 1]), 1)
