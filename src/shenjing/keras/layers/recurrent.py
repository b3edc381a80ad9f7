"""Keras's recurrent layers: ``SimpleRNN``, ``LSTM``, ``GRU`` and the ``Bidirectional``
wrapper; inputs batch-first (N, T, features), as Keras's.

Each layer holds Keras's weights and runs one call of shenjing's fused whole-sequence op
(``ops/recurrent.py``: ``rnn_sequence``, ``lstm_sequence``, ``gru_sequence``), which does the
time loop and backpropagation through time; the layer only adapts layouts:

* the ops are time-major with PyTorch's weights (G U, F): the input goes in as a
  transposed view (N, T, F) -> (T, N, F) and the output comes back as one, and the kernels
  (F, G U) and (U, G U) are passed as their transposed views;
* LSTM gates are (i, f, c, o) in Keras and (i, f, g, o) in PyTorch: the same order, so the
  LSTM needs no copy.  GRU gates are (z, r, h) in Keras and (r, z, n) in PyTorch: the GRU
  swaps the first two blocks of its kernels and biases on every call, one gather of
  3 U (F + U + 2) numbers, next to the T N 3 U (F + U) multiply-adds of the sequence;
* Keras's LSTM and SimpleRNN have one bias, the ops two (b_ih + b_hh): a zero b_hh.

``go_backwards=True`` runs the op in reverse and returns the outputs in the order they were
computed (last input step first), as Keras does; ``return_state=True`` returns
``[output, h, c]`` (LSTM) or ``[output, h]``.  ``dropout`` drops input features with one
mask per sequence, the same at every step (Keras's); ``recurrent_dropout``,
``stateful`` and ``GRU(reset_after=False)`` are not supported, nor activations other than
``tanh`` (and ``relu`` for SimpleRNN) and ``sigmoid``, which the fused ops compute.

A mask (N, T) (``mask=``, or attached by ``Embedding(mask_zero=True)``/``Masking``) skips
steps as Keras does: the state is carried over a masked step and the output there repeats
the previous one (zeros before the first valid step; zeros at every masked step with
``zero_output_for_mask``, which ``Bidirectional`` sets for ``return_sequences``).  The op
runs with each row's valid steps moved to the front and ``lengths`` = their number, and the
outputs are read back per step (``masking.SkipPlan``); a right-padded mask moves nothing.

    lstm = LSTM(64, return_sequences=True)
    y = lstm(x)                  # x (N, T, 8) -> (N, T, 64); kernel (8, 256)
"""

import numpy

from ... import backend, ops
from ...autograd.tensor import Tensor
from ...ops.dropout import dropout as _dropout
from ...ops.recurrent import gru_sequence, lstm_sequence, rnn_sequence
from .. import activations, initializers, regularizers
from .core import layer_input
from .layer import Layer
from .masking import sequence_mask, skip_plan


class ForgetBiasOne:
    """The LSTM bias initializer of ``unit_forget_bias=True``: ``init`` for the i, c and o
    blocks and ones for the forget gate, (4 U,)."""

    def __init__(self, init, units):
        self.init, self.units = init, units

    def __call__(self, shape, dtype=None):
        u = self.units
        return numpy.concatenate([numpy.asarray(self.init((u,), dtype)),
                                  numpy.ones(u, dtype or "float32"),
                                  numpy.asarray(self.init((2 * u,), dtype))])


