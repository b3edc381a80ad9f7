"""A Keras 3 file into a PyTorch-face model: each PyTorch module with weights takes the
weights of one Keras layer, converted to PyTorch's layouts (the inverse of
``torch_to_keras.py``).

    Linear       <- Dense               weight = kernel^T (out, in)
    Conv1d/2d    <- Conv1D / Conv2D     weight = kernel (*k, C, F) moved to (F, C, *k)
    BatchNorm    <- BatchNormalization  weight, bias, running mean and variance
    LayerNorm    <- LayerNormalization  weight, bias
    Embedding    <- Embedding           the same table
    RNN / LSTM   <- SimpleRNN / LSTM    W_ih = kernel^T, W_hh = recurrent_kernel^T,
                                        b_ih = bias, b_hh = 0
    GRU          <- GRU                 gate blocks z, r, h reordered to r, z, n;
                                        b_ih, b_hh = the bias's two rows

Pairing: ``layers={torch_module_prefix: keras_key}`` (``keras_key`` as the file names its
layers: ``dense``, ``dense_1``, ``conv2d`` ...), or by default the model's modules with
weights in order take the Keras layers with weights in the order of the Keras model, which
a ``.keras`` file's ``config.json`` gives (a ``.weights.h5`` alone does not: give
``layers=`` then).  Top-level layers only (a nested Keras model: give ``layers=``).
"""

import re

import numpy

#: the snake-case name of a Keras layer class (the file's keys) -> its class name
_KERAS_CLASSES = {"dense": "Dense", "conv1d": "Conv1D", "conv2d": "Conv2D",
                  "batch_normalization": "BatchNormalization",
                  "layer_normalization": "LayerNormalization", "embedding": "Embedding",
                  "simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def _torch_weights(kind, arrays):
    """``{PyTorch parameter name: array}`` of a Keras layer ``kind``'s weights."""
    if kind == "Dense":
        return dict(zip(("weight", "bias"), [arrays[0].T] + arrays[1:]))
    if kind in ("Conv1D", "Conv2D"):
        d = arrays[0].ndim - 2
        return dict(zip(("weight", "bias"),
                        [arrays[0].transpose(d + 1, d, *range(d))] + arrays[1:]))
    if kind == "BatchNormalization":
        if len(arrays) != 4:
            raise ValueError("a BatchNormalization without center or scale has no PyTorch twin")
        return dict(zip(("weight", "bias", "running_mean", "running_var"), arrays))
    if kind == "LayerNormalization":
        return dict(zip(("weight", "bias"), arrays))
    if kind == "Embedding":
        return {"weight": arrays[0]}
    kernel, recurrent = arrays[0].T, arrays[1].T
    if kind == "GRU":                                  # (z, r, h) -> (r, z, n)
        def swap(a):
            z, r, h = numpy.split(a, 3, axis=0)
            return numpy.concatenate([r, z, h], axis=0)
        weights = {"weight_ih_l0": swap(kernel), "weight_hh_l0": swap(recurrent)}
        if len(arrays) > 2:
            weights.update(bias_ih_l0=swap(arrays[2][0]), bias_hh_l0=swap(arrays[2][1]))
        return weights
    weights = {"weight_ih_l0": kernel, "weight_hh_l0": recurrent}
    if len(arrays) > 2:
        weights.update(bias_ih_l0=arrays[2], bias_hh_l0=numpy.zeros_like(arrays[2]))
    return weights


def _kind(key):
    return _KERAS_CLASSES.get(re.sub(r"_\d+$", "", key))


def _targets(model):
    """``[(prefix, module)]``: the modules that hold weights of their own, in order."""
    return [(prefix, m) for prefix, m in model.named_modules()
            if list(m.parameters(recurse=False)) or list(m.buffers(recurse=False))]


def load_into_torch(model, stored, order, layers=None, where="the file"):
    """Convert the Keras layers ``stored`` (``{key: [arrays]}``, the file's keys) into the
    PyTorch-face ``model`` (see the module's notes); ``order``: the keys in the Keras
    model's order, or None.  A ValueError lists every difference, nothing is loaded then."""
    targets = dict(_targets(model))
    problems = []
    if layers is not None:
        pairs = [(p, k) for p, k in layers.items()]
        problems += [f"no module {p!r} with weights in {type(model).__name__}"
                     for p, _ in pairs if p not in targets]
        problems += [f"no Keras layer {k!r} in {where}" for _, k in pairs if k not in stored]
    elif order is None:
        problems.append("a .weights.h5 file does not say in which order its layers come; give "
                        "layers={torch_module_prefix: keras_key} (keras keys: "
                        f"{sorted(k for k in stored if stored[k])})")
        pairs = []
    else:
        keys = [k for k in order if stored.get(k)]
        if len(keys) != len(targets):
            problems.append(f"{len(targets)} PyTorch modules with weights {list(targets)} but "
                            f"{len(keys)} Keras layers with weights {keys}; give layers=")
        pairs = list(zip(targets, keys))
    plan = []
    for prefix, key in pairs:
        if prefix not in targets or key not in stored:
            continue
        kind = _kind(key)
        if kind is None:
            problems.append(f"{key}: no conversion of this Keras layer to PyTorch's layouts")
            continue
        try:
            arrays = _torch_weights(kind, [numpy.asarray(a) for a in stored[key]])
        except ValueError as error:
            problems.append(f"{key} -> {prefix!r}: {error}")
            continue
        module = targets[prefix]
        own = dict(module.named_parameters(recurse=False))
        own.update((n, b) for n, b in module.named_buffers(recurse=False) if b is not None)
        for name, array in arrays.items():
            target = own.get(name)
            if target is None:
                problems.append(f"{key} ({kind}) -> {prefix!r}: the module has no {name!r}")
            elif tuple(target.shape) != array.shape:
                problems.append(f"{key} ({kind}) -> {prefix}.{name}: expected shape "
                                f"{tuple(target.shape)}, converted from the file {array.shape}")
            else:
                plan.append((target, array))
    if problems:
        raise ValueError(f"load_keras_weights: {where} does not match {type(model).__name__}:\n  "
                         + "\n  ".join(problems))
    for target, array in plan:
        target.array[...] = array.astype(target.dtype, copy=False)
        target._version += 1
