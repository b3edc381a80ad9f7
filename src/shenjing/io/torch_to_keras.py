"""A PyTorch ``state_dict`` into a Keras-face model: each Keras layer takes the weights of one
PyTorch module, converted to Keras's layouts.

    Dense              <- Linear       kernel = weight^T (in, out)
    Conv1D / Conv2D    <- Conv1d/2d    kernel = weight (F, C, *k) moved to (*k, C, F)
    BatchNormalization <- BatchNorm    gamma, beta, moving mean and variance (the count of
                                       batches is dropped)
    LayerNormalization <- LayerNorm    gamma, beta
    Embedding          <- Embedding    the same table
    SimpleRNN / LSTM   <- RNN / LSTM   kernel = W_ih^T, recurrent_kernel = W_hh^T,
                                       bias = b_ih + b_hh (one layer, one direction; the
                                       LSTM's gate blocks i, f, g, o are Keras's i, f, c, o)
    GRU                <- GRU          gate blocks r, z, n reordered to Keras's z, r, h;
                                       bias (2, 3 U) = [b_ih, b_hh] (Keras's reset_after)

Which module feeds which layer: ``layers={keras_layer_name: torch_module_prefix}``, or by
default the Keras layers that have weights, in order, take the modules of the file in the
order of their prefixes read as numbers where they are numbers (``0``, ``1``, ..., ``10``:
an ``nn.Sequential``).  Layers are matched by class name, so that this file needs no
import from the faces above it.  A Dense after a Flatten reads features in the order they
were flattened: channels-first in PyTorch, channels-last in Keras; that permutation is the
model's business (flatten channels-first, ``Flatten(data_format="channels_first")``).
"""

import re

import numpy

#: Keras layer class name -> converter(PyTorch params of one module, class name) -> the
#: layer's weights in the order of ``layer.weights``
_CONVERT = {}


def _converts(*classes):
    def register(function):
        for cls in classes:
            _CONVERT[cls] = function
        return function
    return register


@_converts("Dense")
def _dense(p, kind):
    return [p["weight"].T] + ([p["bias"]] if "bias" in p else [])


@_converts("Conv1D", "Conv2D")
def _conv(p, kind):
    w = p["weight"]
    d = w.ndim - 2
    return [w.transpose(*range(2, d + 2), 1, 0)] + ([p["bias"]] if "bias" in p else [])


@_converts("BatchNormalization")
def _batch_norm(p, kind):
    affine = [p["weight"], p["bias"]] if "weight" in p else []
    return affine + [p["running_mean"], p["running_var"]]


@_converts("LayerNormalization")
def _layer_norm(p, kind):
    return [p["weight"]] + ([p["bias"]] if "bias" in p else [])


@_converts("Embedding")
def _embedding(p, kind):
    return [p["weight"]]


def _gate_blocks(array, order):
    blocks = numpy.split(array, len(order), axis=0)
    return numpy.concatenate([blocks[i] for i in order], axis=0)


@_converts("SimpleRNN", "LSTM", "GRU")
def _recurrent(p, kind):
    if any(k.endswith(("_l1", "_reverse")) for k in p):
        raise ValueError("a Keras recurrent layer holds one layer and one direction; the "
                         "module has more (num_layers > 1 or bidirectional)")
    order = [1, 0, 2] if kind == "GRU" else None
    w_ih, w_hh = p["weight_ih_l0"], p["weight_hh_l0"]
    b_ih, b_hh = p.get("bias_ih_l0"), p.get("bias_hh_l0")
    if order is not None:                              # GRU: (r, z, n) -> (z, r, h)
        w_ih, w_hh = _gate_blocks(w_ih, order), _gate_blocks(w_hh, order)
        weights = [w_ih.T, w_hh.T]
        if b_ih is not None:
            weights.append(numpy.stack([_gate_blocks(b_ih, order), _gate_blocks(b_hh, order)]))
        return weights
    return [w_ih.T, w_hh.T] + ([b_ih + b_hh] if b_ih is not None else [])


def _natural(prefix):
    return [int(part) if part.isdigit() else part for part in re.split(r"[.]", prefix)]


def _modules(state):
    """``{prefix: {name: array}}`` of the file's keys, split at their last dot."""
    modules = {}
    for key, array in state.items():
        prefix, _, name = key.rpartition(".")
        modules.setdefault(prefix, {})[name] = array
    return modules


def _keras_layers(model):
    layers = []
    for layer in model.layers:
        if hasattr(layer, "layers"):                 # a nested model
            layers += _keras_layers(layer)
        elif layer.weights:
            layers.append(layer)
    return layers


def load_into_keras(model, state, layers=None, where="the file"):
    """Convert ``state`` (``{key: array}``, PyTorch's names) into the Keras-face ``model``'s
    layers (see the module's notes); a ValueError lists every difference, nothing is
    loaded then."""
    modules = _modules(state)
    targets = _keras_layers(model)
    if layers is None:
        prefixes = sorted(modules, key=_natural)
        problems = [] if len(prefixes) == len(targets) else [
            f"{len(targets)} Keras layers with weights {[t.name for t in targets]} but "
            f"{len(prefixes)} PyTorch modules {prefixes}; give layers={{name: prefix}}"]
        pairs = list(zip(targets, prefixes))
    else:
        by_name = {t.name: t for t in targets}
        problems = [f"no Keras layer with weights named {n!r}" for n in layers if n not in by_name]
        problems += [f"no module {p!r} in {where}" for p in layers.values() if p not in modules]
        pairs = [(by_name[n], p) for n, p in layers.items() if n in by_name and p in modules]
    plan = []
    for layer, prefix in pairs:
        kind = type(layer).__name__
        convert = _CONVERT.get(kind)
        if convert is None:
            problems.append(f"{layer.name} ({kind}): no conversion from PyTorch weights")
            continue
        params = modules[prefix]
        try:
            arrays = convert(params, kind)
        except KeyError as error:
            problems.append(f"{layer.name} ({kind}) <- {prefix!r}: expected PyTorch parameter "
                            f"{error.args[0]!r}, the module has {sorted(params)}")
            continue
        except ValueError as error:
            problems.append(f"{layer.name} ({kind}) <- {prefix!r}: {error}")
            continue
        own = layer.weights
        shapes = [tuple(a.shape) for a in arrays]
        if shapes != [tuple(w.shape) for w in own]:
            problems.append(f"{layer.name} ({kind}) <- {prefix!r}: weight shapes "
                            f"{[tuple(w.shape) for w in own]}, converted from the file "
                            f"{shapes}")
            continue
        plan.append((own, arrays))
    if problems:
        raise ValueError(f"load_torch_weights: {where} does not match {model.name}:\n  "
                         + "\n  ".join(problems))
    for own, arrays in plan:
        for w, a in zip(own, arrays):
            w.array[...] = numpy.asarray(a).astype(w.dtype, copy=False)
            w._version += 1
