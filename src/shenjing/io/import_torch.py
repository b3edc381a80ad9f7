"""Bring a trained PyTorch model's weights in: a ``state_dict`` saved as safetensors, loaded
into the equivalent PyTorch-face model.

    # in PyTorch:   safetensors.torch.save_file(model.state_dict(), "model.safetensors")
    model = build_the_same_net_with_shenjing()
    shenjing.io.load_torch_weights(model, "model.safetensors")

The PyTorch face keeps PyTorch's parameter names and layouts (``fc.weight`` (out, in),
``conv.weight`` (F, C, kh, kw), ``lstm.weight_ih_l0`` ...), so the keys match one to one.
What is converted: the dtypes (float16, bfloat16 and float64 files load into the model's
own dtype), and the prefixes that PyTorch's wrappers add to every key (``module.`` of
DataParallel/DistributedDataParallel, ``_orig_mod.`` of ``torch.compile``).  A file that
does not match the model raises one error listing the missing keys, the unexpected keys
and the shape mismatches; nothing is loaded then.  Only safetensors is read: a ``.pt`` /
``.pth`` file is a pickle, which can run code, and is refused.

A Keras-face model takes the same file converted to Keras's layouts (``torch_to_keras.py``:
Linear's (out, in) weight as Dense's (in, out) kernel, conv kernels channels-last, the
recurrent gates in Keras's order).
"""

import json
import os
import struct

import numpy

#: safetensors dtype names -> NumPy dtypes (BF16 is widened to float32 by hand)
_DTYPES = {"F64": numpy.float64, "F32": numpy.float32, "F16": numpy.float16,
           "I64": numpy.int64, "I32": numpy.int32, "I16": numpy.int16, "I8": numpy.int8,
           "U8": numpy.uint8, "BOOL": numpy.bool_}

#: prefixes that PyTorch's wrappers put before every key
WRAPPER_PREFIXES = ("module.", "_orig_mod.")


def _bfloat16(raw):
    """bfloat16 bytes as float32: a bfloat16 is the top half of a float32's bits."""
    return (numpy.frombuffer(raw, numpy.uint16).astype(numpy.uint32) << 16).view(numpy.float32)


def read_safetensors(path):
    """``{name: array}`` of a safetensors file (every dtype of PyTorch's floats and ints,
    bfloat16 included), read without unpickling anything."""
    path = os.fspath(path)
    if path.endswith((".pt", ".pth", ".bin", ".ckpt")):
        raise ValueError(f"load_torch_weights: {path!r} looks like a pickled PyTorch file, which "
                         f"shenjing never loads (unpickling can run code); in PyTorch save it with "
                         f"safetensors.torch.save_file(model.state_dict(), 'model.safetensors')")
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ValueError(f"load_torch_weights: {path!r} is not a safetensors file (too short)")
        (size,) = struct.unpack("<Q", head)
        try:
            header = json.loads(f.read(size))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"load_torch_weights: {path!r} is not a safetensors file "
                             f"(its header is not JSON)") from error
        data = f.read()
    arrays = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        kind = info["dtype"]
        if kind == "BF16":
            array = _bfloat16(raw)
        elif kind in _DTYPES:
            array = numpy.frombuffer(raw, _DTYPES[kind])
        else:
            raise ValueError(f"load_torch_weights: {path!r}: tensor {name!r} has dtype {kind}, "
                             f"which shenjing does not read")
        arrays[name] = array.reshape(info["shape"]).copy()
    return arrays


def _strip_prefixes(state, own):
    """Keys without the wrappers' prefixes, when that is what makes them the model's."""
    for prefix in WRAPPER_PREFIXES:
        if state and all(k.startswith(prefix) for k in state) and \
                not any(k.startswith(prefix) for k in own):
            state = {k[len(prefix):]: v for k, v in state.items()}
    return state


def _is_keras_face(model):
    return hasattr(model, "get_weights") and hasattr(model, "layers")


def load_torch_weights(model, path, strict=True, layers=None):
    """Load a PyTorch ``state_dict`` saved as safetensors at ``path`` into the PyTorch-face
    ``model`` (a ``shenjing.nn.Module`` built like the PyTorch one); returns
    ``(missing_keys, unexpected_keys)`` as ``load_state_dict`` does.

    Floats are cast to the dtype of the parameter or buffer they load into; with ``strict``
    (the default) a key missing on either side is an error, a shape mismatch always is,
    and the error lists every difference.

    A Keras-face ``model`` (``keras.Sequential``, ``keras.Model``) takes the weights converted
    to Keras's layouts, one PyTorch module per Keras layer (``torch_to_keras.py``; ``layers=
    {keras_layer_name: torch_module_prefix}`` pairs them when their order is not the
    file's); returns None."""
    if _is_keras_face(model):
        from .torch_to_keras import load_into_keras
        state = _strip_prefixes(read_safetensors(path), {})
        return load_into_keras(model, state, layers, where=repr(os.fspath(path)))
    own = model.state_dict()
    state = _strip_prefixes(read_safetensors(path), own)
    for key, array in state.items():
        target = own.get(key)
        if target is not None and array.dtype != target.dtype and array.dtype.kind in "fiub":
            state[key] = array.astype(target.dtype)
    try:
        return model.load_state_dict(state, strict=strict)
    except RuntimeError as error:
        raise RuntimeError(f"load_torch_weights: {os.fspath(path)!r} does not match "
                           f"{type(model).__name__}: {error}") from None
