"""Writing by index: scatter, scatter_add (and their in-place forms), masked_select.

scatter is gather's mirror: for dim=1, out[i][index[i][j]] = src[i][j], the rest of out
being x.  Only the index's corner of src is read (index may be smaller than src, as
PyTorch).  Backward: the written places of x get no gradient (overwritten),
src[i][j] gets dL/dout[i][index[i][j]]; scatter_add keeps x's gradient everywhere.
"""

import numpy

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._helpers import as_tensor, axis, expect
from .indexing import _int_array


def _places(index, dim, xp):
    """The full index tuple of every element of ``index``: its own position, with the
    position along ``dim`` replaced by the index value."""
    grid = list(xp.ix_(*[xp.arange(n) for n in index.shape]))
    grid[dim] = index
    return tuple(grid)


class Scatter(Function):
    """out = x with src written (``add``: added) at the index's places along ``dim``."""
    reads_inputs = False

    def __init__(self, dim, index, add):
        self.dim, self.index, self.add = dim, index, add

    def forward(self, x, src):
        xp = backend.array_module(x)
        self.src_shape = src.shape
        self.corner = tuple(slice(0, n) for n in self.index.shape)
        self.places = places = _places(self.index, self.dim, xp)
        out = x.copy()
        if self.add:
            xp.add.at(out, places, src[self.corner])
        else:
            out[places] = src[self.corner]
        return out

    def backward(self, gy):
        xp = backend.array_module(gy)
        need_x, need_src = self.needs_input_grad
        gx = gsrc = None
        if need_x:
            gx = gy
            if not self.add:
                gx = gy.copy()
                gx[self.places] = 0
        if need_src:
            gsrc = xp.zeros(self.src_shape, gy.dtype)
            gsrc[self.corner] = gy[self.places]
        return gx, gsrc


def _checked(x, dim, index, src, op):
    x = as_tensor(x)
    d = axis(dim, x.ndim, op)
    index = _int_array(index, op)
    if not isinstance(src, Tensor):   # a number fills the index's places
        filled = backend.array_module(x.array).full(index.shape, src, x.dtype)
        src = Tensor.from_node(filled, None, 0)
    elif src.dtype != x.dtype:
        src = src.type(x.dtype)
    expect(index.ndim == x.ndim and src.ndim == x.ndim, op,
           f"index {index.shape}, src {tuple(src.shape)} and input {tuple(x.shape)} must have "
           f"as many dims")
    expect(all(n <= s for n, s in zip(index.shape, src.shape)) and
           all(i == d or n <= m for i, (n, m) in enumerate(zip(index.shape, x.shape))), op,
           f"index {index.shape} must be no larger than src {tuple(src.shape)}, and than input "
           f"{tuple(x.shape)} outside dim {d}")
    n = x.shape[d]
    expect(index.size == 0 or (0 <= int(index.min()) and int(index.max()) < n), op,
           f"index values must be in [0, {n}) for dim {d}")
    return x, d, index, src


def scatter(input, dim, index, src=None, value=None, reduce=None):  # noqa: A002
    """input with ``src`` (a tensor, or a number ``value``) written at ``index`` along
    ``dim``: out[i][index[i][j]] = src[i][j] for dim=1.  ``reduce='add'`` adds instead."""
    if src is None:
        expect(value is not None, "scatter", "give src or value")
        src = value
    expect(reduce in (None, "add"), "scatter", f"reduce must be None or 'add', got {reduce!r}")
    x, d, index, src = _checked(input, dim, index, src, "scatter")
    return Scatter(d, index, reduce == "add")(x, src)


def scatter_add(input, dim, index, src):  # noqa: A002
    """input with ``src`` added at ``index`` along ``dim`` (repeated places add up)."""
    x, d, index, src = _checked(input, dim, index, src, "scatter_add")
    return Scatter(d, index, True)(x, src)


def scatter_(input, dim, index, src=None, value=None, reduce=None):  # noqa: A002
    """``scatter`` in place (not recorded in the graph)."""
    return _in_place(input, scatter(input.detach(), dim, index, src, value, reduce), "scatter_")


def scatter_add_(input, dim, index, src):  # noqa: A002
    """``scatter_add`` in place (not recorded in the graph)."""
    return _in_place(input, scatter_add(input.detach(), dim, index, src), "scatter_add_")


def _in_place(x, result, op):
    x._check_inplace(op)
    x.array[...] = result.array
    return x


def masked_select(input, mask):  # noqa: A002
    """The elements of input where the bool ``mask`` is True (both broadcast), as a 1-d
    tensor in row-major order; the gradient goes back to those elements."""
    from .shape import broadcast_to
    x = as_tensor(input)
    m = as_tensor(mask)
    expect(m.dtype.kind == "b", "masked_select", f"mask must be bool, got {m.dtype}")
    try:
        shape = numpy.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        expect(False, "masked_select",
               f"mask {tuple(m.shape)} and input {tuple(x.shape)} do not broadcast")
    x = broadcast_to(x, shape)
    return x[backend.array_module(m.array).broadcast_to(m.array, shape)]
