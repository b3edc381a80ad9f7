"""Padding layers: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad`` and
``CircularPad`` in 1, 2 and 3 dims, each the ``pad`` op (``ops.shape.pad``) with a mode.

``padding`` is an int (every side) or a tuple of 2 d ints (left, right, top, bottom, front,
back: from the LAST dim backwards, as ``F.pad``).  A d-dim layer pads the last d dims of an
input of d + 1 (unbatched) or d + 2 dims.  With x of length n:

    constant:   v v | a b c d | v v          reflect:   c b | a b c d | c b
    replicate:  a a | a b c d | d d          circular:  c d | a b c d | a b
"""

from ...ops.shape import pad
from .module import Module


class _Pad(Module):
    """Pads the last ``dims`` dims by ``padding`` in ``mode`` (see the module docstring)."""
    dims, mode = 1, "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        name, n = type(self).__name__, 2 * self.dims
        if isinstance(padding, int) and not isinstance(padding, bool):
            padding = (padding,) * n
        if not isinstance(padding, (tuple, list)) or len(padding) != n or \
                not all(isinstance(p, int) and not isinstance(p, bool) for p in padding):
            raise ValueError(f"{name}: padding must be an int or a tuple of {n} ints, got "
                             f"{padding!r}")
        if any(p < 0 for p in padding):
            raise ValueError(f"{name}: padding must be non-negative, got {tuple(padding)}")
        self.padding, self.value = tuple(padding), value

    def forward(self, x):
        if x.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"{type(self).__name__}: expected a {self.dims + 1}-d (unbatched) "
                             f"or {self.dims + 2}-d input, got shape {tuple(x.shape)}")
        return pad(x, self.padding, self.mode, self.value)

    def extra_repr(self):
        value = f", value={self.value}" if self.mode == "constant" and self.value else ""
        return f"{self.padding}{value}"


class ConstantPad1d(_Pad):
    """Pads the last dim with ``value``: (*, L) -> (*, L + left + right)."""
    dims = 1

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ConstantPad2d(_Pad):
    """Pads the last 2 dims with ``value``: (*, H, W) -> (*, H + top + bottom, W + left + right)."""
    dims = 2

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ConstantPad3d(_Pad):
    """Pads the last 3 dims with ``value``: (*, D, H, W) -> (*, D', H', W')."""
    dims = 3

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad1d(_Pad):
    """Pads the last dim with zeros: (*, L) -> (*, L + left + right)."""
    dims = 1


class ZeroPad2d(_Pad):
    """Pads the last 2 dims with zeros: (*, H, W) -> (*, H + top + bottom, W + left + right)."""
    dims = 2


class ZeroPad3d(_Pad):
    """Pads the last 3 dims with zeros: (*, D, H, W) -> (*, D', H', W')."""
    dims = 3


class ReflectionPad1d(_Pad):
    """Mirrors the last dim at its edges (the edge itself not repeated): (*, L) -> (*, L')."""
    dims, mode = 1, "reflect"


class ReflectionPad2d(_Pad):
    """Mirrors the last 2 dims at their edges: (*, H, W) -> (*, H', W')."""
    dims, mode = 2, "reflect"


class ReflectionPad3d(_Pad):
    """Mirrors the last 3 dims at their edges: (*, D, H, W) -> (*, D', H', W')."""
    dims, mode = 3, "reflect"


class ReplicationPad1d(_Pad):
    """Repeats the edge values of the last dim: (*, L) -> (*, L')."""
    dims, mode = 1, "replicate"


class ReplicationPad2d(_Pad):
    """Repeats the edge values of the last 2 dims: (*, H, W) -> (*, H', W')."""
    dims, mode = 2, "replicate"


class ReplicationPad3d(_Pad):
    """Repeats the edge values of the last 3 dims: (*, D, H, W) -> (*, D', H', W')."""
    dims, mode = 3, "replicate"


class CircularPad1d(_Pad):
    """Wraps the last dim around (periodic boundary): (*, L) -> (*, L')."""
    dims, mode = 1, "circular"


class CircularPad2d(_Pad):
    """Wraps the last 2 dims around: (*, H, W) -> (*, H', W')."""
    dims, mode = 2, "circular"


class CircularPad3d(_Pad):
    """Wraps the last 3 dims around: (*, D, H, W) -> (*, D', H', W')."""
    dims, mode = 3, "circular"
