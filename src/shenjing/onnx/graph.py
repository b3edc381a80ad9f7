"""``Graph``: the ONNX graph an export writes, node by node, and the ``onnx`` import behind
the ``onnx`` extra.

A layer's builder (``core.py``, ``conv.py``, ...) reads its layer's weights and adds the
nodes that compute the same thing: ``g.add("Gemm", [x, w, b], transB=1)`` returns the new
value's name; ``g.weight(array)`` stores an array as an initializer; ``g.ints([0, -1])``
an int64 constant (shapes, axes); ``g.scalar(0.5)`` a constant of the model's dtype.
"""

import itertools

import numpy

#: the opset the exporter writes (LayerNormalization is in it, GELU is not)
OPSET = 17


def require_onnx():
    """The ``onnx`` package, or an ImportError naming the extra that installs it."""
    try:
        import onnx
    except ImportError as error:
        raise ImportError("shenjing.onnx needs the 'onnx' package: "
                          "pip install 'shenjing[onnx]'") from error
    return onnx


class Graph:
    """The nodes, initializers and value names of one ONNX graph under construction.

    ``dtype``: the float dtype of the model (its parameters), which constants take;
    ``opset``: the version written (the nodes whose form changed with it go through
    ``reduce``)."""

    def __init__(self, dtype=numpy.float32, opset=OPSET):
        self.onnx = require_onnx()
        self.dtype = numpy.dtype(dtype)
        self.opset = opset
        self.nodes, self.initializers = [], []
        self._counter = itertools.count()
        self._constants = {}

    def fresh(self, stem):
        """A value name not used before: ``stem_7``."""
        return f"{stem}_{next(self._counter)}"

    def add(self, op, inputs, outputs=1, stem=None, **attributes):
        """Add node ``op`` reading ``inputs`` (names; "" for an omitted optional input);
        returns its output's name, or a list of ``outputs`` names when it is an int > 1."""
        count = outputs if isinstance(outputs, int) else len(outputs)
        names = ([self.fresh(stem or op.lower()) for _ in range(count)]
                 if isinstance(outputs, int) else list(outputs))
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), names,
                                                     name=self.fresh(op), **attributes))
        return names[0] if count == 1 and isinstance(outputs, int) else names

    def reduce(self, op, x, axes, keepdims):
        """``ReduceMean``/``ReduceMax``/``ReduceSum`` of ``x`` over ``axes``: an attribute up
        to opset 17, an input from opset 18 (ReduceSum: from 13)."""
        if op == "ReduceSum" or self.opset >= 18:
            return self.add(op, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.add(op, [x], axes=list(axes), keepdims=int(keepdims))

    def weight(self, array, stem="weight", dtype=None):
        """Store ``array`` (in the model's dtype unless ``dtype``) as an initializer."""
        array = numpy.ascontiguousarray(numpy.asarray(array, dtype or self.dtype))
        name = self.fresh(stem)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def ints(self, values):
        """An int64 constant (a shape, axes, pads), stored once per value."""
        values = tuple(int(v) for v in numpy.ravel(values)) if numpy.ndim(values) else int(values)
        key = ("i", values)
        if key not in self._constants:
            self._constants[key] = self.weight(numpy.array(values, numpy.int64), "ints",
                                               numpy.int64)
        return self._constants[key]

    def scalar(self, value):
        """A constant scalar of the model's dtype, stored once per value."""
        key = ("f", float(value))
        if key not in self._constants:
            self._constants[key] = self.weight(numpy.array(value, self.dtype), "scalar")
        return self._constants[key]
