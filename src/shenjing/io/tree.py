"""An object as a tree: its structure as JSON, its tensors as a flat dict of arrays.

``flatten(obj) -> (structure, arrays)`` and ``unflatten(structure, get) -> obj``, where
``get(key)`` returns the array stored under ``key``.  In the structure, JSON's own values
stand for themselves (None, bools, ints, finite floats, strings, lists, objects with str
keys) and tagged objects, whose one key starts with ``$``, for the rest:

    {"$tensor": "fc.weight"}             a tensor: the array under that key
    {"$tensor": "w", "requires_grad": true}
    {"$tensor": "w", "kind": "parameter"}  a tensor of a registered subclass (nn.Parameter)
    {"$ndarray": "key"}                  a NumPy array;  {"$scalar": "key"} a NumPy scalar
    {"$float": "nan"}                    also "inf", "-inf"
    {"$tuple": [...]}                    a tuple (a list is a plain JSON list)
    {"$dict": [[key, value], ...]}       a dict whose keys are not all plain strings (int
                                         keys, keys starting with "$"), in order
    {"$odict": [[key, value], ...]}      a collections.OrderedDict

Array keys are the path to the array in the object, joined by dots ("model.fc.weight",
"optimizer.state.0.exp_avg"), so that a state dict's file carries its usual names.

Tensor subclasses come back as what they were only when the package that defines them
registered a name for them (``register_tensor_kind``; ``nn.Parameter`` does): the file
names the kind, never a class or code to run.
"""

import collections
import collections.abc
import math

import numpy

from .. import backend
from ..autograd.tensor import Tensor

_DTYPES = frozenset(["bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64",
                     "int64", "float16", "float32", "float64"])
_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_RESERVED = "__metadata__"  # safetensors keeps its header's metadata under this name
_HINT = ("a file holds tensors, NumPy arrays, dicts, lists, tuples, numbers, strings and None, "
         "never code or objects; to save a model or an optimizer, save model.state_dict() "
         "(optimizer.state_dict()) and load it back with model.load_state_dict(shenjing.load(f))")


_KINDS = {}  # kind name -> Tensor subclass, registered by the package defining the class


