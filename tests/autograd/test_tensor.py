"""Tensor basics: creation, dtype policy, conversions, data access, repr, in-place rules."""

import numpy as np
import pytest

import shenjing as sj


def test_dtype_policy_follows_pytorch():
    assert sj.tensor([1.0, 2.0]).dtype == sj.float32
    assert sj.tensor([1, 2]).dtype == sj.int64
    assert sj.tensor([True]).dtype == sj.bool
    assert sj.tensor(np.zeros(3, np.float64)).dtype == sj.float64
    ints = sj.tensor([1, 2])
    assert (ints * 0.5).dtype == sj.float32      # int tensor with a float number
    assert (ints / 2).dtype == sj.float32        # true division of integers
    assert (ints + 1).dtype == sj.int64
    x = sj.ones(3)
    assert (x * 2).dtype == sj.float32 and (2.5 - x).dtype == sj.float32
    assert (np.float64(2.0) * x).dtype == sj.float32
    assert (x + sj.ones(3, dtype=sj.float64)).dtype == sj.float64
    assert (ints + sj.ones(2)).dtype == sj.float32  # a float beats an int of any width


def test_creation_functions():
    sj.manual_seed(0)
    assert sj.zeros(2, 3).shape == (2, 3) and sj.zeros((2, 3)).shape == (2, 3)
    assert sj.ones(4).tolist() == [1.0] * 4
    assert sj.full((2,), 7.5).tolist() == [7.5, 7.5]
    assert sj.arange(5).tolist() == [0, 1, 2, 3, 4] and sj.arange(5).dtype == sj.int64
    assert sj.arange(0, 1, 0.25).dtype == sj.float32
    assert sj.eye(3).numpy().trace() == 3
    r = sj.rand(1000)
    assert r.dtype == sj.float32 and 0 <= r.min().item() and r.max().item() < 1
    n = sj.randn(10000)
    assert abs(n.mean().item()) < 0.05 and abs(n.std().item() - 1) < 0.05
    like = sj.zeros_like(sj.ones(2, 2, dtype=sj.float64))
    assert like.dtype == sj.float64 and like.shape == (2, 2)
    assert sj.randn_like(n).shape == n.shape and sj.ones_like(n).sum().item() == 10000
    a = np.arange(3.0)
    shared = sj.from_numpy(a)
    a[0] = 9
    assert shared[0].item() == 9 and shared.dtype == sj.float64
    copied = sj.tensor(a)
    a[1] = 9
    assert copied[1].item() == 1


def test_manual_seed_reproduces_draws():
    sj.manual_seed(123)
    first = sj.randn(5).tolist(), sj.rand(3).tolist(), sj.randint(0, 10, (4,)).tolist()
    sj.manual_seed(123)
    again = sj.randn(5).tolist(), sj.rand(3).tolist(), sj.randint(0, 10, (4,)).tolist()
    assert first == again


def test_size_shape_item_and_conversions():
    x = sj.arange(6).reshape(2, 3)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3
    assert x.ndim == 2 and x.dim() == 2 and x.numel() == 6 and len(x) == 2
    assert x.T.shape == (3, 2)
    assert x.float().dtype == sj.float32 and x.double().dtype == sj.float64
    assert x.float().long().dtype == sj.int64 and x.to(sj.float64).dtype == sj.float64
    assert x.to("cpu") is x
    assert sj.tensor([2.5]).item() == 2.5 and float(sj.tensor(1.5)) == 1.5
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="one element"):
        x.item()
    with pytest.raises(RuntimeError, match="CPU"):
        x.to("cuda")


def test_cast_carries_gradient_back_in_the_input_dtype():
    x = sj.ones(3, requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == sj.float32 and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_detach_and_clone():
    x = sj.ones(3, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and np.shares_memory(d.numpy(), x.numpy())
    y = (x * 2).detach()
    assert y.grad_fn is None


def test_data_is_an_untracked_view_as_in_pytorch():
    w = sj.ones(3, requires_grad=True)
    w.data.mul_(3)                       # allowed even with grad on: .data is outside the graph
    assert w.tolist() == [3.0, 3.0, 3.0]
    w.data = sj.zeros(3)
    assert w.tolist() == [0.0, 0.0, 0.0] and w.requires_grad


def test_in_place_on_leaf_requiring_grad_needs_no_grad():
    w = sj.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.add_(1)
    with sj.no_grad():
        w.add_(1)
        w -= 0.5
        w[0] = 10
    assert w.tolist() == [10.0, 1.5, 1.5]


def test_setitem_with_a_value_that_requires_grad_is_refused():
    buf = sj.zeros(3)
    with pytest.raises(RuntimeError, match="stack"):
        buf[0] = sj.ones(1, requires_grad=True).sum()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating"):
        sj.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="floating"):
        sj.arange(3).requires_grad_()


def test_repr_shows_grad_fn_and_requires_grad():
    assert "requires_grad=True" in repr(sj.ones(2, requires_grad=True))
    assert "grad_fn=<Mul backward>" in repr(sj.ones(2, requires_grad=True) * 2)
    assert "dtype=float64" in repr(sj.ones(2, dtype=sj.float64))


def test_comparisons_give_bool_without_graph():
    x = sj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == sj.bool and not mask.requires_grad
    assert mask.tolist() == [False, True, True]
    assert (x == 2).tolist() == [False, True, False]


def test_numpy_operand_on_the_left_defers_to_tensor():
    x = sj.ones(3, requires_grad=True)
    y = np.arange(3.0, dtype=np.float32) + x
    assert isinstance(y, sj.Tensor) and y.requires_grad


def test_iteration_and_bool():
    x = sj.arange(6).reshape(3, 2)
    rows = list(x)
    assert len(rows) == 3 and rows[2].tolist() == [4, 5]
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    assert bool(sj.tensor([1]))
