"""``backward()``: the reverse walk over the graph, in a dozen lines a reader can hold.

1. Order the op nodes reachable from the output so that every node comes before the
   nodes that produced its inputs (reverse topological order, by an iterative DFS).
2. Seed dL/d(output) and visit the nodes in that order: each gets the sum of the
   gradients of its outputs, and its ``backward`` turns them into input gradients, which
   are added into the producing node's slot (or into ``.grad`` of a leaf).
3. Free each node once visited, unless the graph is to be kept.
"""

from .. import backend
from . import grad_mode


def backward(root, gradient=None, retain_graph=False):
    """Accumulate d(root)/d(leaf) * gradient into ``.grad`` of every leaf that requires grad."""
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no grad_fn; "
                           "did you create the inputs with requires_grad=True and compute it "
                           "outside no_grad()?")
    seed = _seed_gradient(root, gradient)
    if root._node is None:
        _accumulate_leaf(root, seed, set())
        return
    Tensor = type(root)
    anomaly = grad_mode._Mode.detect_anomaly
    grads = {root._node: _slots(root._node)}
    grads[root._node][root._index] = seed
    given = {id(seed)}  # arrays already handed to a leaf: a second leaf gets a copy
    with grad_mode.no_grad():
        for node in _reverse_topological_order(root._node):
            gys = grads.pop(node, None)
            if gys is None:
                continue  # no gradient flows here (e.g. only through an unused output)
            if node.inputs is None:
                raise RuntimeError(
                    f"backward(): the graph through {node.name} was already freed by an earlier "
                    f"backward(); pass retain_graph=True to the first backward() to walk it twice")
            hooks = getattr(node, "output_hooks", None)
            if hooks:
                gys = _run_output_hooks(Tensor, hooks, gys)
            if node.versions is not None:
                _check_versions(node)
            if len(gys) == 1:
                gxs = node.backward(gys[0])
            else:
                gxs = node.backward(*[_zeros_if_none(g, node, i) for i, g in enumerate(gys)])
            if type(gxs) is not tuple:
                gxs = (gxs,)
            if anomaly:
                from .function import _check_finite
                _check_finite(node.name, "backward", gxs)
            for t, gx, need in zip(node.inputs, gxs, node.needs_input_grad):
                if not need or gx is None:
                    continue
                if gx.shape != t.array.shape:
                    raise RuntimeError(f"{node.name}.backward returned a gradient of shape "
                                       f"{gx.shape} for an input of shape {t.array.shape}")
                parent = t._node
                if parent is None:
                    _accumulate_leaf(t, gx, given)
                    continue
                slot = grads.get(parent)
                if slot is None:
                    slot = grads[parent] = _slots(parent)
                previous = slot[t._index]
                slot[t._index] = gx if previous is None else previous + gx
            if not retain_graph:
                node.release()


def _seed_gradient(root, gradient):
    if gradient is None:
        if root.array.size != 1:
            raise RuntimeError(f"backward(): the tensor has shape {root.shape}, so dL/d(tensor) "
                               f"is not implied; call backward(gradient) with a tensor of that "
                               f"shape, or reduce it first (e.g. loss.sum().backward())")
        return backend.array_module(root.array).ones_like(root.array)
    seed = gradient.array if hasattr(gradient, "array") else backend.xp().asarray(gradient)
    if seed.shape != root.array.shape:
        raise RuntimeError(f"backward(gradient): gradient has shape {seed.shape} but the tensor "
                           f"has shape {root.array.shape}")
    return seed.astype(root.array.dtype, copy=False)


def _slots(node):
    return [None] * node.n_outputs


def _zeros_if_none(g, node, index):
    # an output that received no gradient contributes zero; shapes come from the forward
    if g is not None:
        return g
    shape, dtype = node.output_meta[index]
    return backend.xp().zeros(shape, dtype)


def _reverse_topological_order(root_node):
    """Nodes reachable from ``root_node``, each before the nodes that made its inputs."""
    order, visited, stack = [], set(), [(root_node, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        if node.inputs is not None:
            for t in node.inputs:
                parent = t._node
                if parent is not None and parent not in visited:
                    stack.append((parent, False))
    order.reverse()
    return order


def _accumulate_leaf(t, g, given):
    if t._hooks:
        g = _run_hooks(type(t), t._hooks, g)
    # own the array: a view or an array another leaf holds must not be shared, because
    # optimizers and clip_grad_norm_ change .grad in place
    if id(g) in given or g.base is not None or not g.flags.writeable:
        g = g.copy()
    if g.dtype != t.array.dtype:
        g = g.astype(t.array.dtype)
    given.add(id(g))
    if t.grad is None:
        t.grad = type(t).from_node(g, None, 0)
    else:
        t.grad.array = t.grad.array + g


def _run_hooks(Tensor, hooks, g):
    for hook in list(hooks.values()):
        result = hook(Tensor.from_node(g, None, 0))
        if result is not None:
            g = result.array if isinstance(result, Tensor) else result
    return g


def _run_output_hooks(Tensor, hooks, gys):
    gys = list(gys)
    for index, fns in hooks.items():
        if gys[index] is not None and fns:
            gys[index] = _run_hooks(Tensor, fns, gys[index])
    return gys


def _check_versions(node):
    for position, (t, version) in enumerate(zip(node.inputs, node.versions)):
        if t._version != version:
            raise RuntimeError(
                f"backward(): input {position} of {node.name} (shape {t.shape}) was changed in "
                f"place after it was used (version {version} -> {t._version}), but "
                f"{node.name}.backward needs its old value; change a copy (x = x.clone()) or "
                f"make the change after backward()")
