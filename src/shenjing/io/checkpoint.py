"""``shenjing.save(obj, f)`` and ``shenjing.load(f)``: any tree of tensors, arrays, dicts,
lists, tuples, numbers and strings, in one safetensors file.

Layout of the file (a plain safetensors file, readable by any safetensors library):

    tensors     every tensor and array of the object, under the dotted path to it in the
                object: "fc1.weight", "state.0.exp_avg", "model.fc1.weight"
    metadata    {"shenjing": '{"version": 1, "root": <structure>}'}, the object's
                structure as JSON (see ``tree.py``): dict key order and int keys, lists
                and tuples, numbers, strings, which tensor goes where.

``load`` never unpickles and never runs code from a file.  A safetensors file without the
"shenjing" metadata (weights exported by another library) loads as a flat dict
``{name: tensor}``; bfloat16 tensors in it become float32.  A file that is empty,
truncated, a PyTorch pickle or anything else raises ValueError naming the file and what
is wrong with it.

Writing to a path is atomic (``atomic.py``): an existing file is replaced only by a
complete new one.
"""

import json
import os

import numpy

from .atomic import atomic_path
from .tree import flatten, unflatten

META_KEY = "shenjing"
VERSION = 1
_MAX_HEADER = 100_000_000  # the safetensors format's own limit on the JSON header
_NUMPY_DTYPES = {"BOOL": "bool", "U8": "u1", "I8": "i1", "U16": "<u2", "I16": "<i2",
                 "U32": "<u4", "I32": "<i4", "U64": "<u8", "I64": "<i8", "F16": "<f2",
                 "F32": "<f4", "F64": "<f8"}


def _safetensors():
    try:
        import safetensors
        import safetensors.numpy
    except ImportError as e:  # a required dependency, but say how to get it if missing
        raise ImportError("shenjing.save/load need the safetensors package: "
                          "pip install safetensors") from e
    return safetensors


def _is_file(f, method):
    return not isinstance(f, (str, bytes, os.PathLike)) and hasattr(f, method)


def save(obj, f, pickle_module=None, pickle_protocol=None, **kwargs):
    """Write ``obj`` (tensors, arrays, dicts, lists, tuples, numbers, strings, None) to ``f``,
    a path or a binary file object; ``torch.save``'s other arguments are accepted and ignored.

    >>> shenjing.save({"model": model.state_dict(), "epoch": 3}, "ckpt.safetensors")
    """
    structure, arrays = flatten(obj)
    text = json.dumps({"version": VERSION, "root": structure}, allow_nan=False,
                      separators=(",", ":"))
    metadata = {META_KEY: text}
    st = _safetensors()
    if _is_file(f, "write"):
        f.write(st.numpy.save(arrays, metadata=metadata))
        return
    with atomic_path(f) as tmp:
        st.numpy.save_file(arrays, tmp, metadata=metadata)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **kwargs):
    """Read back what ``save`` wrote, tensors as ``shenjing.Tensor`` with their dtypes and
    requires_grad (``nn.Parameter`` s come back as Parameters); ``f`` is a path or a binary
    file object.  A foreign safetensors file gives a flat dict of
    tensors.  ``map_location``, ``weights_only`` and ``torch.load``'s other arguments are
    accepted and ignored (nothing is ever unpickled)."""
    if _is_file(f, "read"):
        name = str(getattr(f, "name", "<file object>"))
        data = f.read()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"shenjing.load: {name} gives {type(data).__name__}, not bytes: "
                            f"open the file in binary mode ('rb')")
        data = bytes(data)
        header = _parse_header(data[:8], lambda n: data[8:8 + n], len(data), name)
        source = _BytesSource(data, header, name)
    else:
        name = os.fspath(f)
        with open(name, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            header = _parse_header(fh.read(8), fh.read, size, name)
        source = _PathSource(name, header)
    with source:
        return _build(header, source, name)


def _build(header, source, name):
    metadata = header.get("__metadata__") or {}
    if META_KEY not in metadata:  # weights written elsewhere: {name: tensor}
        from ..autograd.tensor import Tensor
        return {key: Tensor.from_node(source.get(key), None, 0)
                for key in sorted(k for k in header if k != "__metadata__")}
    try:
        doc = json.loads(metadata[META_KEY])
        version, root = doc["version"], doc["root"]
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"shenjing.load({name!r}): the 'shenjing' metadata is corrupt "
                         f"({e})") from e
    if not isinstance(version, int) or version > VERSION:
        raise ValueError(f"shenjing.load({name!r}): written in format version {version!r}, "
                         f"newer than this shenjing reads ({VERSION}); upgrade shenjing")
    try:
        return unflatten(root, source.get)
    except ValueError as e:
        raise ValueError(f"shenjing.load({name!r}): the 'shenjing' structure is corrupt: "
                         f"{e}") from e


# ------------------------------------------------------------------ checking the header

