"""``torch.autograd.functional``-style helpers on top of ``autograd.grad``: vjp and hvp.

Each takes a function of tensors and the point to evaluate it at; the inputs are copied
into fresh leaves, so the caller's tensors keep no graph and no ``.grad``.
"""

from . import grad_mode
from .higher_order import grad
from .tensor import Tensor


def _leaves(inputs):
    single = isinstance(inputs, Tensor)
    xs = (inputs,) if single else tuple(inputs)
    return single, tuple(Tensor.from_node(x.array, None, 0).requires_grad_() for x in xs)


def _unpack(single, values):
    return values[0] if single else values


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at ``inputs``.

    ``v`` has func's output shape (None for a one-element output).  Returns tensors shaped
    like the output and like the inputs (a tuple when ``inputs`` is one).
    """
    single, xs = _leaves(inputs)
    with grad_mode.enable_grad():
        out = func(*xs)
        grads = grad(out, xs, grad_outputs=None if v is None else [v],
                     create_graph=create_graph, allow_unused=True, materialize_grads=not strict)
    if strict and any(g is None for g in grads):
        raise RuntimeError("vjp(strict=True): the output does not depend on every input")
    return (out if create_graph else out.detach()), _unpack(single, grads)


def hvp(func, inputs, v, create_graph=False, strict=False):
    """(func(inputs), H v): the Hessian of a scalar function times ``v`` (input-shaped),
    by differentiating v . grad f (two reverse passes, the first with create_graph)."""
    single, xs = _leaves(inputs)
    vs = (v,) if isinstance(v, Tensor) else tuple(v)
    with grad_mode.enable_grad():
        out = func(*xs)
        if out.array.size != 1:
            raise RuntimeError(f"hvp: func must return a one-element tensor, got shape "
                               f"{tuple(out.shape)}")
        gs = grad(out, xs, create_graph=True, materialize_grads=True)
        dot = sum(((g * u).sum() for g, u in zip(gs, vs)), start=xs[0].sum() * 0)
        hs = grad(dot, xs, create_graph=create_graph, allow_unused=True,
                  materialize_grads=not strict)
    return (out if create_graph else out.detach()), _unpack(single, hs)
