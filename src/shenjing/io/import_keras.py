"""Bring a trained Keras 3 model's weights in: a ``.weights.h5`` file (``model.save_weights``)
or a ``.keras`` file (``model.save``), loaded into the equivalent Keras-face model.

    # in Keras 3:   model.save("model.keras")
    model = keras.Sequential([...the same layers, from shenjing.keras...])
    shenjing.io.load_keras_weights(model, "model.keras")

How Keras 3 lays a file out, and what is converted here:

- each layer's weights sit under ``layers/<key>/vars/0, 1, ...`` (trainable ones first, as
  ``layer.weights``), where ``<key>`` is the layer's class name in snake case numbered per
  class in the order of the model's layers (``dense``, ``dense_1``, ``conv2d`` ...), not the
  layer's own name; a nested model's layers are under ``layers/<key>/layers/...``;
- the weights of a layer's inner parts are in sub-groups: a recurrent layer's in ``cell``,
  ``Bidirectional``'s in ``forward_layer`` and ``backward_layer``, ``MultiHeadAttention``'s
  in ``query_dense``, ``key_dense``, ``value_dense``, ``output_dense``; they are read in
  that order, which is the order of the shenjing layer's ``weights``;
- floats are cast to the dtype of the weight they load into.

A file that does not match the model raises one error that lists every difference (a layer
missing from the file or extra in it, a count or shape of weights that differs); nothing is
loaded then.  Reading HDF5 needs the ``h5`` extra (``h5py``).

A PyTorch-face model takes the same file converted to PyTorch's layouts
(``keras_to_torch.py``).
"""

import io
import json
import os
import re
import zipfile

import numpy

#: sub-groups of a layer, in the order their weights come in ``layer.weights``
_PART_ORDER = ("cell", "forward_layer", "backward_layer", "query_dense", "key_dense",
               "value_dense", "output_dense")


def _require_h5py():
    try:
        import h5py
    except ImportError as error:
        raise ImportError("load_keras_weights needs h5py to read Keras's HDF5 files: "
                          "pip install 'shenjing[h5]'") from error
    return h5py


def _snake_case(name):
    """Keras 3's ``to_snake_case``: ``Conv2D`` -> ``conv2d``, ``MultiHeadAttention`` ->
    ``multi_head_attention``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _arrays(group):
    """A layer group's arrays in ``layer.weights`` order: its own vars, then its parts."""
    arrays = []
    if "vars" in group:
        arrays += [group["vars"][k][()] for k in sorted(group["vars"], key=int)]
    parts = [k for k in group if k not in ("vars", "layers")]
    parts.sort(key=lambda k: (_PART_ORDER.index(k) if k in _PART_ORDER else len(_PART_ORDER), k))
    for part in parts:
        arrays += _arrays(group[part])
    return arrays


def _layers(model):
    """The layers of a Keras-face model in Keras's saving order, input layers included."""
    layers = getattr(model, "layers", None)
    return list(layers) if layers is not None else list(model._modules.values())


def _plan(model, group, where, problems, out):
    """Match ``model``'s layers with the file's ``group``; appends (layer, arrays) to ``out``
    and every difference to ``problems``."""
    if "layers" not in group:
        problems.append(f"{where or 'the file'}: no 'layers' group (is it a Keras 3 file?)")
        return
    stored = group["layers"]
    counts, seen = {}, set()
    for layer in _layers(model):
        base = _snake_case(type(layer).__name__)
        n = counts.get(base, -1) + 1
        counts[base] = n
        key = base if n == 0 else f"{base}_{n}"
        seen.add(key)
        path = f"{where}layers/{key}"
        own = layer.weights if hasattr(layer, "weights") else list(layer.parameters())
        if key not in stored:
            if own:
                problems.append(f"{path}: layer {layer.name!r} ({type(layer).__name__}) is not "
                                f"in the file")
            continue
        if hasattr(layer, "layers") and "layers" in stored[key]:      # a nested model
            _plan(layer, stored[key], path + "/", problems, out)
            continue
        arrays = _arrays(stored[key])
        if len(arrays) != len(own):
            problems.append(f"{path}: layer {layer.name!r} ({type(layer).__name__}) has "
                            f"{len(own)} weights, the file {len(arrays)}")
            continue
        for i, (p, a) in enumerate(zip(own, arrays)):
            if tuple(p.shape) != tuple(a.shape):
                problems.append(f"{path}: weight {i} of layer {layer.name!r} has shape "
                                f"{tuple(p.shape)}, the file {tuple(a.shape)}")
        out.append((own, arrays))
    for key in stored:
        if key not in seen and _arrays(stored[key]):
            problems.append(f"{where}layers/{key}: in the file but not in the model")


def _open(path):
    """``(h5py File, config or None)``: a ``.weights.h5`` file, or the weights and the
    ``config.json`` of a ``.keras`` zip."""
    h5py = _require_h5py()
    path = os.fspath(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if "model.weights.h5" not in archive.namelist():
                raise ValueError(f"load_keras_weights: {path!r} is a zip without "
                                 f"model.weights.h5; expected a Keras 3 .keras file")
            config = (json.loads(archive.read("config.json"))
                      if "config.json" in archive.namelist() else None)
            return h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r"), config
    return h5py.File(path, "r"), None


def _keys_in_order(config):
    """The file's keys of a Keras model's layers, in the model's order (from its config)."""
    counts, keys = {}, []
    for entry in (config or {}).get("config", {}).get("layers", []):
        base = _snake_case(entry.get("class_name", ""))
        n = counts.get(base, -1) + 1
        counts[base] = n
        keys.append(base if n == 0 else f"{base}_{n}")
    return keys or None


def load_keras_weights(model, path, layers=None):
    """Load a Keras 3 ``.weights.h5`` or ``.keras`` file at ``path`` into the Keras-face
    ``model`` built with the same layers (see the module's notes on how they are matched);
    a ValueError lists every difference between the file and the model.

    A PyTorch-face ``model`` takes the weights converted to PyTorch's layouts
    (``keras_to_torch.py``; ``layers={torch_module_prefix: keras_key}`` pairs them, needed
    for a ``.weights.h5`` file, whose layer order is not in the file)."""
    if not hasattr(model, "get_weights"):
        from .keras_to_torch import load_into_torch
        f, config = _open(path)
        with f:
            stored = {key: _arrays(f["layers"][key]) for key in f.get("layers", {})}
        return load_into_torch(model, stored, _keys_in_order(config), layers,
                               where=repr(os.fspath(path)))
    f, _ = _open(path)
    with f:
        problems, plan = [], []
        _plan(model, f, "", problems, plan)
    if problems:
        raise ValueError(f"load_keras_weights: {os.fspath(path)!r} does not match "
                         f"{model.name}:\n  " + "\n  ".join(problems))
    for own, arrays in plan:
        for p, a in zip(own, arrays):
            p.array[...] = numpy.asarray(a).astype(p.dtype, copy=False)
            p._version += 1
