"""Recurrent layers ``RNN``, ``LSTM``, ``GRU`` and their one-step cells, as PyTorch's.

Each layer and direction is one call of a whole-sequence fused op of
``shenjing.ops.recurrent`` (forward and backward-through-time inside).  The parameters
have PyTorch's names and shapes (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``,
``bias_hh_l0``, ``..._reverse`` for the backward direction), so state dicts load both ways.

Variable lengths: pass a ``PackedSequence`` (``nn.utils.rnn.pack_padded_sequence``), or a
padded batch with ``lengths=`` (a shenjing extension): steps past a sequence's length do
not change its state and output zeros, and h_n is each sequence's state at its own end.
"""

import math

from ... import backend, ops
from ...autograd.tensor import Tensor
from ...ops.dropout import dropout as _dropout
from ...ops.recurrent import _lengths, gru_sequence, lstm_sequence, rnn_sequence
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, _repack_like, _unpack_for_layer
from ._checks import check_float_input
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _sequence_op(mode):
    """The fused op of one layer and direction: f(x, states, weights, lengths, reverse)."""
    if mode == "LSTM":
        return lambda x, s, w, lengths, reverse: lstm_sequence(x, s[0], s[1], *w, lengths=lengths,
                                                               reverse=reverse)
    if mode == "GRU":
        return lambda x, s, w, lengths, reverse: gru_sequence(x, s[0], *w, lengths=lengths,
                                                              reverse=reverse)
    nonlinearity = "relu" if mode == "RNN_RELU" else "tanh"
    return lambda x, s, w, lengths, reverse: rnn_sequence(x, s[0], *w, nonlinearity=nonlinearity,
                                                          lengths=lengths, reverse=reverse)


def _new_weight(shape, dtype):
    return Parameter(backend.xp().zeros(shape, backend.to_dtype(dtype) or
                                        backend.get_default_dtype()))


def _shape(t):
    return tuple(t.shape)


