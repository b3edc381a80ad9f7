"""ONNX nodes of Keras's merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum
(elementwise over a list of inputs, with broadcasting), Concatenate (along ``axis``) and Dot
(per-sample dot products, optionally of L2-normalized inputs: cosine similarity)."""

from ..keras import layers as kl
from .registry import builds

#: layer class -> the ONNX op that folds two inputs
_FOLD = {kl.Add: "Add", kl.Subtract: "Sub", kl.Multiply: "Mul", kl.Average: "Add",
         kl.Maximum: "Max", kl.Minimum: "Min"}


@builds(*_FOLD)
def _elementwise(ex, call):
    g = ex.g
    values = [ex.value(t, call) for t in call.args[0]]
    op = _FOLD[type(call.module)]
    y = values[0]
    for v in values[1:]:
        y = g.add(op, [y, v])
    if isinstance(call.module, kl.Average):
        y = g.add("Mul", [y, g.scalar(1 / len(values))])
    ex.bind(call.output, y)


@builds(kl.Concatenate)
def _concatenate(ex, call):
    values = [ex.value(t, call) for t in call.args[0]]
    ex.bind(call.output, ex.g.add("Concat", values, axis=int(call.module.axis)))


def _l2_normalize(g, x, axis):
    """x / sqrt(max(sum x^2, 1e-12)) along ``axis`` (Keras's l2_normalize)."""
    squares = g.reduce("ReduceSum", g.add("Mul", [x, x]), [axis], True)
    return g.add("Div", [x, g.add("Sqrt", [g.add("Max", [squares, g.scalar(1e-12)])])])


@builds(kl.Dot)
def _dot(ex, call):
    """Per-sample dot products: (N, d) . (N, d) -> (N, 1); rank 3 a batched MatMul with the
    contracted axes moved to the last of x1 and the first of x2."""
    m, g = call.module, ex.g
    tensors = list(call.args[0])
    a, b = m._axes([tuple(t.shape) for t in tensors])
    x, y = (ex.value(t, call) for t in tensors)
    if m.normalize:
        x, y = _l2_normalize(g, x, a), _l2_normalize(g, y, b)
    if tensors[0].ndim == 2:
        ex.bind(call.output, g.reduce("ReduceSum", g.add("Mul", [x, y]), [1], True))
        return
    if a == 1:
        x = g.add("Transpose", [x], perm=[0, 2, 1])
    if b == 2:
        y = g.add("Transpose", [y], perm=[0, 2, 1])
    ex.bind(call.output, g.add("MatMul", [x, y]))
