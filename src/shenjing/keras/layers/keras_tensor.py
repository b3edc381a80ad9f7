"""``KerasTensor``: a symbolic tensor of Keras's functional API, and the ``Node`` that made it.

``keras.Input(shape=(784,))`` gives a KerasTensor of shape ``(None, 784)``.  Calling a layer
on KerasTensors computes nothing on data: the layer is built for their shapes, its output
shapes are found by running it once on a batch of zeros (no gradients, inference mode), and
it returns new KerasTensors that remember the call (a ``Node``: the layer, its arguments,
its outputs).  ``keras.Model(inputs, outputs)`` reads that graph back
(``models/functional.py``).

    x = keras.Input(shape=(784,))        # KerasTensor (None, 784)
    h = layers.Dense(64)(x)              # KerasTensor (None, 64); h.node.layer is the Dense
"""

import numpy

from ... import backend
from ...autograd import no_grad
from ...autograd.tensor import Tensor

#: the sizes given to unknown non-batch axes (``Input(shape=(None, 8))``) when a layer is run
#: on zeros; an output axis whose size differs between the two runs is unknown too
PROBE_SIZES = (40, 56)


def flatten(structure):
    """The leaves of a nest of lists, tuples and dicts, in order (dicts by insertion)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for item in structure.values() for leaf in flatten(item)]
    return [structure]


def map_structure(fn, structure):
    """The same nest with ``fn(leaf)`` in place of every leaf."""
    if isinstance(structure, list):
        return [map_structure(fn, item) for item in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, item) for key, item in structure.items()}
    return fn(structure)


class KerasTensor:
    """A symbolic tensor: the ``shape`` (``None`` for the batch axis and other unknown
    sizes), ``dtype`` and ``name`` of a value that a functional model will compute, and the
    ``node`` (one layer call) that computes it, as its output number ``index``.

    It holds no values: use it only as the input of layers and of ``keras.Model``.
    """

    def __init__(self, shape, dtype="float32", name=None, node=None, index=0):
        self.shape = tuple(None if n is None else int(n) for n in shape)
        self.dtype = numpy.dtype(dtype).name
        self.name, self.node, self.index = name, node, index

    @property
    def ndim(self):
        return len(self.shape)

    def zeros(self, batch, size):
        """A tensor of zeros of this shape and dtype: ``batch`` samples, ``size`` for the
        other unknown axes."""
        shape = tuple((batch if axis == 0 else size) if n is None else n
                      for axis, n in enumerate(self.shape))
        return Tensor(backend.xp().zeros(shape, self.dtype))

    def __array__(self, *args, **kwargs):
        raise TypeError(f"{self!r} is symbolic (it has no values): call keras layers on it to "
                        f"build a functional model, then give data to the model")

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name!r}>"


class Node:
    """One call ``layer(*args, **kwargs)`` on KerasTensors; ``outputs`` lists the KerasTensors
    of its result, flattened (``flatten`` of what the layer returned)."""

    def __init__(self, layer, args, kwargs):
        self.layer, self.args, self.kwargs = layer, tuple(args), dict(kwargs)
        self.outputs = []

    @property
    def inputs(self):
        """The KerasTensors the call reads, in order (positional, then keyword arguments)."""
        return [leaf for leaf in flatten((self.args, self.kwargs))
                if isinstance(leaf, KerasTensor)]

    def resolve(self, values):
        """(args, kwargs) with each KerasTensor replaced by ``values[id(tensor)]``."""
        def value(leaf):
            return values[id(leaf)] if isinstance(leaf, KerasTensor) else leaf
        return map_structure(value, self.args), map_structure(value, self.kwargs)


def is_symbolic(inputs, layer):
    """True when ``inputs`` (a tensor, or a nest of them) are KerasTensors, False when none
    is; a mix is a TypeError naming ``layer``."""
    leaves = flatten(inputs)
    symbolic = [isinstance(leaf, KerasTensor) for leaf in leaves]
    if not any(symbolic):
        return False
    if not all(symbolic):
        others = sorted({type(leaf).__name__ for leaf, s in zip(leaves, symbolic) if not s})
        raise TypeError(f"{layer.name} ({type(layer).__name__}): called on a mix of "
                        f"KerasTensors and {', '.join(others)}; in a functional model every "
                        f"input of a layer must be a KerasTensor (from keras.Input or a layer)")
    return True


def _run_on_zeros(layer, call, batch, size):
    """The layer's result on zeros standing for the KerasTensors of ``call`` = (inputs,
    args, kwargs), without gradients and in inference mode."""
    inputs, args, kwargs = map_structure(
        lambda leaf: leaf.zeros(batch, size) if isinstance(leaf, KerasTensor) else leaf, call)
    kwargs["training"] = False
    with no_grad():
        return layer(inputs, *args, **kwargs)


def symbolic_call(layer, inputs, args, kwargs):
    """``layer(inputs, *args, **kwargs)`` on KerasTensors: build the layer for their shapes,
    find the output shapes on zeros (batch 1, or the inputs' fixed batch size), and return
    KerasTensors in the form of the layer's result (a list where it returns a list) that
    remember the call as their ``node``."""
    kwargs = dict(kwargs)
    if "training" in kwargs and kwargs["training"] is None:
        del kwargs["training"]          # None means "the model's mode": nothing to remember
    layer._ensure_built(inputs)
    leaves = [leaf for leaf in flatten((inputs, args, kwargs)) if isinstance(leaf, KerasTensor)]
    batch = next((t.shape[0] for t in leaves if t.ndim and t.shape[0] is not None), None)
    call = (inputs, tuple(args), kwargs)
    result = _run_on_zeros(layer, call, batch or 1, PROBE_SIZES[0])
    other = result
    if any(n is None for t in leaves for n in t.shape[1:]):
        other = _run_on_zeros(layer, call, batch or 1, PROBE_SIZES[1])
    node = Node(layer, (inputs,) + tuple(args), kwargs)
    values = flatten(result)
    for index, (value, again) in enumerate(zip(values, flatten(other))):
        if not isinstance(value, Tensor):
            raise TypeError(f"{layer.name} ({type(layer).__name__}): returned a "
                            f"{type(value).__name__}; a layer of a functional model must "
                            f"return tensors")
        shape = tuple(n if n == m else None for n, m in zip(value.shape, again.shape))
        if shape:
            shape = (batch,) + shape[1:]
        name = layer.name if len(values) == 1 else f"{layer.name}:{index}"
        node.outputs.append(KerasTensor(shape, numpy.dtype(value.dtype), name, node, index))
    outputs = iter(node.outputs)
    return map_structure(lambda value: next(outputs), result)
