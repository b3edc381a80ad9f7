"""autograd.grad: gradients returned as values, PyTorch's semantics and errors;
backward(create_graph=True) and backward(inputs=...); the vjp / hvp helpers."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import Function, GradcheckError, grad
from shenjing.autograd.gradcheck import gradgradcheck


def leaf(values, requires_grad=True):
    return sj.tensor(values, dtype=sj.float64, requires_grad=requires_grad)


def test_grad_returns_a_tuple_and_touches_no_grad():
    x, w = leaf([1.0, 2.0, 3.0]), leaf([0.5, -1.0, 2.0])
    y = (x * x * w).sum()
    result = grad(y, x)
    assert isinstance(result, tuple) and len(result) == 1
    np.testing.assert_allclose(result[0].numpy(), 2 * x.numpy() * w.numpy())
    assert x.grad is None and w.grad is None
    assert not result[0].requires_grad


def test_several_outputs_and_inputs_with_grad_outputs_match_torch():
    torch = pytest.importorskip("torch")
    a, b = np.random.default_rng(0).standard_normal((2, 3, 4))
    v1, v2 = np.random.default_rng(1).standard_normal((2, 3, 4))
    x, y = leaf(a), leaf(b)
    gx, gy = grad([x * y, sj.exp(x) - y], (x, y), grad_outputs=[sj.tensor(v1), sj.tensor(v2)])
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    tgx, tgy = torch.autograd.grad([tx * ty, torch.exp(tx) - ty], (tx, ty),
                                   grad_outputs=[torch.tensor(v1), torch.tensor(v2)])
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gy.numpy(), tgy.numpy(), rtol=1e-12)


def test_gradient_of_an_intermediate_tensor():
    x = leaf([1.0, -2.0])
    h = x * 3
    y = (h * h).sum()
    (gh,) = grad(y, h, retain_graph=True)
    np.testing.assert_allclose(gh.numpy(), 2 * h.numpy())
    gh2, gx = grad(y, [h, x])
    np.testing.assert_allclose(gh2.numpy(), gh.numpy())
    np.testing.assert_allclose(gx.numpy(), 18 * x.numpy())


def test_gradient_of_an_output_with_respect_to_itself_is_the_seed():
    x = leaf([1.0, 2.0])
    y = x * 2
    (g,) = grad(y, y, grad_outputs=sj.tensor([3.0, 4.0]).double())
    assert g.tolist() == [3.0, 4.0]


def test_non_scalar_output_needs_grad_outputs():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        grad(x * 2, x)
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\)"):
        grad(x * 2, x, grad_outputs=sj.ones(3))


def test_unused_input_raises_unless_allowed():
    x, z = leaf([1.0, 2.0]), leaf([5.0])
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match="input 1 .* was not used.*allow_unused=True"):
        grad(y, [x, z], retain_graph=True)
    gx, gz = grad(y, [x, z], allow_unused=True, retain_graph=True)
    assert gz is None and gx.tolist() == [2.0, 4.0]
    gx, gz = grad(y, [x, z], materialize_grads=True)
    assert gz.tolist() == [0.0] and gz.shape == z.shape


def test_inputs_and_outputs_that_do_not_require_grad_are_refused():
    x, c = leaf([1.0]), leaf([2.0], requires_grad=False)
    with pytest.raises(RuntimeError, match="input 0 .* does not require grad"):
        grad((x * c).sum(), c)
    with pytest.raises(RuntimeError, match="element 0 of outputs does not require grad"):
        grad((c * 2).sum(), x)


def test_retain_graph_defaults_to_create_graph():
    x = leaf([1.0, 2.0])
    y = (x ** 3).sum()
    grad(y, x)
    with pytest.raises(RuntimeError, match="already freed"):
        grad(y, x)
    y = (x ** 3).sum()
    grad(y, x, create_graph=True)
    (g,) = grad(y, x)  # the graph was kept
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2)


def test_create_graph_gives_a_differentiable_gradient():
    x = leaf([0.3, -0.7])
    (g,) = grad(sj.tanh(x).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (h,) = grad(g.sum(), x)
    t = np.tanh(x.numpy())
    np.testing.assert_allclose(h.numpy(), -2 * t * (1 - t * t), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_with_create_graph_fills_differentiable_grads():
    torch = pytest.importorskip("torch")
    a = np.array([0.5, -1.2, 2.0])
    x = leaf(a)
    (sj.sigmoid(x) * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    first = x.grad
    x.grad = None
    (first * first).sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    (torch.sigmoid(tx) * tx).sum().backward(create_graph=True)
    tfirst = tx.grad
    tx.grad = None
    (tfirst * tfirst).sum().backward()
    np.testing.assert_allclose(first.detach().numpy(), tfirst.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_backward_inputs_limits_accumulation():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0, 2.0]
    (x * w).sum().backward(inputs=w)
    assert w.grad.tolist() == [2.0, 4.0]


def test_the_array_path_is_unchanged_by_grad_calls():
    # grad() then an ordinary backward on a fresh graph gives the usual .grad
    x = leaf([1.0, 2.0])
    grad((x * x).sum(), x)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0] and not x.grad.requires_grad


class _WrongSquare(Function):
    """x^2 whose (deliberately wrong) tensor backward says 3x instead of 2x."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return gy * 2 * self.x


def test_gradgradcheck_catches_a_wrong_tensor_backward():
    from shenjing.autograd.higher_order import _TENSOR_BACKWARD, register
    register(_WrongSquare)(lambda node, gy: gy * 3 * node.inputs[0])
    try:
        x = leaf(np.random.default_rng(0).standard_normal((2, 3)))
        with pytest.raises(GradcheckError):
            gradgradcheck(lambda x: _WrongSquare()(x), (x,))
    finally:
        del _TENSOR_BACKWARD[_WrongSquare]


def test_functional_vjp_and_hvp_match_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal(4)
    v = np.random.default_rng(3).standard_normal(4)

    def f(lib, x):
        return (lib.tanh(x) ** 2 * x).sum()

    out, h = sj.autograd.functional.hvp(lambda x: f(sj, x), leaf(a), sj.tensor(v))
    tout, th = torch.autograd.functional.hvp(lambda x: f(torch, x), torch.tensor(a),
                                             torch.tensor(v))
    np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-10)

    out, g = sj.autograd.functional.vjp(lambda x: sj.exp(x) * 2, leaf(a), sj.tensor(v))
    tout, tg = torch.autograd.functional.vjp(lambda x: torch.exp(x) * 2, torch.tensor(a),
                                             torch.tensor(v))
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)
    assert not out.requires_grad


def test_hooks_shape_the_returned_gradients_as_in_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (sj, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        x.register_hook(lambda g: g + 1)
        h = x * 3
        h.register_hook(lambda g: g * 10)
        y = (h * h).sum()
        results.append([g.numpy() for g in lib.autograd.grad(y, [h, x])])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
