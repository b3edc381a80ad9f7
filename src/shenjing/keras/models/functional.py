"""``keras.Model(inputs, outputs)``: a model made of the layer calls between its inputs and
its outputs, Keras's functional API.

    image = keras.Input(shape=(28, 28), name="image")
    rows = keras.Input(shape=(28,), name="rows")
    h = layers.Concatenate()([layers.Flatten()(image), rows])
    digit = layers.Dense(10, activation="softmax")(h)
    model = keras.Model([image, rows], digit)            # a Functional
    model.fit([x_image, x_rows], y)                       # or {"image": ..., "rows": ...}

Each layer call on KerasTensors left a ``Node`` (``layers/keras_tensor.py``); the model walks
back from the outputs to the inputs, keeps the nodes in between in an order where each comes
after those it reads, and registers their layers under their names (``state_dict`` keys
``dense.kernel``, ...; a layer called twice, shared, is registered and counted once).
``call`` replays the nodes on data.  ``get_config`` lists the layers with, for each call,
the layer outputs that feed it, so that ``save``/``load_model`` rebuild the same graph.
"""

import numpy

from ...autograd.tensor import Tensor
from ..layers.input_layer import InputLayer
from ..layers.keras_tensor import KerasTensor, flatten, map_structure
from ..layers.layer import accepts_training
from .model import Model

#: how a saved config points at a KerasTensor: {"__keras_tensor__": [layer, call, output]}
TENSOR_KEY = "__keras_tensor__"


def _structure(value, what, who, allow_dict):
    """``value`` checked to be a KerasTensor, a list/tuple of them (or a dict by name)."""
    if isinstance(value, dict) and not allow_dict:
        raise TypeError(f"{who}: {what} as a dict is not supported; give a KerasTensor or a list")
    if isinstance(value, (list, tuple, dict)):
        leaves = list(value.values()) if isinstance(value, dict) else list(value)
        if not leaves:
            raise ValueError(f"{who}: {what} is empty")
    else:
        leaves = [value]
    for leaf in leaves:
        if not isinstance(leaf, KerasTensor):
            raise TypeError(f"{who}: {what} must be KerasTensors (from keras.Input and layer "
                            f"calls), got {type(leaf).__name__}")
    return list(value) if isinstance(value, tuple) else value


def _nodes_between(inputs, outputs, who):
    """The nodes that compute ``outputs`` from ``inputs``, each after the nodes it reads
    from; a ValueError names an output that needs a tensor the inputs do not give."""
    given = {id(t) for t in inputs}
    order, state = [], {}            # state: id(node) -> 1 (visiting), 2 (done)
    for output in outputs:
        stack = [(output, None)]
        while stack:
            tensor, reader = stack[-1]
            node = tensor.node
            if id(tensor) in given or state.get(id(node)) == 2:
                stack.pop()
                continue
            if node is None or isinstance(node.layer, InputLayer):
                used = f", read by layer {reader.name!r}" if reader is not None else ""
                names = [t.name for t in inputs]
                raise ValueError(
                    f"{who}: graph disconnected: output {output!r} needs {tensor!r}{used}, "
                    f"which is not one of the model's inputs {names}; give it in `inputs`")
            if state.get(id(node)) == 1:       # back after every tensor it reads
                state[id(node)] = 2
                order.append(node)
                stack.pop()
                continue
            state[id(node)] = 1
            stack.extend((t, node.layer) for t in reversed(node.inputs))
    return order


