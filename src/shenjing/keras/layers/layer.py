"""``Layer``: the base class of the Keras face's layers, a ``Module`` with Keras's conventions.

A Keras layer is built lazily: ``build(input_shape)`` runs once, on the first call, with
the shape of the first input, so that a layer need not be told its input size.  The
computation is ``call(inputs, ...)``; ``training`` left as None means the module's own
mode (``train()`` / ``eval()``; a new layer is in training mode, as a Keras layer called
directly is).  Being a ``Module``, a layer's parameters, ``state_dict`` and sub-layers work
as in the PyTorch face.

    class Scale(Layer):
        def build(self, input_shape):
            self.factor = Parameter(shenjing.ones(input_shape[-1]))
        def call(self, inputs):
            return inputs * self.factor

    Scale()(shenjing.ones(2, 3)).shape          # (2, 3): built for 3 features
"""

import itertools
import re
from collections import defaultdict

import numpy

from ...nn.modules.module import Module

#: keyword arguments every Keras layer accepts; the input-shape ones are kept for a model
LAYER_KWARGS = ("name", "trainable", "dtype", "input_shape", "batch_input_shape", "input_dim",
                "batch_size")

_name_counts = defaultdict(itertools.count)


def snake_case(name):
    """``"TextVectorization"`` -> ``"text_vectorization"``, as Keras names its layers: a
    ``_`` before each capitalised word and between a lower-case letter and a capital
    (``"GRUCell"`` -> ``"gru_cell"``, ``"Conv2D"`` -> ``"conv2d"``)."""
    words = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()


def unique_name(base):
    """``base``, then ``base_1``, ``base_2``, ... in this process (Keras's default names)."""
    n = next(_name_counts[base])
    return base if n == 0 else f"{base}_{n}"


def shape_of(inputs):
    """The shape ``build`` receives: a tuple, a list of tuples for a list of inputs, or None
    when the inputs have no regular shape (ragged lists)."""
    if hasattr(inputs, "shape"):
        return tuple(inputs.shape)
    if isinstance(inputs, (list, tuple)) and inputs and all(hasattr(x, "shape") for x in inputs):
        return [tuple(x.shape) for x in inputs]
    try:
        return numpy.shape(inputs)
    except ValueError:
        return None


class Layer(Module):
    """Base of Keras-style layers: ``build(input_shape)`` once on the first call, then
    ``call(inputs, ...)``.

    Keyword arguments as Keras's: ``name`` (default: the class name in snake case, made
    unique), ``trainable``, ``dtype`` (the compute dtype, ``"float32"``), and the
    input-shape hints ``input_shape``/``batch_input_shape``/``input_dim``/``batch_size``
    that a model's first layer may carry (kept in ``input_shape_hint``).
    """

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None,
                 batch_input_shape=None, input_dim=None, batch_size=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments "
                            f"{sorted(kwargs)}")
        super().__init__()
        self.name = name if name is not None else unique_name(snake_case(type(self).__name__))
        self.trainable = trainable
        self.dtype = numpy.dtype(dtype or "float32").name
        if batch_input_shape is not None:
            hint = tuple(batch_input_shape)
        elif input_shape is not None:
            hint = (batch_size,) + tuple(input_shape)
        elif input_dim is not None:
            hint = (batch_size, input_dim)
        else:
            hint = None
        self.input_shape_hint = hint
        self.built = False

    @property
    def trainable(self):
        """Whether the layer's parameters are trained; False freezes them (no gradients)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        object.__setattr__(self, "_trainable", bool(value))
        self.requires_grad_(bool(value))

    def build(self, input_shape):
        """Create the layer's state for inputs of ``input_shape``; runs once, before the
        first ``call``.  The base class has nothing to create."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no call(); define it")

    def forward(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    def __call__(self, inputs, *args, **kwargs):
        if not self.built:
            self.build(shape_of(inputs))
            self.built = True
            if not self.trainable:   # parameters made by build follow the switch too
                self.requires_grad_(False)
        return super().__call__(inputs, *args, **kwargs)

    def is_training(self, training):
        """``training`` as given, or the layer's mode (``train()``/``eval()``) when None."""
        return self.training if training is None else bool(training)

    def get_config(self):
        """The constructor's keyword arguments, JSON-serializable: ``cls(**config)`` makes
        an equivalent layer (without its weights or adapted state)."""
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def extra_repr(self):
        return f"name={self.name!r}"