def register_tensor_kind(name, cls):
    """Save tensors whose type is exactly ``cls`` (a Tensor subclass) as kind ``name``, and
    load them back as ``cls`` (made like ``cls.from_node``, with the saved requires_grad)."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"register_tensor_kind: cls should be a Tensor subclass, got {cls!r}")
    _KINDS[name] = cls


def _kind_of(x):
    for name, cls in _KINDS.items():
        if type(x) is cls:
            return name
    return None


def where(path):
    """A path in the object as Python would index it: ``obj['state'][0]['exp_avg']``."""
    return "obj" + "".join(f"[{k!r}]" for k in path)


def _encode_scalar(x, path):
    if isinstance(x, numpy.generic) and x.dtype.kind in "biuf":
        x = x.item()
    if x is None or isinstance(x, (bool, int, str)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else {"$float": repr(x)}
    raise TypeError(f"shenjing.save: cannot save a dict key of type {type(x).__name__} at "
                    f"{where(path)}: keys must be str, int, float, bool or None")


def flatten(obj):
    """``(structure, arrays)``: the JSON-able structure of ``obj`` and its arrays by key."""
    arrays, keys_of = {}, {}  # keys_of: id(array holder) -> key, so shared tensors stay shared
    holders = []  # keep the objects alive so that their ids stay unique while we walk
    on_path = set()

    def store(x, array, path):
        if id(x) in keys_of:
            return keys_of[id(x)]
        if array.dtype.name not in _DTYPES:
            raise TypeError(f"shenjing.save: cannot save the array at {where(path)}: dtype "
                            f"{array.dtype} (saved dtypes: {', '.join(sorted(_DTYPES))})")
        if not array.flags.c_contiguous:
            array = array.copy(order="C")
        key = ".".join(str(k) for k in path) or "tensor"
        if key in arrays or key == _RESERVED:
            n = 2
            while f"{key}#{n}" in arrays:
                n += 1
            key = f"{key}#{n}"
        arrays[key] = array
        keys_of[id(x)] = key
        holders.append(x)
        return key

    def visit(x, path):
        if isinstance(x, numpy.generic):  # before float: numpy.float64 is a float
            return {"$scalar": store(x, numpy.asarray(x), path)}
        if x is None or isinstance(x, (bool, int, str, float)):
            return _encode_scalar(x, path)
        if isinstance(x, Tensor):
            array = x.array if isinstance(x.array, numpy.ndarray) else x.array.get()  # CuPy
            node = {"$tensor": store(x, array, path)}
            if x.requires_grad:
                node["requires_grad"] = True
            kind = _kind_of(x)
            if kind is not None:
                node["kind"] = kind
            return node
        if isinstance(x, numpy.ndarray):
            return {"$ndarray": store(x, x, path)}
        if not isinstance(x, (collections.abc.Mapping, list, tuple)):
            raise TypeError(f"shenjing.save: cannot save {type(x).__name__} at {where(path)}: "
                            f"{_HINT}")
        if id(x) in on_path:
            raise ValueError(f"shenjing.save: {where(path)} contains itself")
        on_path.add(id(x))
        try:
            if isinstance(x, collections.abc.Mapping):
                return _visit_mapping(x, path)
            items = [visit(v, path + (i,)) for i, v in enumerate(x)]
            return {"$tuple": items} if isinstance(x, tuple) else items
        finally:
            on_path.discard(id(x))

    def _visit_mapping(x, path):
        pairs = [(_encode_scalar(k, path), visit(v, path + (k,))) for k, v in x.items()]
        if isinstance(x, collections.OrderedDict):
            return {"$odict": [list(p) for p in pairs]}
        if all(type(k) is str and not k.startswith("$") for k in x):
            return dict(pairs)
        return {"$dict": [list(p) for p in pairs]}

    return visit(obj, ()), arrays


def unflatten(structure, get):
    """The object described by ``structure``; ``get(key)`` returns the array stored under key.

    Raises ValueError on a structure that ``flatten`` could not have written."""
    made = {}  # key -> object, so that an array saved once and referenced twice stays shared

    def array_node(node, tag, path, wrap):
        key = node[tag]
        if not isinstance(key, str):
            raise ValueError(f"bad {tag} reference at {where(path)}: {key!r}")
        if key not in made:
            made[key] = wrap(get(key), node)
        return made[key]

    def tensor(array, node):
        kind = node.get("kind")
        if kind is not None and kind not in _KINDS:
            raise ValueError(f"unknown tensor kind {kind!r} for {node['$tensor']!r} (known: "
                             f"{', '.join(sorted(_KINDS)) or 'none'})")
        cls = Tensor if kind is None else _KINDS[kind]
        t = cls.from_node(backend.xp().asarray(array), None, 0)
        return t.requires_grad_() if node.get("requires_grad") else t

    def pairs(items, path):
        if not isinstance(items, list) or not all(isinstance(p, list) and len(p) == 2
                                                  for p in items):
            raise ValueError(f"bad dict at {where(path)}: expected [key, value] pairs")
        out = []
        for k, v in items:
            if isinstance(k, (dict, list)):
                if not isinstance(k, dict) or k.get("$float") not in _FLOATS:
                    raise ValueError(f"bad dict key at {where(path)}: {k!r}")
                k = _FLOATS[k["$float"]]
            out.append((k, build(v, path + (k,))))
        return out

    def build(node, path):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [build(v, path + (i,)) for i, v in enumerate(node)]
        if not isinstance(node, dict):
            raise ValueError(f"unexpected {type(node).__name__} at {where(path)}")
        tags = [k for k in node if k.startswith("$")]
        if not tags:
            return {k: build(v, path + (k,)) for k, v in node.items()}
        tag = tags[0]
        if tag == "$tensor":
            return array_node(node, tag, path, tensor)
        if tag == "$ndarray":
            return array_node(node, tag, path, lambda a, _: a)
        if tag == "$scalar":
            return array_node(node, tag, path, lambda a, _: a[()])
        if tag == "$float" and node[tag] in _FLOATS:
            return _FLOATS[node[tag]]
        if tag == "$tuple" and isinstance(node[tag], list):
            return tuple(build(v, path + (i,)) for i, v in enumerate(node[tag]))
        if tag == "$dict":
            return dict(pairs(node[tag], path))
        if tag == "$odict":
            return collections.OrderedDict(pairs(node[tag], path))
        raise ValueError(f"unknown entry {tag!r} at {where(path)}")

    return build(structure, ())
