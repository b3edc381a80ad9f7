"""``export(model, example_input, path)``: a shenjing model as an ONNX file (opset 17).

The model runs once on ``example_input`` while its layer calls are recorded
(``trace.py``); each call's builder (one file per layer family: ``core.py``, ``conv.py``,
``normalization.py``, ``recurrent.py``, ``attention.py``, ``merging.py``) adds the ONNX
nodes that compute the same thing from the layer's weights.  The batch axis (axis 0 of
every input, unless ``dynamic_axes`` says otherwise) is left symbolic, so the file runs on
any batch size.  The file is checked by ``onnx.checker`` and written atomically.

A layer the exporter has no builder for, an option of a layer that ONNX cannot express,
or an op applied between layers (``x.view(...)`` in a ``forward``) raises
``Unsupported`` naming the layer and the op.
"""

import numpy

from ..autograd.tensor import Tensor
from ..io.atomic import atomic_open
from .functions import convert
from .graph import OPSET, Graph
from .registry import Unsupported, builder_of
from .trace import record, tensors_in


def _array(value):
    """The NumPy array of a tensor or parameter (a copy from the GPU if there)."""
    array = value.array if isinstance(value, Tensor) else value
    return numpy.asarray(array.get() if hasattr(array, "get") else array)


class Exporter:
    """The state of one export: the ``Graph`` and the ONNX name of every traced tensor."""

    def __init__(self, g, model=None):
        self.g = g
        self._names, self._keep = {}, []
        # the model's own weights may be read by ops between layers (x * self.scale)
        self._constants = {} if model is None else {
            id(t): t for t in list(model.parameters()) + list(model.buffers())}
        self._blocked = None

    def bind(self, tensor, name):
        """Say that the traced ``tensor`` is the ONNX value ``name``."""
        self._names[id(tensor)] = name
        self._keep.append(tensor)            # keeps ids unique while the export runs

    def known(self, tensor):
        """The ONNX name of ``tensor``: traced, a weight of the model or a scalar constant, or
        made by ops between layers that ``functions.py`` converts; None otherwise (and
        ``_blocked`` names the op that stopped it)."""
        name = self._names.get(id(tensor))
        if name is not None or not isinstance(tensor, Tensor):
            return name
        if tensor.grad_fn is None:
            if id(tensor) in self._constants or tensor.ndim == 0:
                array = _array(tensor)
                name = self.g.weight(array, "constant", array.dtype)
            else:
                self._blocked = "an op outside the graph (a value computed without gradients)"
                return None
        else:
            name = convert(self, tensor)
            if name is None:
                self._blocked = self._blocked or type(tensor.grad_fn).__name__
                return None
        self.bind(tensor, name)
        return name

    def value(self, tensor, call=None, what="input"):
        """The ONNX name of a traced tensor; ``Unsupported`` naming the op that made it when
        it was computed outside the recorded layers by an op with no ONNX node here."""
        self._blocked = None
        name = self.known(tensor)
        if name is not None:
            return name
        where = f"the {what} of {call.who}" if call is not None else f"the model's {what}"
        if not isinstance(tensor, Tensor):
            raise Unsupported(f"shenjing.onnx.export: {where} is a {type(tensor).__name__}, not "
                              f"a tensor computed from the model's inputs")
        raise Unsupported(f"shenjing.onnx.export: {where} was computed by op {self._blocked!r} "
                          f"between the model's layers, which has no ONNX equivalent here; "
                          f"compute it with a layer (nn.Flatten, nn.ReLU, keras.layers.Reshape, "
                          f"...)")

    def array(self, parameter):
        """A weight as a NumPy array."""
        return _array(parameter)

    def weight(self, parameter, stem="weight"):
        """A weight (a Parameter or an array) stored as an initializer; its name."""
        return self.g.weight(_array(parameter), stem)

    def unary(self, call, build):
        """Bind the call's output to ``build(g, x)`` of its first input."""
        x = self.value(call.args[0], call)
        self.bind(call.output, build(self.g, x))

    def unsupported(self, call, op, why=""):
        """An ``Unsupported`` error naming the layer and the op (or option)."""
        return Unsupported(f"shenjing.onnx.export: {call.who}: {op} has no ONNX equivalent"
                           + (f" ({why})" if why else ""))


def _check_masks(ex, call):
    """Keras's masks (``Masking``, ``Embedding(mask_zero=True)``) change what a layer
    computes at run time, from the data; the exported graph has no masks: refuse them."""
    if type(call.module).__name__ == "BatchNormalization":
        return                                  # its mask acts in training only
    given = [k for k, v in call.kwargs.items()
             if k.endswith("mask") and k != "use_causal_mask" and v is not None]
    if given:
        raise ex.unsupported(call, f"a mask ({given[0]}, from Masking or "
                                   f"Embedding(mask_zero=True))",
                             "the exported graph computes every step")


