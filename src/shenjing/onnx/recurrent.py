"""ONNX nodes of the recurrent layers: ONNX's RNN, LSTM and GRU nodes, one per layer (both
directions in one node for PyTorch's ``bidirectional``).

Both faces give their weights in PyTorch's layout (``op_weights`` of a Keras layer; the
``weight_ih_l0``... of a PyTorch one): W_ih (G H, F), W_hh (G H, H), b_ih, b_hh (G H,).  ONNX
wants the same blocks in another gate order: LSTM i, o, f, c (PyTorch: i, f, g, o), GRU z, r,
h (PyTorch: r, z, n) with ``linear_before_reset=1``, which is PyTorch's (and Keras 3's
``reset_after=True``) h~ = tanh(x W_h + b_ih,h + r (h U_h + b_hh,h)).  ONNX's sequences are
time-major: X (T, N, F) -> Y (T, D, N, H), Y_h (D, N, H).
"""

import numpy

from .. import nn
from ..keras import activations as keras_activations
from ..keras import layers as kl
from .registry import builds

#: PyTorch's gate blocks in ONNX's order
_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}


def _blocks(array, order, hidden):
    return numpy.concatenate([array[i * hidden:(i + 1) * hidden] for i in order], 0)


def sequence_node(ex, kind, x, directions, hidden, initial=(), activation="Tanh"):
    """One ONNX ``kind`` node (``"RNN"``, ``"LSTM"``, ``"GRU"``) over time-major value ``x``.

    ``directions``: per direction (forward first) a tuple (W_ih, W_hh, b_ih or None, b_hh or
    None) of arrays in PyTorch's layout; ``initial``: the initial state values (h, then c),
    each (D, N, H), or empty for zeros.  Returns the names (Y, Y_h[, Y_c])."""
    g = ex.g
    order = _ORDER[kind]
    w = numpy.stack([_blocks(ex.array(d[0]), order, hidden) for d in directions])
    r = numpy.stack([_blocks(ex.array(d[1]), order, hidden) for d in directions])
    gates = len(order) * hidden
    biases = []
    for d in directions:
        b_ih = numpy.zeros(gates) if d[2] is None else _blocks(ex.array(d[2]), order, hidden)
        b_hh = numpy.zeros(gates) if d[3] is None else _blocks(ex.array(d[3]), order, hidden)
        biases.append(numpy.concatenate([b_ih, b_hh]))
    inputs = [x, g.weight(w, "W"), g.weight(r, "R"), g.weight(numpy.stack(biases), "B"), ""]
    inputs += list(initial)
    while inputs[-1] == "":
        inputs.pop()
    attributes = dict(hidden_size=hidden, direction="bidirectional" if len(directions) == 2
                      else "forward")
    if kind == "GRU":
        attributes["linear_before_reset"] = 1
    if kind == "RNN":
        attributes["activations"] = [activation] * len(directions)
    return g.add(kind, inputs, outputs=3 if kind == "LSTM" else 2, stem=kind.lower(),
                 **attributes)


def reverse_time(g, x, axis):
    """``x`` with its ``axis`` read backwards (a Slice of step -1)."""
    return g.add("Slice", [x, g.ints([-1]), g.ints([numpy.iinfo(numpy.int64).min]),
                           g.ints([axis]), g.ints([-1])])


# ------------------------------------------------------------------ Keras

_KERAS_KIND = {kl.SimpleRNN: "RNN", kl.LSTM: "LSTM", kl.GRU: "GRU"}


def keras_sequence(ex, call, layer, x, x_in, initial_state=None):
    """The values of Keras recurrent ``layer`` on value ``x`` (N, T, F): (output, [states])."""
    g = ex.g
    if call.kwargs.get("mask") is not None:
        raise ex.unsupported(call, "a mask (Masking, Embedding(mask_zero=True))",
                             "the exported recurrence runs over every step")
    kind = _KERAS_KIND[type(layer)]
    weights = layer.op_weights(x_in.dtype)
    if layer.go_backwards:
        x = reverse_time(g, x, 1)     # the recurrence reads the last step first
    x = g.add("Transpose", [x], perm=[1, 0, 2])
    initial = []
    if initial_state is not None:
        states = [initial_state] if not isinstance(initial_state, (list, tuple)) \
            else list(initial_state)
        initial = [g.add("Unsqueeze", [ex.value(s, call, "initial_state"), g.ints([0])])
                   for s in states]
    activation = "Relu" if keras_activations.serialize(layer.activation) == "relu" else "Tanh"
    names = sequence_node(ex, kind, x, [weights], layer.units, initial, activation)
    y, finals = names[0], [g.add("Squeeze", [n, g.ints([0])]) for n in names[1:]]
    if layer.return_sequences:       # (T, 1, N, H) -> (N, T, H), in the order it was read
        output = g.add("Transpose", [g.add("Squeeze", [y, g.ints([1])])], perm=[1, 0, 2])
    else:
        output = finals[0]
    return output, finals