class RNNBase(Module):
    """A stack of recurrent layers, one or two directions each; see ``RNN``/``LSTM``/``GRU``.

    Input (T, N, input_size) (or (N, T, ...) with ``batch_first``, or unbatched (T, ...)),
    output (T, N, D * hidden_size) with D = 2 if bidirectional, and the final states
    (num_layers * D, N, hidden_size) ordered layer by layer, forward before reverse.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = self._name()
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size is not supported")
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size),
                           ("num_layers", num_layers)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name}: {arg} must be a positive int, got {value!r}")
        number = isinstance(dropout, (int, float)) and not isinstance(dropout, bool)
        if not number or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be a number in [0, 1], got {dropout!r}")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for stem, shape in shapes:
                    setattr(self, stem + suffix, _new_weight(shape, dtype))
                    self._flat_weights_names.append(stem + suffix)
        self.reset_parameters()

    def _name(self):
        return type(self).__name__

    def reset_parameters(self):
        """PyTorch's default: every weight and bias U(-1/sqrt(H), 1/sqrt(H))."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self):
        """Nothing to do here (cuDNN's weight layout); kept so that PyTorch code runs."""

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters grouped per layer and direction, as PyTorch."""
        per = 4 if self.bias else 2
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def _layer_weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        stems = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if self.bias else \
            ("weight_ih", "weight_hh")
        return [getattr(self, stem + suffix) for stem in stems]

    # ------------------------------------------------------------ forward

    def _initial_states(self, hx, N, batched, dtype):
        """A list (one per layer and direction) of tuples of (N, H) states."""
        H = self.hidden_size
        count = self.num_layers * (2 if self.bidirectional else 1)
        n_states = 2 if self.mode == "LSTM" else 1
        if hx is None:
            zeros = Tensor(backend.xp().zeros((N, H), dtype))
            return [(zeros,) * n_states] * count
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
            states = list(hx)
        else:
            if not isinstance(hx, Tensor):
                raise TypeError(f"hx must be a tensor h_0, got {type(hx).__name__}")
            states = [hx]
        expected = (count, N, H) if batched else (count, H)
        per_state = []
        for label, s in zip(("h_0", "c_0"), states):
            if _shape(s) != expected:
                raise ValueError(f"expected {label} of shape {expected} (num_layers * "
                                 f"num_directions, batch, hidden_size), got {_shape(s)}")
            if s.dtype != dtype:
                raise TypeError(f"{label} dtype {s.dtype} differs from the input dtype "
                                f"{dtype}")
            if not batched:
                s = ops.unsqueeze(s, 1)
            per_state.append(ops.unbind(s, 0) if count > 1 else (ops.squeeze(s, 0),))
        return list(zip(*per_state))

    def forward(self, input, hx=None, lengths=None):
        name = self._name()
        packed = isinstance(input, PackedSequence)
        if packed:
            if lengths is not None:
                raise ValueError("a PackedSequence carries its lengths; do not pass lengths= too")
            x, lengths, rows = _unpack_for_layer(input)
            batched = True
        else:
            if not isinstance(input, Tensor):
                raise TypeError(f"expected a tensor or a PackedSequence, got "
                                f"{type(input).__name__}")
            if input.ndim not in (2, 3):
                raise ValueError(f"expected input of shape (seq_len, batch, input_size)"
                                 f"{' (batch_first)' if self.batch_first else ''} or unbatched "
                                 f"(seq_len, input_size), got {_shape(input)}")
            batched = input.ndim == 3
            if not batched:
                x = ops.unsqueeze(input, 1)
            else:
                x = ops.transpose(input, 0, 1) if self.batch_first else input
        if x.shape[-1] != self.input_size:
            shape = _shape(input.data if packed else input)
            raise ValueError(f"expected input with {self.input_size} features in the last "
                             f"dim (input_size), got shape {shape}")
        check_float_input(x, self.weight_ih_l0, name)
        T, N = x.shape[0], x.shape[1]
        if lengths is not None and not packed:
            if not batched:
                raise ValueError("lengths= needs a batched input")
            lengths = _lengths(lengths, T, N, None)
        states = self._initial_states(hx, N, batched, x.dtype)
        op = _sequence_op(self.mode)
        directions = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                x = _dropout(x, self.dropout, True)
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                y, *final = op(x, states[k], self._layer_weights(layer, direction), lengths,
                               direction == 1)
                outputs.append(y)
                finals.append(final)
            x = ops.cat(outputs, 2) if directions == 2 else outputs[0]
        h_n = [ops.stack([f[i] for f in finals], 0) for i in range(len(finals[0]))]
        if not batched:
            x = ops.squeeze(x, 1)
            h_n = [ops.squeeze(h, 1) for h in h_n]
        elif packed:
            x = _repack_like(x, input, rows)
        elif self.batch_first:
            x = ops.transpose(x, 0, 1)
        return x, (tuple(h_n) if self.mode == "LSTM" else h_n[0])

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``;  ``rnn(x, h_0=None)`` ->
    ``(output, h_n)``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        self.__dict__["nonlinearity"] = nonlinearity   # read by _name() during __init__
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gates i, f, g, o:

        i, f, o = sigma(.), g = tanh(.) of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh,
        c_t = f c_{t-1} + i g,  h_t = o tanh(c_t).

    ``lstm(x, (h_0, c_0)=None)`` -> ``(output, (h_n, c_n))``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's gates r, z, n:

        r, z = sigma(.),  n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),
        h_t = (1 - z) n + z h_{t-1}.

    ``gru(x, h_0=None)`` -> ``(output, h_n)``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype=dtype)


# ------------------------------------------------------------------ cells

class RNNCellBase(Module):
    """One step of a recurrent layer: the same fused op run over a sequence of length 1."""

    mode = None

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name}: {arg} must be a positive int, got {value!r}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gate_size = _GATES[self._mode()] * hidden_size
        self.weight_ih = _new_weight((gate_size, input_size), dtype)
        self.weight_hh = _new_weight((gate_size, hidden_size), dtype)
        if bias:
            self.bias_ih = _new_weight((gate_size,), dtype)
            self.bias_hh = _new_weight((gate_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def _mode(self):
        return self.mode

    def reset_parameters(self):
        """PyTorch's default: every weight and bias U(-1/sqrt(H), 1/sqrt(H))."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def forward(self, input, hx=None):
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"expected a tensor input, got {type(input).__name__}")
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"expected input of shape (batch, {self.input_size}) or "
                             f"({self.input_size},), got {_shape(input)}")
        check_float_input(input, self.weight_ih, name)
        batched = input.ndim == 2
        x = input if batched else ops.unsqueeze(input, 0)
        N, H = x.shape[0], self.hidden_size
        lstm = self._mode() == "LSTM"
        if hx is None:
            zeros = Tensor(backend.xp().zeros((N, H), x.dtype))
            states = (zeros, zeros) if lstm else (zeros,)
        else:
            states = tuple(hx) if lstm else (hx,)
            if lstm and len(states) != 2:
                raise TypeError("hx must be a tuple (h, c)")
            expected = (N, H) if batched else (H,)
            for label, s in zip(("h", "c"), states):
                if _shape(s) != expected:
                    raise ValueError(f"expected {label} of shape {expected} (batch, "
                                     f"hidden_size), got {_shape(s)}")
            if not batched:
                states = tuple(ops.unsqueeze(s, 0) for s in states)
        weights = [self.weight_ih, self.weight_hh]
        if self.bias:
            weights += [self.bias_ih, self.bias_hh]
        _, *final = _sequence_op(self._mode())(ops.unsqueeze(x, 0), states, weights, None, False)
        if not batched:
            final = [ops.squeeze(f, 0) for f in final]
        return tuple(final) if lstm else final[0]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if self._mode() == "RNN_RELU":
            s += ", nonlinearity=relu"
        return s


class RNNCell(RNNCellBase):
    """One Elman step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r} (use 'tanh' or "
                             f"'relu')")
        self.__dict__["nonlinearity"] = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype=dtype)

    def _mode(self):
        return "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"


class LSTMCell(RNNCellBase):
    """One LSTM step: ``cell(x, (h, c))`` -> ``(h', c')``."""

    mode = "LSTM"


class GRUCell(RNNCellBase):
    """One GRU step: ``cell(x, h)`` -> ``h'``."""

    mode = "GRU"