class Functional(Model):
    """The model of ``keras.Model(inputs, outputs)``: ``inputs`` KerasTensors of
    ``keras.Input`` (one, a list, or a dict by name), ``outputs`` KerasTensors made from them
    by layer calls (one, or a list: the model then returns a list).

    Called on data, ``inputs`` are one array/tensor, a list or tuple in the order of
    ``model.inputs``, or a dict by name (``input_names``: the keys of a dict of inputs, else
    the ``Input`` names); shapes must match the inputs' shapes.
    ``layers`` lists the input layers and the layers, as Keras's.
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, **kwargs)
        who = self.who
        self._input_structure = _structure(inputs, "inputs", who, allow_dict=True)
        self._output_structure = _structure(outputs, "outputs", who, allow_dict=False)
        self.inputs, self.outputs = flatten(self._input_structure), flatten(outputs)
        for tensor in self.inputs:
            if tensor.node is None or not isinstance(tensor.node.layer, InputLayer):
                source = tensor.node.layer.name if tensor.node is not None else "no layer"
                raise ValueError(f"{who}: inputs must come from keras.Input; {tensor!r} is "
                                 f"the output of {source!r}")
        if len({id(t) for t in self.inputs}) != len(self.inputs):
            raise ValueError(f"{who}: an input is given twice in {[t.name for t in self.inputs]}")
        # a dict of inputs names them by its keys, else each by its Input's name
        names = (list(self._input_structure) if isinstance(self._input_structure, dict)
                 else [t.name for t in self.inputs])
        if len(set(names)) != len(names):
            raise ValueError(f"{who}: inputs need distinct names, got {names}")
        self.input_names = names
        self._nodes = _nodes_between(self.inputs, self.outputs, who)
        for layer in [t.node.layer for t in self.inputs] + [n.layer for n in self._nodes]:
            known = self._modules.get(layer.name)
            if known is not None and known is not layer:
                raise ValueError(f"{who}: two layers are named {layer.name!r}; the layers of a "
                                 f"model need unique names")
            self.add_module(layer.name, layer)
        self.built = True
        if not trainable:
            self.trainable = False

    @property
    def who(self):
        """``name (Functional)``, how errors name the model."""
        return f"{self.name} ({type(self).__name__})"

    @property
    def layers(self):
        """The input layers, then the layers in the order of their first call."""
        return list(self._modules.values())

    @property
    def input(self):
        """The input KerasTensor(s), in the form given to the constructor."""
        return self._input_structure

    @property
    def output(self):
        """The output KerasTensor(s), in the form given to the constructor."""
        return self._output_structure

    # ------------------------------------------------------------ running

    def _input_values(self, inputs):
        """``inputs`` as one tensor per model input, in order, with names and shapes checked."""
        names = self.input_names
        if isinstance(inputs, dict):
            missing = [key for key in names if key not in inputs]
            unknown = [key for key in inputs if key not in names]
            if missing or unknown:
                raise ValueError(f"{self.who}: inputs by name: missing {missing}, unknown "
                                 f"{unknown}; the model's inputs are {names}")
            values = [inputs[key] for key in names]
        elif (isinstance(inputs, (list, tuple)) and inputs
              and all(hasattr(v, "shape") for v in inputs)):
            if len(inputs) != len(names):
                raise ValueError(f"{self.who}: expected {len(names)} input(s) {names}, got a "
                                 f"list of {len(inputs)}")
            values = list(inputs)
        elif len(names) == 1:
            values = [inputs]
        else:
            raise ValueError(f"{self.who}: expected {len(names)} inputs {names} (a list in "
                             f"this order or a dict by name), got one {type(inputs).__name__}")
        tensors = []
        for name, spec, value in zip(names, self.inputs, values):
            value = value if isinstance(value, Tensor) else Tensor(numpy.asarray(value))
            if value.ndim != spec.ndim or any(n is not None and n != m
                                              for n, m in zip(spec.shape, value.shape)):
                raise ValueError(f"{self.who}: input {name!r} expects shape {spec.shape}, "
                                 f"got {tuple(value.shape)}")
            tensors.append(value)
        return tensors

    def call(self, inputs, training=None):
        """The outputs for ``inputs``: each layer call replayed on data, in graph order;
        ``training`` is passed to the layers that take it (unless the call fixed it)."""
        values = {id(t): v for t, v in zip(self.inputs, self._input_values(inputs))}
        for node in self._nodes:
            args, kwargs = node.resolve(values)
            if training is not None and "training" not in kwargs and accepts_training(node.layer):
                kwargs["training"] = training
            results = flatten(node.layer(*args, **kwargs))
            if len(results) != len(node.outputs):
                raise ValueError(f"{self.who}: layer {node.layer.name!r} returned "
                                 f"{len(results)} tensors, {len(node.outputs)} when the model "
                                 f"was built")
            for tensor, value in zip(node.outputs, results):
                values[id(tensor)] = value
        return map_structure(lambda t: values[id(t)], self._output_structure)

    # ------------------------------------------------------------ description

    def _output_shapes(self):
        """Each layer's output shape(s) from the graph: a tuple, a list for several outputs,
        ``"multiple"`` for a layer called several times with different shapes."""
        shapes = {}
        for key, layer in self._modules.items():
            if isinstance(layer, InputLayer):
                shapes[key] = layer.batch_shape
                continue
            found = []
            for node in self._nodes:
                if node.layer is layer:
                    outs = [t.shape for t in node.outputs]
                    found.append(outs[0] if len(outs) == 1 else outs)
            shapes[key] = found[0] if all(f == found[0] for f in found) else "multiple"
        return shapes

    # ------------------------------------------------------------ config

    def get_config(self):
        """``layers``: each layer's ``{"class_name", "config", "name", "inbound_nodes"}``,
        one inbound node per call with its ``args``/``kwargs`` where each KerasTensor is
        ``{"__keras_tensor__": [layer name, call number, output number]}``; ``input_layers``
        and ``output_layers``: the inputs and outputs in that form."""
        from ..saving import serialize
        key_of = {id(layer): key for key, layer in self._modules.items()}
        calls = {key: [] for key in self._modules}
        where = {id(t): [key_of[id(t.node.layer)], 0, 0] for t in self.inputs}

        def encode(value, key):
            if isinstance(value, KerasTensor):
                return {TENSOR_KEY: where[id(value)]}
            if isinstance(value, (list, tuple)):
                return [encode(v, key) for v in value]
            if isinstance(value, dict):
                return {str(k): encode(v, key) for k, v in value.items()}
            if value is None or isinstance(value, (bool, int, float, str)):
                return value
            raise TypeError(f"{self.name}: cannot save the call of layer {key!r}: its argument "
                            f"{value!r} is not a KerasTensor, a number or a string")

        for node in self._nodes:
            key = key_of[id(node.layer)]
            calls[key].append({"args": encode(node.args, key),
                               "kwargs": encode(node.kwargs, key)})
            for tensor in node.outputs:
                where[id(tensor)] = [key, len(calls[key]) - 1, tensor.index]
        layers = [{**serialize(layer), "name": key, "inbound_nodes": calls[key]}
                  for key, layer in self._modules.items()]
        return {"name": self.name, "trainable": self.trainable, "layers": layers,
                "input_layers": encode(self._input_structure, "inputs"),
                "output_layers": encode(self._output_structure, "outputs")}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The model of ``get_config``: layers made from their configs (classes looked up by
        name, nothing run from the file), then called again as recorded."""
        from ..saving import deserialize_layer
        config = dict(config)
        entries = config.pop("layers")
        input_spec, output_spec = config.pop("input_layers"), config.pop("output_layers")
        layers, made, pending = {}, {}, []
        for entry in entries:
            layer = deserialize_layer(entry, custom_objects)
            key = entry.get("name", layer.name)
            layers[key] = layer
            if isinstance(layer, InputLayer):
                made[(key, 0)] = [layer.output]
            pending.append((key, list(entry.get("inbound_nodes", []))))
        count = {key: int(isinstance(layer, InputLayer)) for key, layer in layers.items()}
        while any(calls for _, calls in pending):
            progress = False
            for key, calls in pending:
                while calls and all(ref in made for ref in _references(calls[0])):
                    call = calls.pop(0)
                    args = _decode(call.get("args", []), made)
                    kwargs = _decode(call.get("kwargs", {}), made)
                    made[(key, count[key])] = flatten(layers[key](*args, **kwargs))
                    count[key] += 1
                    progress = True
            if not progress:
                stuck = [key for key, calls in pending if calls]
                raise ValueError(f"Functional.from_config: the calls of layers {stuck} read "
                                 f"tensors that no layer of the config makes")
        return cls(_decode(input_spec, made), _decode(output_spec, made), **config)


