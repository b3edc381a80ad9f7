"""shenjing.func: grad (nesting, argnums, has_aux) and vmap, against torch.func."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import func


def f_sj(x, y):
    return (sj.tanh(x) * y).sum() + (x ** 3).sum()


def f_torch(torch, x, y):
    return (torch.tanh(x) * y).sum() + (x ** 3).sum()


def test_grad_matches_torch_func_for_argnums():
    torch = pytest.importorskip("torch")
    a, b = np.random.default_rng(0).standard_normal((2, 4))
    for argnums in (0, 1, (0, 1)):
        ours = func.grad(f_sj, argnums)(sj.tensor(a), sj.tensor(b))
        theirs = torch.func.grad(lambda x, y: f_torch(torch, x, y), argnums)(
            torch.tensor(a), torch.tensor(b))
        ours = ours if isinstance(ours, tuple) else (ours,)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        for o, t in zip(ours, theirs):
            assert not o.requires_grad
            np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12)


def test_nested_grad_gives_second_and_third_derivatives():
    def f(x):
        return (sj.sin(x) * x).sum()
    x = sj.tensor(0.7, dtype=sj.float64)
    d2 = func.grad(func.grad(f))(x).item()
    d3 = func.grad(func.grad(func.grad(f)))(x).item()
    v = 0.7
    assert d2 == pytest.approx(2 * np.cos(v) - v * np.sin(v), rel=1e-12)
    assert d3 == pytest.approx(-3 * np.sin(v) - v * np.cos(v), rel=1e-12)


def test_grad_has_aux_and_grad_and_value():
    x = sj.tensor([1.0, 2.0], dtype=sj.float64)
    g, aux = func.grad(lambda x: ((x * x).sum(), x.shape), has_aux=True)(x)
    assert g.tolist() == [2.0, 4.0] and aux == (2,)
    g, value = func.grad_and_value(lambda x: (x * x).sum())(x)
    assert value.item() == 5.0 and g.tolist() == [2.0, 4.0]


def test_grad_leaves_the_callers_tensors_alone():
    w = sj.tensor([1.0, -1.0], requires_grad=True)
    g = func.grad(lambda w: (w * w).sum())(w)
    assert w.grad is None and g.tolist() == [2.0, -2.0]


def test_grad_errors_name_the_problem():
    x = sj.ones(3)
    with pytest.raises(RuntimeError, match="one-element tensor, got \\(3,\\)"):
        func.grad(lambda x: x * 2)(x)
    with pytest.raises(TypeError, match="argument 0 must be a floating tensor"):
        func.grad(lambda x: x.sum())(sj.tensor([1, 2]))
    with pytest.raises(ValueError, match="argnums 3 is out of range"):
        func.grad(lambda x: x.sum(), argnums=3)(x)


def test_vmap_of_per_sample_gradients_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    w, xs, ys = rng.standard_normal((3, 2)), rng.standard_normal((5, 3)), rng.standard_normal((5, 2))

    def loss_sj(w, x, y):
        return ((sj.tanh(x @ w) - y) ** 2).sum()

    def loss_torch(w, x, y):
        return ((torch.tanh(x @ w) - y) ** 2).sum()

    ours = func.vmap(func.grad(loss_sj), in_dims=(None, 0, 0))(sj.tensor(w), sj.tensor(xs),
                                                               sj.tensor(ys))
    theirs = torch.func.vmap(torch.func.grad(loss_torch), in_dims=(None, 0, 0))(
        torch.tensor(w), torch.tensor(xs), torch.tensor(ys))
    assert ours.shape == (5, 3, 2)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_vmap_dims_tuples_and_gradient_through_it():
    x = sj.tensor(np.arange(6.0).reshape(2, 3), dtype=sj.float64, requires_grad=True)
    out, total = func.vmap(lambda r: (r * 2, r.sum()), in_dims=1, out_dims=(1, 0))(x)
    assert out.shape == (2, 3) and total.tolist() == [3.0, 5.0, 7.0]
    np.testing.assert_allclose(out.numpy(), 2 * x.numpy())
    (out.sum() + total.sum()).backward()
    assert x.grad.tolist() == [[3.0] * 3] * 2


def test_vmap_errors():
    with pytest.raises(ValueError, match="different sizes"):
        func.vmap(lambda a, b: a + b)(sj.ones(2), sj.ones(3))
    with pytest.raises(ValueError, match="in_dims has 1 entries"):
        func.vmap(lambda a, b: a + b, in_dims=(0,))(sj.ones(2), sj.ones(2))
    with pytest.raises(ValueError, match="randomness"):
        func.vmap(lambda a: a, randomness="sometimes")


def test_jacrev_and_hessian_match_torch_func():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).standard_normal(3)
    m = np.random.default_rng(5).standard_normal((2, 3))

    def vec_sj(x):
        return sj.tanh(sj.tensor(m) @ x) * x[0]

    def vec_torch(x):
        return torch.tanh(torch.tensor(m) @ x) * x[0]

    j = func.jacrev(vec_sj)(sj.tensor(a))
    tj = torch.func.jacrev(vec_torch)(torch.tensor(a))
    assert j.shape == (2, 3)
    np.testing.assert_allclose(j.numpy(), tj.numpy(), rtol=1e-12)

    h = func.hessian(lambda x: (sj.softplus(x) * x ** 2).sum())(sj.tensor(a))
    th = torch.func.hessian(lambda x: (torch.nn.functional.softplus(x) * x ** 2).sum())(
        torch.tensor(a))
    assert h.shape == (3, 3) and not h.requires_grad
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-10)
    np.testing.assert_allclose(h.numpy(), h.numpy().T, rtol=1e-12)


def test_jacrev_of_an_empty_output_has_the_right_shape():
    j = func.jacrev(lambda x: x[:0] * 2)(sj.ones(3))
    assert j.shape == (0, 3)
