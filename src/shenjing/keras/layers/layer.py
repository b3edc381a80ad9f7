"""``Layer``: the base class of the Keras face's layers, a ``Module`` with Keras's conventions.

A Keras layer is built lazily: ``build(input_shape)`` runs once, on the first call, with
the shape of the first input, so that a layer need not be told its input size.  The
computation is ``call(inputs, ...)``.  ``training``, as in Keras, is given by ``fit``
(True) and ``evaluate``/``predict`` (False) and inherited by the layers a layer calls;
left as None it means the module's mode, ``train()`` / ``eval()``, which is inference for
a new layer (a Keras layer called directly infers: Dropout passes inputs through,
BatchNormalization uses its moving statistics).  Being a ``Module``, a layer's
parameters, ``state_dict`` and sub-layers work as in the PyTorch face.  Called on KerasTensors (``keras.Input``), a layer builds a graph
instead of computing (``keras_tensor.py``, Keras's functional API).

Masks follow Keras 3: a layer's ``compute_mask(inputs, previous_mask)`` gives the mask of
its output, which its call attaches to the output tensor (``set_keras_mask``); the next
layer whose ``call`` takes ``mask`` (or ``<argument>_mask``) gets it there, so that masks
flow through Sequential and functional models with no help from the model.  A layer with
``supports_masking = True`` passes its input's mask on unchanged.

``add_loss(tensor)`` inside ``call`` adds a loss (an activity penalty, a VAE's KL term) to
``losses``, with the weights' regularization penalties; the outermost layer's call clears
the losses of the call before (Keras's entry-layer rule), and ``fit`` adds them to the
loss.  ``add_weight`` makes a ``Variable`` (``variable.py``: ``assign``, ``assign_add``).

    class Scale(Layer):
        def build(self, input_shape):
            self.factor = Parameter(shenjing.ones(input_shape[-1]))
        def call(self, inputs):
            return inputs * self.factor

    Scale()(shenjing.ones(2, 3)).shape          # (2, 3): built for 3 features
"""

import contextvars
import inspect
import itertools
import warnings
import weakref
from collections import defaultdict

import numpy

from ...autograd.tensor import Tensor
from ...nn.modules.module import Module
from ...nn.parameter import Parameter
from .keras_tensor import KerasTensor, is_symbolic, symbolic_call
from .keras_tensor import flatten as _flatten
from .variable import Variable
from ..registry import snake_case

#: keyword arguments every Keras layer accepts; the input-shape ones are kept for a model
LAYER_KWARGS = ("name", "trainable", "dtype", "input_shape", "batch_input_shape", "input_dim",
                "batch_size")

_name_counts = defaultdict(itertools.count)

#: the input types that may hold KerasTensors (one isinstance check on the eager path)
_MAYBE_SYMBOLIC = (KerasTensor, list, tuple, dict)


def unique_name(base):
    """``base``, then ``base_1``, ``base_2``, ... in this process (Keras's default names)."""
    n = next(_name_counts[base])
    return base if n == 0 else f"{base}_{n}"


#: the ``training`` value of the outermost layer call that gave one (Keras's call context)
_training = contextvars.ContextVar("shenjing_keras_training", default=None)

#: whether a layer call is under way (the outermost call, Keras's entry layer, clears the
#: ``add_loss`` losses of itself and its sub-layers before it runs)
_in_call = contextvars.ContextVar("shenjing_keras_in_call", default=False)

#: the layers holding losses from ``add_loss`` (so that a call clears only when there are any)
_LOSS_HOLDERS = weakref.WeakSet()


def accepts_training(layer):
    """Whether ``layer.call`` (or ``forward``, for a PyTorch-face module) takes ``training``."""
    cached = layer.__dict__.get("_accepts_training")
    if cached is None:
        function = layer.call if isinstance(layer, Layer) else layer.forward
        parameters = inspect.signature(function).parameters
        cached = "training" in parameters or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        layer.__dict__["_accepts_training"] = cached
    return cached


#: Keras's ``_keras_mask``: the masks attached to tensors, id -> (weak reference, mask); an
#: entry goes with its tensor (a ``Tensor`` has slots, so the mask cannot be an attribute)
_MASKS = {}