def _reference(value):
    """(layer name, call number) of a saved tensor reference, or None for other values."""
    if isinstance(value, dict) and set(value) == {TENSOR_KEY}:
        ref = value[TENSOR_KEY]
        if (not isinstance(ref, list) or len(ref) != 3 or not isinstance(ref[0], str)
                or not all(isinstance(n, int) for n in ref[1:])):
            raise ValueError(f"Functional.from_config: a tensor reference must be [layer, "
                             f"call, output], got {ref!r}")
        return ref[0], ref[1]
    return None


def _references(call):
    """The (layer name, call number) pairs a saved call reads."""
    found = []

    def visit(value):
        ref = _reference(value)
        if ref is not None:
            found.append(ref)
        elif isinstance(value, list):
            for v in value:
                visit(v)
        elif isinstance(value, dict):
            for v in value.values():
                visit(v)
    visit(call.get("args", []))
    visit(call.get("kwargs", {}))
    return found


def _decode(value, made):
    """A saved structure with each tensor reference replaced by its KerasTensor."""
    ref = _reference(value)
    if ref is not None:
        outputs = made.get(ref)
        index = value[TENSOR_KEY][2]
        if outputs is None or not 0 <= index < len(outputs):
            raise ValueError(f"Functional.from_config: no tensor {value[TENSOR_KEY]!r} (layer, "
                             f"call, output) in the config")
        return outputs[index]
    if isinstance(value, list):
        return [_decode(v, made) for v in value]
    if isinstance(value, dict):
        return {k: _decode(v, made) for k, v in value.items()}
    return value
