"""The IDX format of MNIST and its relatives, read with NumPy alone.

An IDX file is a header and one big-endian array::

    bytes 0-1   0x00 0x00          magic: two zero bytes
    byte  2     dtype code         0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                   0x0D float32, 0x0E float64
    byte  3     ndim               number of dimensions
    4 * ndim    dims               each a big-endian uint32
    ...         data               prod(dims) items, row-major, big-endian

Files are usually gzip-compressed (``*.gz``); both forms are read.  Every check that
fails raises ``IDXError`` naming the file and saying what was expected and what was found,
so a truncated download is reported as such instead of surfacing as a reshape error.

>>> images = read_idx("t10k-images-idx3-ubyte.gz")   # (10000, 28, 28) uint8
"""

import gzip
import io
import os
import zlib

import numpy

#: IDX dtype code -> item type (big-endian, as stored)
DTYPES = {
    0x08: numpy.dtype("u1"),
    0x09: numpy.dtype("i1"),
    0x0B: numpy.dtype(">i2"),
    0x0C: numpy.dtype(">i4"),
    0x0D: numpy.dtype(">f4"),
    0x0E: numpy.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """An IDX file is truncated or malformed; the message names the file."""


def read_idx(source):
    """Read an IDX file (gzip-compressed or not) into a NumPy array in native byte order.

    ``source`` is a path (``str`` / ``os.PathLike``) or anything with ``.open("rb")``, such
    as the ``importlib.resources`` handle of a file shipped inside the package.
    Returns an array of shape ``dims`` with the file's dtype (uint8 for MNIST).
    """
    name = _name(source)
    with (source.open("rb") if hasattr(source, "open") else open(source, "rb")) as raw:
        start = raw.read(2)
        raw.seek(0)
        if start == _GZIP_MAGIC:
            with gzip.GzipFile(fileobj=raw, mode="rb") as f:
                return _read(f, name)
        return _read(raw, name)


def parse_idx(data, name="<bytes>"):
    """Parse IDX ``data`` held in memory (``bytes``; gzip-compressed or not)."""
    return read_idx(_BytesSource(io.BytesIO(data), name))


def _read(f, name):
    try:
        header = _read_exactly(f, 4, name, "the 4-byte magic number")
        if header[0] != 0 or header[1] != 0:
            raise IDXError(f"{name}: not an IDX file: the magic number must start with two zero "
                           f"bytes, got {header[:2].hex()}")
        code, ndim = header[2], header[3]
        if code not in DTYPES:
            known = ", ".join(f"0x{c:02X}" for c in DTYPES)
            raise IDXError(f"{name}: unknown IDX dtype code 0x{code:02X} (known: {known})")
        if ndim == 0:
            raise IDXError(f"{name}: the IDX header gives 0 dimensions")
        dims = tuple(int(d) for d in numpy.frombuffer(
            _read_exactly(f, 4 * ndim, name, f"{ndim} dimension sizes"), dtype=">u4"))
        dtype = DTYPES[code]
        try:
            out = numpy.empty(dims, dtype=dtype)
        except (MemoryError, ValueError):
            raise IDXError(f"{name}: malformed: the header announces shape {dims}, too large to "
                           f"hold in memory") from None
        view = memoryview(out.reshape(-1).view(numpy.uint8))  # fill the array in place
        got = 0
        while got < out.nbytes:
            n = f.readinto(view[got:])
            if not n:
                break
            got += n
        if got < out.nbytes:
            raise IDXError(f"{name}: truncated: the header announces shape {dims} of "
                           f"{dtype.itemsize}-byte items = {out.nbytes} data bytes, the file "
                           f"holds only {got}")
        if f.read(1):
            raise IDXError(f"{name}: malformed: extra bytes after the {out.nbytes} data bytes "
                           f"announced by the header (shape {dims})")
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise IDXError(f"{name}: the gzip stream is truncated or corrupt ({e})") from None
    return out.astype(dtype.newbyteorder("="), copy=False)


def _read_exactly(f, n, name, what):
    data = f.read(n)
    if len(data) != n:
        raise IDXError(f"{name}: truncated: expected {what} ({n} bytes), got {len(data)} bytes")
    return data


def _name(source):
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return str(getattr(source, "name", source))


class _BytesSource:
    def __init__(self, buffer, name):
        self.buffer, self.name = buffer, name

    def open(self, mode="rb"):
        return self.buffer
