"""Version counters shared between a tensor and its views: an in-place change through a
view (or of the base) after the other was saved for backward is caught at backward, as
PyTorch does; changes made before use, new results and ``.data`` raise nothing."""

import numpy as np
import pytest

import shenjing as sj

VIEWS = {
    "slice": lambda x: x[1:3],
    "reshape": lambda x: x.reshape(3, 2)[1],
    "transpose": lambda x: x.reshape(2, 3).t()[1],
    "view of view": lambda x: x[1:][:2],
    "chunk": lambda x: x.chunk(3)[1],
    "detach": lambda x: x.detach()[:2],
}


def data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(6), rng.standard_normal(2)


def scenario(lib, view, change, tensor):
    """y = sum(view(x) * w) saves the view (x needs no grad, w does); then ``change``
    modifies the base or the view in place; returns (y, w)."""
    xa, wa = data()
    x, w = tensor(lib, xa), tensor(lib, wa, requires_grad=True)
    v = view(x)
    y = (v * w).sum()
    change(x, v)
    return y, w


def sj_tensor(lib, a, requires_grad=False):
    return lib.tensor(a, requires_grad=requires_grad)


def torch_tensor(lib, a, requires_grad=False):
    return lib.tensor(a, requires_grad=requires_grad)


CHANGES = {
    "base add_": lambda x, v: x.add_(1.0),
    "base setitem": lambda x, v: x.__setitem__(2, 5.0),
    "view mul_": lambda x, v: v.mul_(2.0),
    "view zero_": lambda x, v: v.zero_(),
}


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("change", list(CHANGES))
def test_change_after_save_is_caught(view, change):
    y, _ = scenario(sj, VIEWS[view], CHANGES[change], sj_tensor)
    with pytest.raises(RuntimeError, match="changed in place after it was used"):
        y.backward()


@pytest.mark.parametrize("change", list(CHANGES))
def test_torch_raises_on_the_same_programs(change):
    torch = pytest.importorskip("torch")
    y, _ = scenario(torch, VIEWS["slice"], CHANGES[change], torch_tensor)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_view_saved_by_op_and_base_changed_then_viewed_again():
    x = sj.tensor(np.arange(6.0))
    w = sj.tensor(np.ones(6), requires_grad=True)
    y = (x * w).sum()                     # saves x itself
    x.reshape(2, 3)[1].fill_(0.0)         # changed through a view made afterwards
    with pytest.raises(RuntimeError, match="version 0 -> 1"):
        y.backward()


def test_change_before_use_is_fine_and_matches_torch():
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (sj, torch):
        xa, wa = data(1)
        x, w = lib.tensor(xa), lib.tensor(wa, requires_grad=True)
        v = x[1:3]
        x.mul_(3.0)                       # before the view is used: seen by the product
        y = (v * w).sum()
        y.backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
    np.testing.assert_allclose(grads[0], 3 * data(1)[0][1:3], rtol=1e-12)


@pytest.mark.parametrize("lib_name", ["shenjing", "torch"])
def test_one_counter_per_memory_even_for_elements_not_read(lib_name):
    # as PyTorch: the count is per base, not per element, so a change to x[4] also counts
    lib = sj if lib_name == "shenjing" else pytest.importorskip("torch")
    xa, wa = data(2)
    x, w = lib.tensor(xa), lib.tensor(wa, requires_grad=True)
    y = (x[1:3] * w).sum()
    x[4] = -1.0
    with pytest.raises(RuntimeError, match="changed in place|modified by an inplace"):
        y.backward()


def test_data_and_new_results_do_not_share():
    x = sj.tensor(np.arange(4.0))
    w = sj.tensor(np.ones(2), requires_grad=True)
    v = x[:2]
    c = v + 0.0
    y = (c * w).sum()
    x.add_(1.0)                           # a new result has memory of its own
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 1.0])
    z = x * 2
    x.add_(1.0)
    assert z._version == 0 and x._version == 2 and v._version == 2
    assert x.data._version == 0           # .data: in-place changes untracked, as PyTorch
    u = x.data
    u.add_(1.0)
    assert x._version == 2 and float(x[0].item()) == 3.0


def test_views_share_one_counter():
    x = sj.zeros(3, 4)
    a, b, c = x[1], x.t(), x.reshape(12)[2:5]
    for t in (a, b, c):
        t.add_(1.0)
    assert x._version == a._version == b._version == c._version == 3
    d = x.detach()
    d.zero_()
    assert x._version == 4