def _parse_header(first8, read, size, name):
    """The safetensors header as a dict, checked; ValueError saying what is wrong."""
    what = f"shenjing.load({name!r})"
    if size == 0:
        raise ValueError(f"{what}: the file is empty")
    n = int.from_bytes(first8, "little") if len(first8) == 8 else -1
    if not 2 <= n <= min(_MAX_HEADER, size - 8):  # the 8 bytes are no header length
        if first8.startswith(b"PK\x03\x04") or first8[:1] == b"\x80":
            kind = "a zip archive" if first8.startswith(b"PK") else "a pickle"
            raise ValueError(f"{what}: this is {kind}, as torch.save writes, not a safetensors "
                             f"file; shenjing never unpickles. In PyTorch, re-save the weights "
                             f"with safetensors.torch.save_file(model.state_dict(), path)")
        if size < 8:
            raise ValueError(f"{what}: {size} bytes, too short for a safetensors header: "
                             f"truncated, or not a safetensors file")
        if n > _MAX_HEADER or n < 2:
            raise ValueError(f"{what}: not a safetensors file (its first 8 bytes give a header "
                             f"length of {n})")
        raise ValueError(f"{what}: truncated, or not a safetensors file: the header needs {n} "
                         f"bytes but only {size - 8} follow")
    try:
        header = json.loads(read(n).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{what}: not a safetensors file: its header is not JSON ({e})") from e
    if not isinstance(header, dict):
        raise ValueError(f"{what}: not a safetensors file: its header is not a JSON object")
    available = size - 8 - n
    for key, info in header.items():
        if key == "__metadata__":
            if info is not None and not isinstance(info, dict):
                raise ValueError(f"{what}: not a safetensors file: bad __metadata__")
            continue
        try:
            start, end = info["data_offsets"]
            ok = isinstance(info["dtype"], str) and isinstance(info["shape"], list) \
                and 0 <= start <= end
        except (TypeError, KeyError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"{what}: not a safetensors file: bad entry for {key!r}")
        if end > available:
            raise ValueError(f"{what}: truncated: tensor {key!r} ends at byte {end} of the "
                             f"data but the file holds only {available} bytes of data")
    return header


# ------------------------------------------------------------------ reading the arrays

def _array(raw, dtype, shape, key, name):
    """A writable array from the raw little-endian bytes of one tensor."""
    if dtype == "BF16":  # no NumPy dtype: widen to float32 (bf16 is float32's top half)
        wide = numpy.frombuffer(raw, dtype="<u2").astype(numpy.uint32) << 16
        return wide.view(numpy.float32).reshape(shape)
    if dtype not in _NUMPY_DTYPES:
        raise ValueError(f"shenjing.load({name!r}): tensor {key!r} has dtype {dtype}, which "
                         f"NumPy cannot hold")
    array = numpy.frombuffer(raw, dtype=_NUMPY_DTYPES[dtype]).reshape(shape)
    return array.astype(array.dtype.newbyteorder("="))  # a writable, native-order copy


class _PathSource:
    """Arrays of a file on disk, through ``safetensors.safe_open`` (memory-mapped)."""

    def __init__(self, path, header):
        self.path, self.header = path, header

    def __enter__(self):
        try:
            self.file = _safetensors().safe_open(self.path, framework="np")
            self.handle = self.file.__enter__()
        except Exception as e:
            raise ValueError(f"shenjing.load({self.path!r}): not a valid safetensors file "
                             f"({e})") from e
        return self

    def __exit__(self, *exc):
        self.file.__exit__(*exc)

    def get(self, key):
        info = _entry(self.header, key)
        if info["dtype"] in _NUMPY_DTYPES:
            array = self.handle.get_tensor(key)
            return array if array.flags.writeable else array.copy()
        with open(self.path, "rb") as fh:  # a dtype safetensors.numpy cannot give (bf16)
            start, end = info["data_offsets"]
            fh.seek(8 + int.from_bytes(fh.read(8), "little") + start)
            return _array(fh.read(end - start), info["dtype"], info["shape"], key, self.path)


class _BytesSource:
    """Arrays of a file read into memory (from a file object), through
    ``safetensors.deserialize``."""

    def __init__(self, data, header, name):
        self.data, self.header, self.name = data, header, name

    def __enter__(self):
        try:
            self.entries = dict(_safetensors().deserialize(self.data))
        except Exception as e:
            raise ValueError(f"shenjing.load({self.name!r}): not a valid safetensors file "
                             f"({e})") from e
        return self

    def __exit__(self, *exc):
        self.entries = None

    def get(self, key):
        info = _entry(self.header, key)
        return _array(self.entries[key]["data"], info["dtype"], info["shape"], key, self.name)


def _entry(header, key):
    info = header.get(key)
    if key == "__metadata__" or not isinstance(info, dict):
        raise ValueError(f"it refers to tensor {key!r}, which the file does not hold")
    return info
