"""ONNX nodes of the ops a ``forward`` applies between layers: ``x.view(x.size(0), -1)``,
``F.relu(x)``, ``x + residual``, ``torch.cat``, ``x.mean(1)``, ``x[:, -1]`` ...

The exporter does not see these calls as it sees layers; it finds them afterwards in the
autograd graph of the traced run (gradients stay on while tracing): the node that made a
tensor keeps the op's class, its inputs and what its backward needs (a reshape's shape, a
softmax's axis, a sum's dims), which is enough to write the ONNX node.  ``convert(ex,
tensor)`` writes the node of ``tensor.grad_fn`` and returns the output's name, or None when
the op is not in this table (the exporter then names it in its error).
"""

import numpy

#: op (autograd Function class) name -> builder(ex, node, inputs, output) -> value name
FUNCTIONS = {}


def converts(*names):
    """Decorator: register the builder of the autograd ops ``names``."""
    def register(function):
        for name in names:
            FUNCTIONS[name] = function
        return function
    return register


_UNARY = {"ReLU": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Exp": "Exp", "Log": "Log",
          "Neg": "Neg", "Abs": "Abs", "Sqrt": "Sqrt", "Clone": "Identity", "Erf": "Erf"}
_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "MatMul": "MatMul"}


@converts(*_UNARY)
def _unary(ex, node, inputs, output):
    return ex.g.add(_UNARY[type(node).__name__], inputs[:1])


@converts(*_BINARY)
def _binary(ex, node, inputs, output):
    return ex.g.add(_BINARY[type(node).__name__], inputs[:2])


@converts("SiLU")
def _silu(ex, node, inputs, output):
    return ex.g.add("Mul", [inputs[0], ex.g.add("Sigmoid", inputs[:1])])


@converts("GELU")
def _gelu(ex, node, inputs, output):
    from .activation import _gelu as gelu
    return gelu(ex.g, inputs[0], node.approximate == "tanh")


@converts("LeakyReLU")
def _leaky_relu(ex, node, inputs, output):
    return ex.g.add("LeakyRelu", inputs[:1], alpha=float(node.slope))


@converts("Softmax", "LogSoftmax")
def _softmax(ex, node, inputs, output):
    return ex.g.add(type(node).__name__, inputs[:1], axis=int(node.axis))


@converts("PowScalar")
def _pow(ex, node, inputs, output):
    return ex.g.add("Pow", [inputs[0], ex.g.scalar(node.p)])


@converts("Clamp")
def _clamp(ex, node, inputs, output):
    y = inputs[0]
    if node.low is not None:
        y = ex.g.add("Max", [y, ex.g.scalar(node.low)])
    if node.high is not None:
        y = ex.g.add("Min", [y, ex.g.scalar(node.high)])
    return y


@converts("Reshape")
def _reshape(ex, node, inputs, output):
    """view/reshape/flatten/squeeze/unsqueeze: the output's shape, with the batch axis copied
    (0) when it is kept, else inferred (-1), so the batch stays dynamic."""
    shape = list(output.shape)
    if not shape:
        return ex.g.add("Reshape", [inputs[0], ex.g.ints([])])
    keeps_batch = len(node.in_shape) > 0 and node.in_shape[0] == shape[0]
    return ex.g.add("Reshape", [inputs[0], ex.g.ints([0 if keeps_batch else -1] + shape[1:])])


@converts("Permute")
def _permute(ex, node, inputs, output):
    return ex.g.add("Transpose", inputs[:1], perm=[int(a) for a in node.order])


@converts("Concatenate")
def _concatenate(ex, node, inputs, output):
    return ex.g.add("Concat", inputs, axis=int(node.axis))


@converts("Stack")
def _stack(ex, node, inputs, output):
    axis = ex.g.ints([int(node.axis)])
    return ex.g.add("Concat", [ex.g.add("Unsqueeze", [x, axis]) for x in inputs],
                    axis=int(node.axis))


@converts("Mean", "Sum")
def _reduce(ex, node, inputs, output):
    axes = [int(a) for a in node.dims]
    op = "ReduceMean" if type(node).__name__ == "Mean" else "ReduceSum"
    return ex.g.reduce(op, inputs[0], axes, node.keepdim)


@converts("GetItem")
def _getitem(ex, node, inputs, output):
    """Basic indexing (ints and slices): a Slice of the sliced axes, then a Squeeze of the
    indexed ones; advanced indexing has no such node."""
    index = node.index if isinstance(node.index, tuple) else (node.index,)
    if node.advanced or any(i is None or i is Ellipsis for i in index):
        return None
    starts, ends, axes, steps, squeeze = [], [], [], [], []
    for axis, (i, size) in enumerate(zip(index, node.shape)):
        if isinstance(i, (int, numpy.integer)):
            i = int(i) % size
            starts.append(i), ends.append(i + 1), axes.append(axis), steps.append(1)
            squeeze.append(axis)
        elif isinstance(i, slice):
            start, stop, step = i.indices(size)
            if (start, stop, step) == (0, size, 1):
                continue
            if axis == 0:
                return None              # slicing the batch axis would fix its size
            if step < 0 and stop < 0:
                stop = numpy.iinfo(numpy.int64).min
            starts.append(start), ends.append(stop), axes.append(axis), steps.append(step)
        else:
            return None
    g = ex.g
    y = inputs[0]
    if axes:
        y = g.add("Slice", [y, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if squeeze:
        y = g.add("Squeeze", [y, g.ints(squeeze)])
    return y


def convert(ex, tensor):
    """The ONNX value of ``tensor``, made by an op between layers; None if that op (or one
    it reads from) has no entry here."""
    node = tensor.grad_fn
    if node is None or getattr(node, "n_outputs", 1) != 1:
        return None
    build = FUNCTIONS.get(type(node).__name__)
    if build is None:
        return None
    inputs = []
    for t in node.inputs:
        name = ex.known(t)
        if name is None:
            return None
        inputs.append(name)
    return build(ex, node, inputs, tensor)
