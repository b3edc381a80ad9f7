"""Shape ops through the shared harness: reshape, view, flatten, unflatten, squeeze,
unsqueeze, transpose, permute, t, expand, broadcast_to, cat, stack, split, chunk, unbind,
pad, flip, repeat (and their method and alias forms)."""

import numpy
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError

from .harness import Arg, OpInfo, S, op_tests, torch_ref as T

F = T.nn.functional


def method(name):
    """``lambda x, *a, **k: x.name(*a, **k)``: the same call on a shenjing or a torch tensor."""
    return lambda x, *a, **k: getattr(x, name)(*a, **k)


TABLE = [
    OpInfo("reshape", sj.reshape, T.reshape,
           [S((3, 4), Arg((4, 3))), S((3, 4), Arg((-1,))), S((2, 3, 4), Arg((6, -1))),
            S((), Arg((1, 1))), S((3, 4), Arg((3, 4))), S((1,), Arg(()))]),
    OpInfo("reshape_method", method("reshape"), method("reshape"),
           [S((2, 3, 4), 6, -1), S((2, 3, 4), Arg((4, 6)))]),
    OpInfo("view", method("view"), method("view"), [S((2, 3, 4), 4, 6), S((2, 3, 4), -1)]),
    OpInfo("view_as", method("view_as"), method("view_as"), [S((3, 4), (4, 3))], nondiff=(1,)),
    OpInfo("reshape_as", method("reshape_as"), method("reshape_as"), [S((3, 4), (2, 6))],
           nondiff=(1,)),
    OpInfo("contiguous", method("contiguous"), method("contiguous"), [S((3, 4))]),
    OpInfo("flatten", sj.flatten, T.flatten,
           [S((2, 3, 4)), S((2, 3, 4), 1), S((2, 3, 4), start_dim=0, end_dim=1),
            S((2, 3, 4, 2), 1, 2), S((2, 3, 4), -2), S(()), S((3,))]),
    OpInfo("unflatten", sj.unflatten, T.unflatten,
           [S((2, 12), 1, Arg((3, 4))), S((6, 2), 0, Arg((2, -1))), S((2, 12), -1, Arg((12,)))]),
    OpInfo("unflatten_method", method("unflatten"), method("unflatten"), [S((2, 12), 1, Arg((3, 4)))]),
    OpInfo("squeeze", sj.squeeze, T.squeeze,
           [S((1, 3, 1)), S((1, 3, 1), 0), S((1, 3, 1), 1), S((1, 3, 1), -1),
            S((1, 3, 1), dim=Arg((0, 2))), S(()), S((1,)), S((1, 1), 0)]),
    OpInfo("unsqueeze", sj.unsqueeze, T.unsqueeze,
           [S((3, 4), 0), S((3, 4), -1), S((3, 4), 1), S((), 0), S((), -1)]),
    OpInfo("transpose", sj.transpose, T.transpose,
           [S((3, 4), 0, 1), S((2, 3, 4), -1, 0), S((2, 3), 1, 1), S((), 0, -1), S((3,), 0, 0)]),
    OpInfo("swapaxes", sj.swapaxes, T.swapaxes, [S((2, 3, 4), 0, 2)]),
    OpInfo("transpose_method", method("transpose"), method("transpose"), [S((2, 3, 4), 1, 2)]),
    OpInfo("permute", sj.permute, T.permute,
           [S((2, 3, 4), Arg((2, 0, 1))), S((2, 3, 4), Arg((-1, 0, 1))), S((3, 4), Arg((0, 1))),
            S((), Arg(()))]),
    OpInfo("permute_method", method("permute"), method("permute"),
           [S((2, 3, 4), 2, 0, 1), S((2, 3, 4), Arg((1, 2, 0)))]),
    OpInfo("t", sj.t, T.t, [S((3, 4)), S((4,)), S(())]),
    OpInfo("T", lambda x: x.T, lambda x: x.T, [S((3, 4))]),
    OpInfo("mT", lambda x: x.mT, lambda x: x.mT, [S((2, 3, 4)), S((3, 4))]),
    OpInfo("expand", sj.expand, method("expand"),
           [S((3, 1), 3, 4), S((3, 1), -1, 5), S((3, 1), 2, 3, 4), S((), 2, 3),
            S((1,), Arg((4,))), S((2, 1), 3, -1, -1)]),
    OpInfo("expand_method", method("expand"), method("expand"), [S((3, 1), 2, 3, 4)]),
    OpInfo("expand_as", method("expand_as"), method("expand_as"), [S((3, 1), (2, 3, 4))],
           nondiff=(1,)),
    OpInfo("broadcast_to", sj.broadcast_to, T.broadcast_to,
           [S((3, 1), Arg((2, 3, 4))), S((), Arg((2,))), S((3,), Arg((3,)))]),
    OpInfo("cat", lambda *xs, dim=0: sj.cat(xs, dim), lambda *xs, dim=0: T.cat(xs, dim),
           [S((2, 3), (4, 3)), S((2, 3), (2, 5), dim=1), S((2, 3), (2, 1), (2, 2), dim=-1),
            S((2, 3, 4), (2, 1, 4), dim=1), S((3,), (2,)), S((2, 3))]),
    OpInfo("concat", lambda *xs, dim=0: sj.concat(xs, dim=dim),
           lambda *xs, dim=0: T.concat(xs, dim=dim), [S((2, 3), (2, 2), dim=1)]),
    OpInfo("concatenate", lambda *xs: sj.concatenate(list(xs)), lambda *xs: T.concatenate(xs),
           [S((1, 3), (2, 3))]),
    OpInfo("stack", lambda *xs, dim=0: sj.stack(xs, dim), lambda *xs, dim=0: T.stack(xs, dim),
           [S((2, 3), (2, 3)), S((2, 3), (2, 3), dim=1), S((2, 3), (2, 3), (2, 3), dim=-1),
            S((), ()), S((4,), dim=0)]),
    OpInfo("split", sj.split, T.split,
           [S((5, 4), 2), S((5, 4), [1, 4]), S((5, 4), 2, dim=1), S((5, 4), 5), S((5, 4), [2, 0, 3]),
            S((4, 5), 3, -1)]),
    OpInfo("split_method", method("split"), method("split"), [S((5, 4), 2, 1)]),
    OpInfo("chunk", sj.chunk, T.chunk,
           [S((5, 4), 2), S((5, 4), 3, dim=1), S((6,), 4), S((6, 2), 3), S((2, 3), 5)]),
    OpInfo("chunk_method", method("chunk"), method("chunk"), [S((6, 2), 2)]),
    OpInfo("unbind", sj.unbind, T.unbind, [S((3, 4)), S((3, 4), 1), S((2, 3, 4), dim=-1)]),
    OpInfo("unbind_method", method("unbind"), method("unbind"), [S((2, 3), 1)]),
    OpInfo("pad", sj.pad, F.pad,
           [S((3, 4), Arg((1, 2))), S((2, 3, 4), Arg((1, 1, 2, 0)), value=0.5),
            S((3, 4), Arg((0, 0, 1, 1))), S((2, 3, 4), Arg((1, 0, 0, 2, 1, 1))),
            S((3, 4), Arg((2, 2)), mode="constant", value=-1.0)]),
    OpInfo("flip", sj.flip, T.flip,
           [S((3, 4), Arg((0,))), S((2, 3, 4), Arg((0, 2))), S((3, 4), [-1])]),
    OpInfo("flip_method", method("flip"), method("flip"), [S((3, 4), 0, 1)]),
    OpInfo("repeat", sj.repeat, method("repeat"),
           [S((2, 3), 2, 1), S((2, 3), 1, 2, 3), S((3,), Arg((2, 2))), S((), 3), S((2, 1), 1, 1)]),
    OpInfo("repeat_method", method("repeat"), method("repeat"), [S((2, 3), 2, 2)]),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_flip_with_an_int_dim_matches_a_tuple():
    x = sj.arange(6).reshape(2, 3)
    numpy.testing.assert_array_equal(sj.flip(x, 1).array, sj.flip(x, (1,)).array)


def test_split_accepts_numpy_integers():
    pieces = sj.split(sj.ones(5, 2), numpy.int64(2))
    assert [p.shape for p in pieces] == [(2, 2), (2, 2), (1, 2)]


def test_permute_refuses_a_non_permutation():
    with pytest.raises(ShapeError, match="permute"):
        sj.permute(sj.ones(2, 3), 0, 0)


def test_reshape_error_names_the_shapes():
    with pytest.raises(ShapeError, match=r"Reshape.*\(2, 3\).*\(4, 2\)|\(4, 2\).*\(2, 3\)"):
        sj.reshape(sj.ones(2, 3), 4, 2)


def test_expand_refuses_incompatible_sizes():
    with pytest.raises(ShapeError, match="expand"):
        sj.ones(3, 2).expand(3, 4)
    with pytest.raises(ShapeError, match="expand"):
        sj.ones(3).expand(-1, 3)


def test_split_sizes_must_add_up():
    with pytest.raises(ShapeError, match="split"):
        sj.split(sj.ones(5), [2, 2])


def test_pad_refuses_other_modes():
    with pytest.raises(ShapeError, match="pad"):
        sj.pad(sj.ones(2, 3), (1, 1), mode="symmetric")


def test_cat_of_mixed_dtypes_promotes_like_torch():
    torch = pytest.importorskip("torch")
    a, b = numpy.ones((2, 2), numpy.float32), numpy.ones((1, 2), numpy.float64)
    ours = sj.cat([sj.tensor(a), sj.tensor(b)])
    theirs = torch.cat([torch.from_numpy(a), torch.from_numpy(b)])
    assert ours.dtype == theirs.numpy().dtype


def test_cat_of_one_tensor_is_a_copy_like_torch():
    x = sj.zeros(3)
    y = sj.cat([x])
    y.add_(1.0)
    numpy.testing.assert_array_equal(x.array, [0.0, 0.0, 0.0])


def test_type_as():
    assert sj.ones(2).type_as(sj.ones(1, dtype=sj.float64)).dtype == numpy.float64


def test_reshape_is_a_view():
    x = sj.zeros(2, 3)
    y = x.reshape(3, 2)
    with sj.no_grad():
        y.array[0, 0] = 5.0
    assert x.array[0, 0] == 5.0
