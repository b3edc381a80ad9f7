"""backward(): accumulation, seeds, retain_graph, freed graphs, hooks, grad modes, errors."""

import gc

import numpy as np
import pytest

import shenjing as sj


def test_chain_rule_through_a_small_graph():
    x = sj.tensor([1.0, 2.0, 3.0], dtype=sj.float64, requires_grad=True)
    y = (x * x + 3 * x).exp().sum()          # dy/dx = (2x + 3) exp(x^2 + 3x)
    y.backward()
    a = x.numpy()
    np.testing.assert_allclose(x.grad.numpy(), (2 * a + 3) * np.exp(a * a + 3 * a), rtol=1e-12)


def test_gradients_accumulate_across_backward_calls_and_uses():
    w = sj.ones(2, requires_grad=True)
    (w * 3).sum().backward()
    (w * w).sum().backward()                 # 3 + 2w
    assert w.grad.tolist() == [5.0, 5.0]
    w.grad = None
    y = w * 2
    (y + y * w).sum().backward()             # d/dw (2w + 2w^2) = 2 + 4w
    assert w.grad.tolist() == [6.0, 6.0]


def test_diamond_graph_orders_nodes_correctly():
    # r depends on a directly and through b = f(a): b's gradient must reach a before a is used
    x = sj.tensor(2.0, dtype=sj.float64, requires_grad=True)
    a = x * 3
    b = a * a
    r = a + b                                # r = 3x + 9x^2, dr/dx = 3 + 18x
    r.backward()
    assert x.grad.item() == pytest.approx(39.0)


def test_backward_with_explicit_gradient_for_non_scalars():
    x = sj.ones(2, 3, requires_grad=True)
    y = x * 2
    y.backward(sj.full((2, 3), 0.5))
    assert np.all(x.grad.numpy() == 1.0)
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(sj.ones(3))


def test_non_scalar_backward_without_gradient_says_what_to_do():
    x = sj.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward\(gradient\)"):
        (x * 2).backward()


def test_retain_graph_and_freed_graph_error():
    x = sj.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0]
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_backward_on_tensor_without_grad_explains():
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        sj.ones(3).sum().backward()


def test_in_place_change_of_a_saved_input_is_detected():
    w = sj.ones(3, requires_grad=True)
    loss = (w * w).sum()
    with sj.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()


def test_in_place_change_of_an_unread_input_is_harmless():
    # add's backward does not read its inputs, so changing one afterwards is fine
    w = sj.ones(3, requires_grad=True)
    loss = (w + 1).sum()
    with sj.no_grad():
        w.mul_(2)
    loss.backward()
    assert w.grad.tolist() == [1.0, 1.0, 1.0]


def test_no_grad_and_enable_grad():
    x = sj.ones(2, requires_grad=True)
    with sj.no_grad():
        y = x * 2
        assert not sj.is_grad_enabled()
        with sj.enable_grad():
            z = x * 2
    assert sj.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @sj.no_grad()
    def infer(t):
        return t * 3
    assert not infer(x).requires_grad
    with sj.set_grad_enabled(False):
        assert not (x * 1).requires_grad
    assert sj.is_grad_enabled()


def test_hooks_on_leaf_and_non_leaf_tensors():
    x = sj.ones(3, requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 2
    y.register_hook(lambda g: g * 10)        # replaces the gradient flowing on
    y.sum().backward()
    assert seen == [[20.0, 20.0, 20.0]] and x.grad.tolist() == [20.0] * 3
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert len(seen) == 1


def test_retain_grad_keeps_non_leaf_gradient():
    x = sj.ones(2, requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 6.0]
    assert x.grad.tolist() == [18.0, 18.0]


def test_leaves_never_share_a_gradient_array():
    # add passes the same gradient array to both inputs; in-place changes of one .grad
    # (clip_grad_norm_, an optimizer) must not show in the other
    a = sj.ones(3, requires_grad=True)
    b = sj.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.mul_(5)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


def test_multi_output_op_with_an_unused_output():
    x = sj.arange(6, dtype=sj.float64).requires_grad_()
    first, second = sj.split(x, 3)
    (first * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0, 0.0, 0.0, 0.0]


def test_graph_is_freed_after_backward():
    import weakref
    x = sj.ones(3, requires_grad=True)
    y = (x * 2).exp().sum()
    node = y.grad_fn
    saved = weakref.ref(node.inputs[0])
    y.backward()
    assert node.inputs is None
    del y
    gc.collect()
    assert saved() is None                   # the intermediate tensor is gone with the graph


def test_detect_anomaly_names_the_op():
    x = sj.tensor([-1.0, 1.0], requires_grad=True)
    with sj.detect_anomaly():
        with pytest.raises(FloatingPointError, match="Log"):
            with np.errstate(invalid="ignore"):
                x.log()


def test_deep_chain_needs_no_recursion():
    x = sj.ones(1, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 5000, rel=1e-3)
