"""Gradients as values, and gradients of gradients.

``grad(outputs, inputs)`` returns d(outputs)/d(inputs) as a tuple, touching no ``.grad``.
With ``create_graph=True`` the backward pass is itself recorded: every node is asked for
its backward written in differentiable tensor ops (a *tensor backward*), so the gradients
come out with a graph and can be differentiated again (Hessian-vector products, the
gradient penalty of WGAN-GP, meta-learning).

The ops register their tensor backwards here (``register``), from ``shenjing.ops``: the
engine imports nothing above it.  The array ``backward`` of each op stays the fast path of
ordinary training; the tensor backward runs only when a graph of the backward is asked for,
and an op without one stops with an error that names it.
"""

from . import grad_mode

#: op class -> fn(node, gys) returning one gradient tensor (or None) per input
_TENSOR_BACKWARD = {}


def register(*op_classes):
    """Decorator: ``fn(node, *gys)`` is the backward of these op classes in tensor ops."""
    def decorate(fn):
        for cls in op_classes:
            _TENSOR_BACKWARD[cls] = fn
        return fn
    return decorate


def supports_double_backward(op_class):
    """True when ``op_class`` has a differentiable backward (``create_graph=True`` works)."""
    return any(c in _TENSOR_BACKWARD for c in op_class.__mro__)


def tensor_backward(node, gys):
    """The input gradients of ``node`` as tensors with a graph (one per input, None when not
    needed); raises for ops whose backward is written on arrays only."""
    fn = None
    for cls in type(node).__mro__:
        fn = _TENSOR_BACKWARD.get(cls)
        if fn is not None:
            break
    if fn is None:
        raise RuntimeError(f"double backward is not supported for {node.name} yet: "
                           f"create_graph=True (autograd.grad or backward) reached this op, whose "
                           f"backward is written on arrays only; differentiate a graph without "
                           f"it or use create_graph=False")
    gxs = fn(node, *gys)
    return gxs if type(gxs) is tuple else (gxs,)


def _as_tuple(x, Tensor):
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False, _stop_at_inputs=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple (torch.autograd.grad).

    outputs: a tensor or a sequence of tensors; grad_outputs: dL/d(output) for each (None
    for a one-element output, where it is 1).  inputs: a tensor or a sequence of tensors
    that require grad (leaves or intermediate results).  Returns one tensor per input, of
    the input's shape: sum over outputs of grad_output . d(output)/d(input).

    No ``.grad`` is touched.  ``create_graph=True`` gives gradients with a graph (they can
    be differentiated again); ``retain_graph`` defaults to ``create_graph``.  An input that
    the outputs do not depend on raises unless ``allow_unused`` (then None) or
    ``materialize_grads`` (then zeros).

    >>> x = shenjing.tensor([1.0, 2.0], requires_grad=True)
    >>> (g,) = grad((x ** 3).sum(), x, create_graph=True)   # 3 x^2
    >>> grad(g.sum(), x)                                     # (6 x,)
    """
    from .engine import _seed_gradient, run
    from .tensor import Tensor
    outputs = _as_tuple(outputs, Tensor)
    inputs = _as_tuple(inputs, Tensor)
    if not outputs:
        raise ValueError("autograd.grad: outputs is empty; give at least one tensor")
    if not inputs:
        raise ValueError("autograd.grad: inputs is empty; give at least one tensor")
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError("autograd.grad: materialize_grads=True needs allow_unused True or None")
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, (list, tuple)):
        grad_outputs = tuple(grad_outputs)
    else:
        grad_outputs = (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"autograd.grad: grad_outputs has {len(grad_outputs)} entries but there "
                         f"are {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.grad: input {i} is a {type(t).__name__}, expected a tensor")
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} (shape {tuple(t.shape)}) does not "
                               f"require grad; create it with requires_grad=True")
    roots, seeds = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"autograd.grad: output {i} is a {type(out).__name__}, expected a "
                            f"tensor")
        if not out.requires_grad:
            raise RuntimeError(f"autograd.grad: element {i} of outputs does not require grad and "
                               f"has no grad_fn; it does not depend on any input that "
                               f"requires grad")
        if g is None and out.array.size != 1:
            raise RuntimeError(f"autograd.grad: grad can be implicitly created only for scalar "
                               f"outputs; output {i} has shape {tuple(out.shape)}, so pass "
                               f"grad_outputs with a tensor of that shape")
        roots.append(out)
        seeds.append(_seed_gradient(out, g, create_graph, "autograd.grad"))
    retain_graph = create_graph if retain_graph is None else retain_graph
    with grad_mode.enable_grad() if create_graph else grad_mode.no_grad():
        found = run(roots, seeds, retain_graph, create_graph, capture=list(inputs),
                    stop_at_capture=_stop_at_inputs)
    result = []
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"autograd.grad: input {i} (shape {tuple(t.shape)}) was not "
                                   f"used to compute the outputs; pass allow_unused=True to get "
                                   f"None for it")
            if materialize_grads:
                result.append(Tensor.from_node(t.array * 0, None, 0))
            else:
                result.append(None)
            continue
        if not isinstance(g, Tensor):  # own the array: it may be a seed or shared by inputs
            g = Tensor.from_node(g.astype(t.array.dtype, copy=True), None, 0)
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


def accumulate_into(root, gradient, retain_graph, create_graph, inputs):
    """``root.backward(gradient, inputs=...)``: add the gradients into ``.grad`` of ``inputs``
    only."""
    from .tensor import Tensor
    inputs = _as_tuple(inputs, Tensor)
    grads = grad(root, inputs, None if gradient is None else [gradient], retain_graph,
                 create_graph, allow_unused=True)
    for t, g in zip(inputs, grads):
        if g is None:
            continue
        if t.grad is None:
            t.grad = g if create_graph else Tensor.from_node(g.array.copy(), None, 0)
        elif create_graph:
            t.grad = t.grad + g
        else:
            t.grad.array = t.grad.array + g.array
