"""``backward()``: the reverse walk over the graph, in a dozen lines a reader can hold.

1. Order the op nodes reachable from the outputs so that every node comes before the
   nodes that produced its inputs (reverse topological order, by an iterative DFS).
2. Seed dL/d(output) and visit the nodes in that order: each gets the sum of the
   gradients of its outputs, and its ``backward`` turns them into input gradients, which
   are added into the producing node's slot (or into ``.grad`` of a leaf).
3. Free each node once visited, unless the graph is to be kept.

With ``create_graph=True`` the same walk carries tensors instead of arrays and asks each
node for its backward written in differentiable tensor ops (``higher_order``), with grad
mode on: the gradients come out with a graph of their own, so they can be differentiated
again.  ``autograd.grad`` uses the walk with ``capture``: the gradients of the given
inputs are returned instead of being added into ``.grad``, and nodes that lead to none of
those inputs are not run.
"""

from .. import backend
from . import grad_mode, higher_order


def backward(root, gradient=None, retain_graph=None, create_graph=False):
    """Accumulate d(root)/d(leaf) * gradient into ``.grad`` of every leaf that requires grad."""
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no grad_fn; "
                           "did you create the inputs with requires_grad=True and compute it "
                           "outside no_grad()?")
    retain_graph = create_graph if retain_graph is None else retain_graph
    seed = _seed_gradient(root, gradient, create_graph, "backward")
    run([root], [seed], retain_graph, create_graph)


def run(roots, seeds, retain_graph, create_graph, capture=None, stop_at_capture=False):
    """Walk the graph back from ``roots`` seeded with ``seeds`` (arrays, or tensors when
    ``create_graph``).  Without ``capture`` the leaves' ``.grad`` accumulate; with a list of
    tensors, their gradients are returned (None where none arrived) and no ``.grad`` changes.
    ``stop_at_capture``: the walk does not go past the nodes that made the captured tensors
    (for a graph known to reach its inputs only through them)."""
    Tensor = type(roots[0])
    captured = None if capture is None else {id(t): None for t in capture}
    grads = {}
    given = set()  # arrays already handed to a leaf: a second leaf gets a copy
    for root, seed in zip(roots, seeds):
        given.add(id(seed))  # the caller's array (or our ones): a leaf gets its own copy
        if root._node is None:
            if captured is not None:
                if id(root) in captured:
                    captured[id(root)] = _add(captured[id(root)], seed)
            else:
                _accumulate_leaf(root, seed, given, create_graph)
            continue
        slot = grads.get(root._node)
        if slot is None:
            slot = grads[root._node] = _slots(root._node)
        slot[root._index] = _add(slot[root._index], seed)
    stop = {t._node for t in capture if t._node is not None} if stop_at_capture else None
    order = _reverse_topological_order([r._node for r in roots if r._node is not None], stop)
    wanted_slots = leads = None
    if captured is not None:
        wanted_slots = {(t._node, t._index): id(t) for t in capture if t._node is not None}
        leads = _nodes_leading_to(order, captured, wanted_slots)
    anomaly = grad_mode._Mode.detect_anomaly
    mode = grad_mode.enable_grad() if create_graph else grad_mode.no_grad()
    with mode:
        for node in order:
            gys = grads.pop(node, None)
            if gys is None:
                continue  # no gradient flows here (e.g. only through an unused output)
            if wanted_slots is not None:  # captured before the hooks, as torch does
                for index, g in enumerate(gys):
                    key = wanted_slots.get((node, index))
                    if key is not None and g is not None:
                        captured[key] = _add(captured[key], g)
                if node not in leads:
                    continue  # none of the requested inputs lies behind this node
            if node.inputs is None:
                raise RuntimeError(
                    f"backward(): the graph through {node.name} was already freed by an earlier "
                    f"backward(); pass retain_graph=True to the first backward() to walk it twice")
            hooks = getattr(node, "output_hooks", None)
            if hooks:
                gys = _run_output_hooks(Tensor, hooks, gys)
            if node.versions is not None:
                _check_versions(node)
            if create_graph:
                gxs = higher_order.tensor_backward(
                    node, [_zeros_if_none(g, node, i, Tensor) for i, g in enumerate(gys)])
            elif len(gys) == 1:
                gxs = node.backward(gys[0])
            else:
                gxs = node.backward(*[_zeros_if_none(g, node, i) for i, g in enumerate(gys)])
            if type(gxs) is not tuple:
                gxs = (gxs,)
            if anomaly:
                from .function import _check_finite
                _check_finite(node.name, "backward",
                              tuple(getattr(g, "array", g) for g in gxs),
                              getattr(node, "created_at", ""))
            for t, gx, need in zip(node.inputs, gxs, node.needs_input_grad):
                if not need or gx is None:
                    continue
                if gx.shape != t.array.shape:
                    raise RuntimeError(f"{node.name}.backward returned a gradient of shape "
                                       f"{gx.shape} for an input of shape {t.array.shape}")
                parent = t._node
                if parent is None:
                    if captured is None:
                        _accumulate_leaf(t, gx, given, create_graph)
                    elif id(t) in captured:
                        captured[id(t)] = _add(captured[id(t)], gx)
                    continue
                slot = grads.get(parent)
                if slot is None:
                    slot = grads[parent] = _slots(parent)
                previous = slot[t._index]
                slot[t._index] = gx if previous is None else previous + gx
            if not retain_graph:
                node.release()
    if captured is not None:
        out = []
        for t in capture:
            g = captured[id(t)]
            if t._node is None and t._hooks and g is not None:  # a leaf's hooks see its total
                with mode:
                    g = _run_hooks(Tensor, t._hooks, g)
            out.append(g)
        return out