def _bind_outputs(ex, call, values):
    outputs = call.output if isinstance(call.output, (list, tuple)) else [call.output]
    for tensor, value in zip(outputs, values):
        ex.bind(tensor, value)


@builds(kl.SimpleRNN, kl.LSTM, kl.GRU)
def _keras_rnn(ex, call):
    m, x_in = call.module, call.args[0]
    output, finals = keras_sequence(ex, call, m, ex.value(x_in, call), x_in,
                                    call.kwargs.get("initial_state"))
    _bind_outputs(ex, call, [output] + (finals if m.return_state else []))


@builds(kl.Bidirectional)
def _keras_bidirectional(ex, call):
    m, x_in, g = call.module, call.args[0], ex.g
    x = ex.value(x_in, call)
    initial = call.kwargs.get("initial_state")
    half = None if initial is None else len(initial) // 2
    y, states = keras_sequence(ex, call, m.forward_layer, x, x_in,
                               None if initial is None else initial[:half])
    y_rev, states_rev = keras_sequence(ex, call, m.backward_layer, x, x_in,
                                       None if initial is None else initial[half:])
    if m.return_sequences:
        y_rev = reverse_time(g, y_rev, 1)             # back to time order
    if m.merge_mode == "concat":
        outputs = [g.add("Concat", [y, y_rev], axis=-1)]
    elif m.merge_mode == "sum":
        outputs = [g.add("Add", [y, y_rev])]
    elif m.merge_mode == "mul":
        outputs = [g.add("Mul", [y, y_rev])]
    elif m.merge_mode == "ave":
        outputs = [g.add("Mul", [g.add("Add", [y, y_rev]), g.scalar(0.5)])]
    else:
        outputs = [y, y_rev]
    _bind_outputs(ex, call, outputs + (states + states_rev if m.return_state else []))


# ------------------------------------------------------------------ PyTorch

_TORCH_KIND = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


@builds(nn.RNN, nn.LSTM, nn.GRU)
def _torch_rnn(ex, call):
    m, x_in, g = call.module, call.args[0], ex.g
    if len(call.args) > 2 or call.kwargs.get("lengths") is not None or x_in.ndim != 3:
        raise ex.unsupported(call, "a packed, unbatched or lengths= sequence",
                             "export a padded batch (N, T, F) or (T, N, F)")
    kind = _TORCH_KIND[m.mode]
    hx = call.args[1] if len(call.args) > 1 else call.kwargs.get("hx")
    states = [] if hx is None else ([hx] if kind != "LSTM" else list(hx))
    state_values = [ex.value(s, call, "hx") for s in states]
    directions = 2 if m.bidirectional else 1
    x = ex.value(x_in, call)
    if m.batch_first:
        x = g.add("Transpose", [x], perm=[1, 0, 2])
    finals = [[] for _ in range(3 if kind == "LSTM" else 2)]
    for layer in range(m.num_layers):
        weights = [tuple(m._layer_weights(layer, d)) + (None, None) * (not m.bias)
                   for d in range(directions)]
        lo, hi = layer * directions, (layer + 1) * directions
        initial = [g.add("Slice", [s, g.ints([lo]), g.ints([hi]), g.ints([0])])
                   for s in state_values]
        names = sequence_node(ex, kind, x, weights, m.hidden_size, initial,
                              "Relu" if m.mode == "RNN_RELU" else "Tanh")
        for i, name in enumerate(names[1:], 1):
            finals[i].append(name)
        # (T, D, N, H) -> (T, N, D H), the next layer's input
        x = g.add("Reshape", [g.add("Transpose", [names[0]], perm=[0, 2, 1, 3]),
                              g.ints([0, 0, -1])])
    if m.batch_first:
        x = g.add("Transpose", [x], perm=[1, 0, 2])
    output, state = call.output
    ex.bind(output, x)
    stacked = [g.add("Concat", f, axis=0) if len(f) > 1 else f[0] for f in finals[1:]]
    if kind == "LSTM":
        ex.bind(state[0], stacked[0])
        ex.bind(state[1], stacked[1])
    else:
        ex.bind(state, stacked[0])