class _RNN(Layer):
    """What the three recurrent layers share: arguments, weights, states and outputs.

    A subclass sets ``gates`` (G: the kernel is (F, G U)), ``states`` (how many state
    tensors), ``allowed`` (the activations its op computes) and ``run_op``."""

    gates, states = 1, 1
    supports_masking = True
    allowed = {"activation": ("tanh",), "recurrent_activation": ("sigmoid",)}
    config_keys = ()          # the subclass's own constructor arguments

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, zero_output_for_mask=False,
                 time_major=False, implementation=None, use_cudnn="auto", **kwargs):
        super().__init__(**kwargs)
        who = self.who
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"{who}: units must be a positive int, got {units!r}")
        self.units = units
        self.activation = self._supported("activation", activation)
        self.recurrent_activation = self._supported("recurrent_activation",
                                                    recurrent_activation)
        for arg, value in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not 0 <= value <= 1:
                raise ValueError(f"{who}: {arg} must be a number in [0, 1], got {value!r}")
        unsupported = {"recurrent_dropout": recurrent_dropout, "stateful": stateful,
                       "time_major": time_major, "activity_regularizer": activity_regularizer,
                       "kernel_constraint": kernel_constraint, "bias_constraint": bias_constraint,
                       "recurrent_constraint": recurrent_constraint}
        for arg, value in unsupported.items():
            if value:
                raise NotImplementedError(f"{who}: {arg}={value!r} is not supported (the fused "
                                          f"sequence op has no such step)")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout, self.recurrent_dropout, self.seed = float(dropout), 0.0, seed
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.unroll = bool(go_backwards), bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)

    @property
    def who(self):
        """``name (Class)``, how errors name the layer."""
        return f"{self.name} ({type(self).__name__})"

    def _supported(self, arg, value):
        """The activation function of ``value``, if the fused op computes it; else a
        NotImplementedError naming the layer and the argument."""
        if arg not in self.allowed:
            return None
        function = activations.get(value)
        name = activations.serialize(function)
        if name not in self.allowed[arg]:
            raise NotImplementedError(
                f"{self.who}: {arg}={name!r} is not supported: the fused sequence op computes "
                f"{' or '.join(map(repr, self.allowed[arg]))} only")
        return function

    # ------------------------------------------------------------ weights

    def bias_shape(self):
        return (self.gates * self.units,)

    def bias_initial(self):
        return self.bias_initializer

    def build(self, input_shape):
        if input_shape is None or len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"{self.who}: expected a 3-d input (batch, timesteps, features), "
                             f"got shape {input_shape}")
        width = self.gates * self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], width), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight(shape=(self.units, width),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer)
        if self.use_bias:
            self.bias = self.add_weight(shape=self.bias_shape(), name="bias",
                                        initializer=self.bias_initial(),
                                        regularizer=self.bias_regularizer)
        else:
            self.bias = None
        self.built = True

    def op_weights(self, dtype):
        """(W_ih (G U, F), W_hh (G U, U), b_ih, b_hh) in the op's (PyTorch's) layout: the
        transposed views of the kernels, the bias and a zero recurrent bias."""
        if self.bias is None:
            return self.kernel.T, self.recurrent_kernel.T, None, None
        zeros = Tensor(backend.array_module(self.bias.array).zeros(self.bias.shape, dtype))
        return self.kernel.T, self.recurrent_kernel.T, self.bias, zeros

    # ------------------------------------------------------------ the call

    def _initial_states(self, initial_state, n, dtype):
        """The op's initial states, each (N, U): zeros, or ``initial_state`` checked."""
        xp = backend.xp()
        if initial_state is None:
            zeros = Tensor(xp.zeros((n, self.units), dtype))
            return [zeros] * self.states
        if isinstance(initial_state, (Tensor, numpy.ndarray)):
            initial_state = [initial_state]
        initial_state = list(initial_state)
        if len(initial_state) != self.states:
            raise ValueError(f"{self.who}: expected {self.states} initial state tensor(s), got "
                             f"{len(initial_state)}")
        states = []
        for s in initial_state:
            s = s if isinstance(s, Tensor) else Tensor(numpy.asarray(s))
            if tuple(s.shape) != (n, self.units):
                raise ValueError(f"{self.who}: expected initial states of shape (batch, units) = "
                                 f"({n}, {self.units}), got {tuple(s.shape)}")
            states.append(s if s.dtype == dtype else s.type(dtype))
        return states

    def call(self, inputs, initial_state=None, mask=None, training=None):
        """(N, T, F) -> (N, U), or (N, T, U) with ``return_sequences``; a list [output,
        *final states] with ``return_state``.  ``initial_state``: the states to start from,
        each (N, U) (zeros when None); ``training`` turns the input dropout on."""
        x = layer_input(inputs, self)
        features = self.kernel.shape[0]
        if x.ndim != 3 or x.shape[-1] != features:
            raise ValueError(f"{self.who}: expected a 3-d input (batch, timesteps, features) = "
                             f"(N, T, {features}), got shape {tuple(x.shape)}")
        steps = sequence_mask(mask, x, self.who)
        plan = None if steps is None or steps.all() else skip_plan(
            steps, self.go_backwards, self.zero_output_for_mask)
        n = x.shape[0]
        if self.dropout and self.is_training(training):
            # one mask per sequence and feature, the same at every step
            ones = Tensor(backend.array_module(x.array).ones((n, 1, features), x.dtype))
            x = x * _dropout(ones, self.dropout)
        states = self._initial_states(initial_state, n, x.dtype)
        lengths = None
        if plan is not None:
            x, lengths = plan.inputs(x), plan.lengths
        # time-major view; the op's input projection reads it in one GEMM (reshaping the
        # view copies x once)
        y, *finals = self.run_op(ops.transpose(x, 0, 1), states, self.op_weights(x.dtype),
                                 lengths)
        if self.return_sequences:
            output = ops.transpose(y, 0, 1)        # (N, T, U), a view
            if plan is not None:
                output = plan.outputs(output)
            if self.go_backwards:
                output = ops.flip(output, 1)        # Keras's order: last input step first
        else:
            output = finals[0]
            if plan is not None:
                output = plan.last_output(output, self.zero_output_for_mask)
        return [output, *finals] if self.return_state else output

    def compute_mask(self, inputs, mask=None):
        """The input's mask for the output sequence with ``return_sequences`` (else None);
        None for the states."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        return [output_mask] + [None] * self.states if self.return_state else output_mask

    def get_config(self):
        config = {**super().get_config(), "units": self.units,
                  "activation": activations.serialize(self.activation)}
        if self.recurrent_activation is not None:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": None, "kernel_constraint": None,
            "recurrent_constraint": None, "bias_constraint": None,
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed, "return_sequences": self.return_sequences,
            "return_state": self.return_state, "go_backwards": self.go_backwards,
            "stateful": False, "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask})
        config.update({key: getattr(self, key) for key in self.config_keys})
        return config

    def extra_repr(self):
        return (f"name={self.name!r}, units={self.units}, "
                f"return_sequences={self.return_sequences}")


class SimpleRNN(_RNN):
    """Fully connected recurrence: h_t = activation(x_t kernel + h_{t-1} recurrent_kernel
    + bias), (N, T, F) -> (N, U) (or (N, T, U) with ``return_sequences``); kernel (F, U),
    recurrent_kernel (U, U), bias (U,).  ``activation`` "tanh" (default) or "relu"."""

    allowed = {"activation": ("tanh", "relu")}

    def __init__(self, units, activation="tanh", **kwargs):
        if "recurrent_activation" in kwargs:
            raise TypeError("SimpleRNN has no recurrent_activation argument")
        super().__init__(units, activation=activation, **kwargs)

    def run_op(self, x, states, weights, lengths=None):
        return rnn_sequence(x, states[0], *weights, reverse=self.go_backwards,
                            nonlinearity=activations.serialize(self.activation), lengths=lengths)


class LSTM(_RNN):
    """Long short-term memory: (N, T, F) -> (N, U) (or (N, T, U) with ``return_sequences``).

    kernel (F, 4 U), recurrent_kernel (U, 4 U), bias (4 U,), gates (i, f, c, o):
    i, f, o = sigmoid(x W + h U + b), c~ = tanh(x W_c + h U_c + b_c),
    c_t = f c_{t-1} + i c~, h_t = o tanh(c_t).  ``unit_forget_bias=True`` (the default)
    starts the forget gate's bias at 1.  ``return_state``: [output, h_T, c_T]."""

    gates, states = 4, 2
    config_keys = ("unit_forget_bias",)

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def bias_initial(self):
        if self.unit_forget_bias:
            return ForgetBiasOne(self.bias_initializer, self.units)
        return self.bias_initializer

    def run_op(self, x, states, weights, lengths=None):
        return lstm_sequence(x, states[0], states[1], *weights, reverse=self.go_backwards,
                             lengths=lengths)