def _add(previous, g):
    return g if previous is None else previous + g


def _nodes_leading_to(order, leaf_ids, wanted_slots):
    """The nodes from which one of the requested inputs can be reached going backwards."""
    leads = set()
    for node in reversed(order):  # producers come before their consumers here
        if node.inputs is None:
            leads.add(node)  # freed: let the walk reach it and say so
            continue
        for t in node.inputs:
            if id(t) in leaf_ids or t._node in leads or (t._node, t._index) in wanted_slots:
                leads.add(node)
                break
    return leads


def _seed_gradient(root, gradient, create_graph=False, where="backward"):
    """dL/d(root): ones for a one-element root, else ``gradient`` checked against its shape;
    an array, or a tensor (kept with its graph) when ``create_graph``."""
    Tensor = type(root)
    if gradient is None:
        if root.array.size != 1:
            raise RuntimeError(f"{where}(): the tensor has shape {root.shape}, so dL/d(tensor) "
                               f"is not implied (grad can be implicitly created only for scalar "
                               f"outputs); call backward(gradient) with a tensor of that "
                               f"shape, or reduce it first (e.g. loss.sum().backward())")
        seed = backend.array_module(root.array).ones_like(root.array)
        return Tensor.from_node(seed, None, 0) if create_graph else seed
    if create_graph and isinstance(gradient, Tensor):
        if gradient.shape != root.array.shape:
            raise RuntimeError(f"{where}(gradient): gradient has shape {gradient.shape} but the "
                               f"tensor has shape {root.array.shape}")
        return gradient if gradient.dtype == root.dtype else gradient.type(root.dtype)
    seed = gradient.array if hasattr(gradient, "array") else backend.xp().asarray(gradient)
    if seed.shape != root.array.shape:
        raise RuntimeError(f"{where}(gradient): gradient has shape {seed.shape} but the tensor "
                           f"has shape {root.array.shape}")
    seed = seed.astype(root.array.dtype, copy=False)
    return Tensor.from_node(seed, None, 0) if create_graph else seed


def _slots(node):
    return [None] * node.n_outputs


def _zeros_if_none(g, node, index, Tensor=None):
    # an output that received no gradient contributes zero; shapes come from the forward
    if g is not None:
        return g
    shape, dtype = node.output_meta[index] if hasattr(node, "output_meta") else (
        node.inputs[0].shape, node.inputs[0].dtype)
    zeros = backend.xp().zeros(shape, dtype)
    return zeros if Tensor is None else Tensor.from_node(zeros, None, 0)


def _reverse_topological_order(root_nodes, stop=None):
    """Nodes reachable from ``root_nodes``, each before the nodes that made its inputs (the
    inputs of nodes in ``stop`` are not followed)."""
    if not isinstance(root_nodes, list):
        root_nodes = [root_nodes]
    order, visited = [], set()
    stack = [(n, False) for n in reversed(root_nodes)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        if node.inputs is not None and (stop is None or node not in stop):
            for t in node.inputs:
                parent = t._node
                if parent is not None and parent not in visited:
                    stack.append((parent, False))
    order.reverse()
    return order


def _accumulate_leaf(t, g, given, create_graph=False):
    if create_graph:  # g is a tensor whose graph must be kept: accumulate out of place
        if t._hooks:
            g = _run_hooks(type(t), t._hooks, g)
        if id(g) in given:
            g = g * 1  # another leaf holds this tensor; .grad is changed in place by optimizers
        given.add(id(g))
        if g.dtype != t.array.dtype:
            g = g.type(t.array.dtype)
        t.grad = g if t.grad is None else t.grad + g
        return
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
    tensor_mode = isinstance(g, Tensor)
    for hook in list(hooks.values()):
        result = hook(g if tensor_mode else Tensor.from_node(g, None, 0))
        if result is not None:
            if tensor_mode:
                g = result if isinstance(result, Tensor) else Tensor(result)
            else:
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