def _inputs(example_input):
    if isinstance(example_input, dict):
        raise TypeError("shenjing.onnx.export: example_input must be a tensor, an array or a "
                        "tuple of them, got a dict")
    items = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
    tensors = []
    for item in items:
        t = item if isinstance(item, Tensor) else Tensor(numpy.asarray(item))
        if t.dtype.kind == "f":   # so that an op applied to an input keeps its node
            t = Tensor(t.array, requires_grad=True)
        tensors.append(t)
    return tensors


def _model_dtype(model, inputs):
    for p in model.parameters():
        if p.dtype.kind == "f":
            return p.dtype
    for t in inputs:
        if t.dtype.kind == "f":
            return t.dtype
    return numpy.dtype(numpy.float32)


def _value_info(onnx, name, dtype, shape):
    elem = onnx.helper.np_dtype_to_tensor_dtype(numpy.dtype(dtype))
    return onnx.helper.make_tensor_value_info(name, elem, shape)


def build_model(model, example_input, input_names=None, output_names=None, dynamic_axes=None,
                opset=OPSET):
    """The ``onnx.ModelProto`` of ``model`` (see ``export``), checked, not written."""
    if opset < OPSET:
        raise ValueError(f"shenjing.onnx.export: opset must be >= {OPSET}, got {opset}")
    inputs = _inputs(example_input)
    g = Graph(_model_dtype(model, inputs), opset)
    onnx = g.onnx
    ex = Exporter(g, model)
    names = list(input_names) if input_names is not None else (
        ["input"] if len(inputs) == 1 else [f"input_{i}" for i in range(len(inputs))])
    if len(names) != len(inputs):
        raise ValueError(f"shenjing.onnx.export: {len(inputs)} inputs but {len(names)} "
                         f"input_names {names}")
    for t, name in zip(inputs, names):
        ex.bind(t, name)
    calls, output = record(model, inputs)
    for call in calls:
        build = builder_of(call.module)
        if build is None:
            raise Unsupported(f"shenjing.onnx.export: {call.who}: layer "
                              f"{type(call.module).__name__}"
                              f" has no ONNX equivalent (no builder for it in shenjing.onnx)")
        _check_masks(ex, call)
        build(ex, call)
    outputs = tensors_in(output)
    out_names = list(output_names) if output_names is not None else (
        ["output"] if len(outputs) == 1 else [f"output_{i}" for i in range(len(outputs))])
    if len(out_names) != len(outputs):
        raise ValueError(f"shenjing.onnx.export: the model gives {len(outputs)} outputs but "
                         f"output_names has {len(out_names)}: {out_names}")
    for t, name in zip(outputs, out_names):
        g.add("Identity", [ex.value(t, what="output")], [name])
    axes = dynamic_axes if dynamic_axes is not None else {name: {0: "batch"} for name in names}
    graph_inputs = []
    for t, name in zip(inputs, names):
        dims = dict(enumerate(t.shape))
        given = axes.get(name, {})
        given = dict.fromkeys(given, "batch") if isinstance(given, (list, tuple)) else given
        dims.update({int(a): str(label) for a, label in given.items()})
        graph_inputs.append(_value_info(onnx, name, t.dtype, [dims[i] for i in range(t.ndim)]))
    graph_outputs = [_value_info(onnx, name, t.dtype, [None] * t.ndim)
                     for t, name in zip(outputs, out_names)]
    graph = onnx.helper.make_graph(g.nodes, type(model).__name__, graph_inputs, graph_outputs,
                                   initializer=g.initializers)
    proto = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                   producer_name="shenjing")
    if opset <= 18:
        proto.ir_version = min(proto.ir_version, 8)    # readable by onnxruntime >= 1.14
    onnx.checker.check_model(proto)
    return proto


def export(model, example_input, path, input_names=None, output_names=None, dynamic_axes=None,
           opset=OPSET):
    """Write ``model`` (a PyTorch-face Module, a Keras Sequential or functional model, or a
    single layer) as an ONNX file at ``path``; returns the ``onnx.ModelProto``.

    ``example_input``: one tensor/array or a tuple of them, as the model is called; any batch
    size (axis 0 is exported as the symbolic ``"batch"``).  ``input_names`` /
    ``output_names`` name the graph's values (default ``input``/``output``, numbered when
    several).  ``dynamic_axes``: ``{input_name: {axis: "label"}}`` (or a list of axes) to
    replace the default symbolic batch axis, as ``torch.onnx.export``'s.  The model runs in
    inference mode (dropout off, batch norm's running statistics).

        shenjing.onnx.export(model, x[:1], "model.onnx")
        onnxruntime.InferenceSession("model.onnx").run(None, {"input": x})
    """
    proto = build_model(model, example_input, input_names, output_names, dynamic_axes, opset)
    with atomic_open(path, "wb") as f:
        f.write(proto.SerializeToString())
    return proto