class GRU(_RNN):
    """Gated recurrent unit, Keras 3's default ``reset_after=True`` (PyTorch's GRU):
    (N, T, F) -> (N, U) (or (N, T, U)).

    kernel (F, 3 U), recurrent_kernel (U, 3 U), bias (2, 3 U) (input and recurrent), gates
    (z, r, h): z, r = sigmoid(x W + b_in + h U + b_rec),
    h~ = tanh(x W_h + b_in,h + r (h U_h + b_rec,h)), h_t = z h_{t-1} + (1 - z) h~."""

    gates, states = 3, 1
    config_keys = ("reset_after",)

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        if not reset_after:
            raise NotImplementedError(f"{self.who}: reset_after=False is not supported; the "
                                      f"fused GRU op applies the reset gate after the "
                                      f"recurrent product (reset_after=True)")
        self.reset_after = True

    def bias_shape(self):
        return (2, 3 * self.units)

    def op_weights(self, dtype):
        # Keras's gate blocks (z, r, h) -> PyTorch's (r, z, n): a gather (copy) of the rows
        u = self.units
        order = numpy.r_[u:2 * u, 0:u, 2 * u:3 * u]
        w_ih, w_hh = self.kernel.T[order], self.recurrent_kernel.T[order]
        if self.bias is None:
            return w_ih, w_hh, None, None
        bias = self.bias[:, order]
        return w_ih, w_hh, bias[0], bias[1]

    def run_op(self, x, states, weights, lengths=None):
        return gru_sequence(x, states[0], *weights, reverse=self.go_backwards, lengths=lengths)


#: the layers Bidirectional wraps, by class name (for from_config)
RECURRENT = {cls.__name__: cls for cls in (SimpleRNN, LSTM, GRU)}