def get_keras_mask(x):
    """The mask a layer attached to ``x`` (a bool tensor, (N, T) for a sequence), or None."""
    entry = _MASKS.get(id(x))
    return entry[1] if entry is not None and entry[0]() is x else None


def set_keras_mask(x, mask):
    """Attach ``mask`` to the tensor ``x`` (None removes it), as Keras's ``set_keras_mask``:
    the next layer's call gets it as ``mask=``, and a loss averages over its True entries."""
    key = id(x)
    if mask is None:
        _MASKS.pop(key, None)
        return

    def forget(ref, key=key):
        entry = _MASKS.get(key)
        if entry is not None and entry[0] is ref:
            del _MASKS[key]
    _MASKS[key] = (weakref.ref(x, forget), mask)


def _masks_of(structure):
    """The attached mask of each tensor of a nest (None where there is none)."""
    if isinstance(structure, (list, tuple)):
        return [_masks_of(item) for item in structure]
    return get_keras_mask(structure) if isinstance(structure, Tensor) else None


def _any_mask(masks):
    if isinstance(masks, list):
        return any(_any_mask(m) for m in masks)
    return masks is not None


def call_parameters(layer):
    """The parameter names of ``layer.call``, cached (Keras's call signature)."""
    cached = layer.__dict__.get("_call_parameters")
    if cached is None:
        parameters = inspect.signature(layer.call).parameters.values()
        positional = [p.name for p in parameters
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        cached = (positional, {p.name for p in parameters})
        layer.__dict__["_call_parameters"] = cached
    return cached


def unique_weight_name(layer, base):
    """``base_1``, ``base_2``, ...: the first not yet taken in ``layer``."""
    for n in itertools.count(1):
        if f"{base}_{n}" not in layer._parameters and f"{base}_{n}" not in layer.__dict__:
            return f"{base}_{n}"


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

    #: whether the layer passes on the mask of its (first) input, Keras's ``supports_masking``:
    #: True for the layers that keep the time axis (Dense, Activation, Dropout, ...); a layer
    #: that overrides ``compute_mask`` makes its own masks
    supports_masking = False

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None,
                 batch_input_shape=None, input_dim=None, batch_size=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments "
                            f"{sorted(kwargs)}")
        super().__init__()
        d = self.__dict__
        d["training"] = False   # a Keras layer called directly infers; fit() passes training
        d["_trainable"], d["_weight_trainable"], d["_regularizers"] = bool(trainable), {}, []
        self.name = name if name is not None else unique_name(snake_case(type(self).__name__))
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

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if (isinstance(value, Parameter) and params is not None
                and any(p is value for key, p in params.items() if key != name)):
            object.__setattr__(self, name, value)   # another name for a weight of add_weight
            return
        super().__setattr__(name, value)

    # ------------------------------------------------------------ weights

    def add_weight(self, *args, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None, **kwargs):
        """A new weight of this layer: a ``Parameter`` of ``shape`` filled by
        ``initializer`` (a name such as ``"glorot_uniform"`` (the default), ``"zeros"``,
        ``"he_normal"``, an initializer object, or a callable ``(shape, dtype) -> array``),
        registered under ``name``.  ``trainable=False`` makes a weight that training does
        not change (a moving statistic); ``regularizer`` adds its penalty to ``losses``.

        Positional forms of both Keras versions: ``add_weight(shape, initializer, ...)`` and
        ``add_weight(name, shape, dtype, initializer, regularizer, trainable, constraint)``.
        """
        from .. import initializers, regularizers   # the face's registries sit above layers
        if args and isinstance(args[0], str):            # Keras 2's order
            order = ("name", "shape", "dtype", "initializer", "regularizer", "trainable",
                     "constraint")
        else:
            order = ("shape", "initializer", "dtype", "trainable")
        given = dict(zip(order, args))
        if len(args) > len(order):
            raise TypeError(f"{self.name}: add_weight takes at most {len(order)} positional "
                            f"arguments, got {len(args)}")
        given.update({k: v for k, v in dict(shape=shape, initializer=initializer, dtype=dtype,
                                            trainable=trainable, regularizer=regularizer,
                                            constraint=constraint, name=name).items()
                      if k not in given})
        kwargs.pop("autocast", None), kwargs.pop("aggregation", None)
        kwargs.pop("use_resource", None), kwargs.pop("synchronization", None)
        if kwargs:
            raise TypeError(f"{self.name}: add_weight got unexpected arguments {sorted(kwargs)}")
        if given["constraint"] is not None:
            raise NotImplementedError(f"{self.name}: weight constraints are not supported yet")
        shape = () if given["shape"] is None else tuple(int(n) for n in given["shape"])
        dtype = numpy.dtype(given["dtype"] or self.dtype)
        init = given["initializer"]
        if init is None:
            init = "glorot_uniform" if dtype.kind == "f" else "zeros"
        values = numpy.asarray(initializers.get(init)(shape, dtype), dtype=dtype, order="C")
        if values.shape != shape:
            raise ValueError(f"{self.name}: the initializer of weight {given['name']!r} gave "
                             f"shape {values.shape}, expected {shape}")
        key = given["name"] or "variable"
        if key in self._parameters or key in self.__dict__:
            key = unique_weight_name(self, key)
        weight = Variable(values, requires_grad=bool(given["trainable"]) and self.trainable)
        setattr(self, key, weight)
        self._weight_trainable[key] = bool(given["trainable"])
        if given["regularizer"] is not None:
            self._regularizers.append((weight, regularizers.get(given["regularizer"])))
        return weight

    @property
    def trainable(self):
        """Whether the layer's weights are trained; False freezes them (no gradients)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        for module in self.modules():
            if isinstance(module, Layer):
                object.__setattr__(module, "_trainable", value)
                for key, p in module._parameters.items():
                    if p is not None:
                        p.requires_grad_(value and module._weight_trainable.get(key, True))
            else:
                module.requires_grad_(value)

    @property
    def weights(self):
        """Every weight of the layer and its sub-layers, trainable ones first (Keras's order)."""
        return self.trainable_weights + self.non_trainable_weights

    @property
    def trainable_weights(self):
        return [p for p in self.parameters() if p.requires_grad]

    @property
    def non_trainable_weights(self):
        return [p for p in self.parameters() if not p.requires_grad]

    def get_weights(self):
        """The weights as NumPy arrays (copies), in the order of ``weights``."""
        return [p.numpy().copy() for p in self.weights]

    def set_weights(self, weights):
        """Load NumPy arrays into the weights, in the order of ``weights``; shapes must match."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"{self.name}: set_weights expects {len(own)} arrays, got "
                             f"{len(weights)}")
        for i, (p, w) in enumerate(zip(own, weights)):
            w = numpy.asarray(w.numpy() if isinstance(w, Tensor) else w)
            if w.shape != tuple(p.shape):
                raise ValueError(f"{self.name}: weight {i} has shape {tuple(p.shape)}, got an "
                                 f"array of shape {w.shape}")
            p.array[...] = w

    @property
    def losses(self):
        """The scalar losses of the layer and its sub-layers: those ``add_loss`` added during
        the last call, then the regularization penalties of the weights (computed from their
        current values).  ``fit`` adds them all to compile's loss."""
        added = [loss for module in self.modules() if isinstance(module, Layer)
                 for loss in module.__dict__.get("_call_losses", ())]
        return added + [penalty(weight) for module in self.modules()
                        if isinstance(module, Layer) for weight, penalty in module._regularizers]

    def add_loss(self, loss):
        """Add a loss (a scalar tensor, or a list of them) computed in ``call``, such as an
        activity penalty: it is in ``losses`` until the next call of the outermost layer
        (each call starts afresh), and ``fit`` adds it to compile's loss."""
        items = list(loss) if isinstance(loss, (list, tuple)) else [loss]
        for item in items:
            if not isinstance(item, Tensor):
                raise TypeError(f"{self.name}.add_loss: expected a tensor (a loss computed in "
                                f"call()), got {type(item).__name__}")
        self.__dict__.setdefault("_call_losses", []).extend(items)
        _LOSS_HOLDERS.add(self)

    def _clear_losses(self):
        """Forget the ``add_loss`` losses of this layer and its sub-layers (a new call)."""
        for module in self.modules():
            if module in _LOSS_HOLDERS:
                module.__dict__["_call_losses"] = []
                _LOSS_HOLDERS.discard(module)

    def build(self, input_shape):
        """Create the layer's state for inputs of ``input_shape``; runs once, before the
        first ``call``.  The base class has nothing to create."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no call(); define it")

    def forward(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    def _ensure_built(self, inputs):
        """Build the layer for the shape of ``inputs`` (tensors or KerasTensors), once."""
        if not self.built:
            self._build_input_shape = shape_of(inputs)
            self.build(self._build_input_shape)
            self.built = True
            if not self.trainable:   # parameters made by build follow the switch too
                self.requires_grad_(False)

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, _MAYBE_SYMBOLIC) and is_symbolic(inputs, self):
            return symbolic_call(self, inputs, args, kwargs)   # the functional API
        if _in_call.get():
            return self._eager_call(inputs, *args, **kwargs)
        if _LOSS_HOLDERS:
            self._clear_losses()
        token = _in_call.set(True)
        try:
            return self._eager_call(inputs, *args, **kwargs)
        finally:
            _in_call.reset(token)

    def _eager_call(self, inputs, *args, **kwargs):
        """``__call__`` on tensors: build, fill the masks and ``training``, call, mask."""
        if not self.built:
            self._ensure_built(inputs)
        previous_mask = None
        if _MASKS or kwargs.get("mask") is not None:
            previous_mask = self._fill_masks(inputs, args, kwargs)
        training = kwargs.pop("training", None)
        if training is None:
            training = _training.get()
        if training is not None and accepts_training(self):
            kwargs["training"] = training   # (a call without the argument is not given it)
        if training is None:
            outputs = super().__call__(inputs, *args, **kwargs)
        else:
            token = _training.set(bool(training))   # layers called inside inherit it
            try:
                outputs = super().__call__(inputs, *args, **kwargs)
            finally:
                _training.reset(token)
        if previous_mask is not None or type(self).compute_mask is not Layer.compute_mask:
            self._attach_masks(inputs, outputs, previous_mask)
        return outputs

    # ------------------------------------------------------------ masks

    def _fill_masks(self, inputs, args, kwargs):
        """Keras's mask arguments, in place in ``kwargs``: ``mask`` from the masks attached to
        the first input (a list for a list of inputs), ``<name>_mask`` from those of the
        argument ``<name>`` (MultiHeadAttention's query/value/key), where the call takes them
        and they were not given.  Returns the previous mask, for ``compute_mask``."""
        positional, names = call_parameters(self)
        given = kwargs.get("mask")
        previous = given if given is not None else _masks_of(inputs)
        if "mask" in names and given is None and _any_mask(previous):
            kwargs["mask"] = previous
        values = dict(zip(positional, (inputs,) + args))
        values.update(kwargs)
        consumed = "mask" in names
        for name, value in values.items():
            key = f"{name}_mask"
            if key in names and values.get(key) is None:
                mask = _masks_of(value)
                if _any_mask(mask):
                    kwargs[key] = mask
                    consumed = True
        if _any_mask(previous) and not consumed and not self.supports_masking \
                and type(self).compute_mask is Layer.compute_mask:
            warnings.warn(f"{self.name} ({type(self).__name__}) was given an input with a mask, "
                          f"but does not support masking: the layers after it do not see the "
                          f"mask", stacklevel=3)
        return previous if _any_mask(previous) else None

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the output (a bool tensor, or a list for several outputs), from the
        inputs and the mask of the first input; the base class passes ``previous_mask`` on
        when ``supports_masking``, else gives None (the mask stops here)."""
        return previous_mask if self.supports_masking else None

    def _attach_masks(self, inputs, outputs, previous_mask):
        """Attach ``compute_mask``'s masks to the outputs that carry none yet."""
        flat = _flatten(outputs)
        if flat and all(get_keras_mask(t) is not None for t in flat if isinstance(t, Tensor)):
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for tensor, mask in zip(flat, _flatten(masks)):
            if isinstance(tensor, Tensor) and mask is not None and get_keras_mask(tensor) is None:
                set_keras_mask(tensor, mask)

    def is_training(self, training):
        """``training`` as given (or inherited from the call of an outer layer), else the
        layer's mode: ``train()`` / ``eval()``, inference for a new layer."""
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