class Bidirectional(Layer):
    """Runs a recurrent layer over the sequence both ways and merges the two outputs:
    (N, T, F) -> (N, 2 U) with ``merge_mode="concat"`` (or (N, T, 2 U) with
    ``return_sequences``); ``"sum"``, ``"mul"``, ``"ave"`` give U, None the list of both.

    The forward layer is a copy of ``layer`` (named ``forward_<name>``), the backward one a
    copy with ``go_backwards`` flipped (``backward_<name>``) unless ``backward_layer`` is
    given; their sequences are merged step by step in time order (the backward one's
    reversed back, a view).  ``return_state``: [output, *forward states, *backward states].
    A mask reaches both layers; with ``return_sequences`` both give zeros at masked steps
    (Keras forces their ``zero_output_for_mask``) and the output carries the mask on.
    """

    supports_masking = True
    MERGE_MODES = ("concat", "sum", "mul", "ave", None)

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        who = f"{self.name} (Bidirectional)"
        if not isinstance(layer, _RNN):
            raise ValueError(f"{who}: expected a SimpleRNN, LSTM or GRU layer, got "
                             f"{type(layer).__name__}")
        if merge_mode not in self.MERGE_MODES:
            raise ValueError(f"{who}: merge_mode must be one of {self.MERGE_MODES}, got "
                             f"{merge_mode!r}")
        if weights is not None:
            raise NotImplementedError(f"{who}: weights= is not supported; use set_weights "
                                      f"after the first call")
        self.merge_mode = merge_mode
        self._layer_config = {"class_name": type(layer).__name__, "config": layer.get_config()}
        config = layer.get_config()
        self.forward_layer = type(layer).from_config({**config, "name": "forward_" + layer.name})
        if backward_layer is None:
            backward_layer = type(layer).from_config(
                {**config, "name": "backward_" + layer.name,
                 "go_backwards": not layer.go_backwards})
            self._backward_config = None
        else:
            if not isinstance(backward_layer, _RNN) \
                    or backward_layer.go_backwards == layer.go_backwards \
                    or backward_layer.return_sequences != layer.return_sequences \
                    or backward_layer.return_state != layer.return_state:
                raise ValueError(f"{who}: backward_layer must be a recurrent layer with the "
                                 f"opposite go_backwards and the same return_sequences and "
                                 f"return_state as layer")
            self._backward_config = {"class_name": type(backward_layer).__name__,
                                     "config": backward_layer.get_config()}
        self.backward_layer = backward_layer
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        for sub in (self.forward_layer, self.backward_layer):
            sub.zero_output_for_mask = self.return_sequences     # as Keras forces it

    def build(self, input_shape):
        for layer in (self.forward_layer, self.backward_layer):
            if not layer.built:
                layer._build_input_shape = input_shape
                layer.build(input_shape)
                layer.built = True

    def call(self, inputs, initial_state=None, mask=None, training=None):
        """(N, T, F) -> the merged outputs; ``initial_state`` lists the forward layer's
        states, then the backward one's."""
        forward_state = backward_state = None
        if initial_state is not None:
            initial_state = list(initial_state)
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(inputs, initial_state=forward_state, training=training, mask=mask)
        y_rev = self.backward_layer(inputs, initial_state=backward_state, training=training,
                                    mask=mask)
        states = []
        if self.return_state:
            y, states = y[0], y[1:]
            y_rev, states = y_rev[0], states + y_rev[1:]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, 1)             # back to time order (a view)
        if self.merge_mode == "concat":
            output = ops.cat([y, y_rev], -1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "mul":
            output = y * y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) * 0.5
        else:
            output = [y, y_rev]
        if not self.return_state:
            return output
        return (output if isinstance(output, list) else [output]) + states

    def compute_mask(self, inputs, mask=None):
        """The input's mask for each output sequence with ``return_sequences`` (else None),
        None for the states."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        masks = [output_mask] * (2 if self.merge_mode is None else 1)
        if self.return_state:
            masks += [None] * (2 * self.forward_layer.states)
        return masks[0] if len(masks) == 1 else masks

    def get_config(self):
        config = {**super().get_config(), "layer": self._layer_config,
                  "merge_mode": self.merge_mode}
        if self._backward_config is not None:
            config["backward_layer"] = self._backward_config
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("layer", "backward_layer"):
            if config.get(key) is not None:
                spec = config[key]
                if spec.get("class_name") not in RECURRENT:
                    raise ValueError(f"Bidirectional: unknown recurrent layer "
                                     f"{spec.get('class_name')!r}; known: {', '.join(RECURRENT)}")
                config[key] = RECURRENT[spec["class_name"]].from_config(dict(spec["config"]))
        return cls(**config)
