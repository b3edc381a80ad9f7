"""Norms and distances: vector_norm, matrix_norm, norm (torch.norm), dist, cdist.

The p-norm ||x||_p = (sum |x_i|^p)^(1/p) (||x||_2 = sqrt(sum x_i^2)) is one primitive, so
that the zero vector gets a zero gradient as in PyTorch (cdist(x, x) has zeros on its
diagonal); the rest are compositions of abs, sum, amax/amin and sqrt:
||x||_inf = max |x_i|,  ||x||_0 = the number of non-zeros (no gradient).
Matrix norms over two dims: 'fro' = sqrt(sum x^2), 1 / -1 = max / min column sum of |x|,
inf / -inf = max / min row sum of |x|.
"""

import math

import numpy

from .. import backend
from ..autograd.function import Function
from ._helpers import as_tensor, axes, expect, floating
from .arithmetic import sub
from .elementwise import abs, sqrt, square
from .reduction import _expand, amax, amin, sum


class VectorNorm(Function):
    """y = (sum |x|^p)^(1/p) over ``dims`` for a finite p >= 1;
    dy/dx = sign(x) |x|^(p-1) / y^(p-1), and 0 where y = 0 (as PyTorch: the zero vector
    gets a zero gradient, not 0/0)."""

    def __init__(self, p, dims, keepdim):
        self.p, self.dims, self.keepdim = p, dims, keepdim

    def forward(self, x):
        xp = backend.array_module(x)
        a = xp.abs(x)
        if self.p == 1:
            y = a.sum(axis=self.dims, keepdims=True)
        elif self.p == 2:
            y = xp.sqrt((x * x).sum(axis=self.dims, keepdims=True))
        else:
            y = (a ** self.p).sum(axis=self.dims, keepdims=True) ** (1.0 / self.p)
        self.x, self.y_kept = x, y
        if not self.keepdim:
            y = y.reshape(()) if self.dims is None else y.squeeze(axis=self.dims)
        return xp.asarray(y)

    def backward(self, gy):
        xp = backend.array_module(gy)
        x, y, p = self.x, self.y_kept, self.p
        g = _expand(gy, x.shape, self.dims, self.keepdim)
        if p == 1:
            return g * xp.sign(x)
        safe = xp.where(y == 0, 1, y)
        if p == 2:
            return g * xp.where(y == 0, 0, x / safe)
        return g * xp.where(y == 0, 0, xp.sign(x) * (xp.abs(x) / safe) ** (p - 1))


def _is_inf(p):
    return isinstance(p, (int, float, numpy.number)) and math.isinf(p)


class EuclideanDistances(Function):
    """d_ij = ||a_i - b_j||_2 for a (..., P, M), b (..., R, M) by one matrix product:
    d^2 = |a_i|^2 + |b_j|^2 - 2 a_i . b_j (clamped at 0), as PyTorch's cdist for large sets.
    With G = dL/dd / d (0 where d = 0):  dL/da_i = (sum_j G_ij) a_i - (G b)_i,
    dL/db_j = (sum_i G_ij) b_j - (G^T a)_j."""

    def forward(self, a, b):
        xp = backend.array_module(a)
        square = ((a * a).sum(-1)[..., :, None] + (b * b).sum(-1)[..., None, :]
                  - 2 * (a @ xp.swapaxes(b, -1, -2)))
        self.a, self.b = a, b
        self.d = d = xp.sqrt(xp.maximum(square, 0))
        return d

    def backward(self, gd):
        xp = backend.array_module(gd)
        a, b, d = self.a, self.b, self.d
        g = xp.where(d == 0, 0, gd / xp.where(d == 0, 1, d))
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        if need_a:
            ga = g.sum(-1)[..., None] * a - g @ b
        if need_b:
            gb = g.sum(-2)[..., None] * b - xp.swapaxes(g, -1, -2) @ a
        return ga, gb


def vector_norm(x, ord=2, dim=None, keepdim=False):  # noqa: A002 - torch's name
    """The p-norm of x over ``dim`` (an int, a tuple, or None for all elements), taking the
    elements as one vector: (sum |x|^ord)^(1/ord); ord inf / -inf: max / min |x|;
    ord 0: the count of non-zeros."""
    x = floating(x)
    dims = tuple(range(x.ndim)) if dim is None else axes(dim, x.ndim, "vector_norm")
    if x.ndim == 0:
        dims = None
    expect(isinstance(ord, (int, float, numpy.number)) and not isinstance(ord, bool),
           "vector_norm", f"ord must be a number, got {ord!r}")
    if _is_inf(ord):
        return (amax if ord > 0 else amin)(abs(x), dims, keepdim)
    if ord == 0:
        return sum(x != 0, dims, keepdim).type(x.dtype)
    expect(ord >= 1, "vector_norm", f"ord must be >= 1, inf, -inf or 0, got {ord!r}")
    return VectorNorm(float(ord) if ord not in (1, 2) else int(ord), dims, keepdim)(x)


def matrix_norm(x, ord="fro", dim=(-2, -1), keepdim=False):  # noqa: A002 - torch's name
    """The norm of the matrices in the two dims ``dim``: 'fro' = sqrt(sum x^2); 1 / -1 = the
    largest / smallest column sum of |x|; inf / -inf = the largest / smallest row sum."""
    x = floating(x)
    dims = axes(dim, x.ndim, "matrix_norm")
    expect(len(dims) == 2 and dims[0] != dims[1], "matrix_norm",
           f"dim must name two different dims, got {dim}")
    if ord == "fro":
        return sqrt(sum(square(x), dims, keepdim))
    expect(ord in (1, -1) or _is_inf(ord), "matrix_norm",
           f"ord must be 'fro', 1, -1, inf or -inf, got {ord!r}")
    rows, cols = dims if ord in (1, -1) else dims[::-1]
    sums = sum(abs(x), rows, keepdim=True)
    out = (amax if ord > 0 else amin)(sums, cols, keepdim=True)
    if keepdim:
        return out
    return out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in dims))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):  # noqa: A002 - torch's names
    """torch.norm: the 2-norm of all elements by default; a number ``p`` is the vector
    p-norm over ``dim``; 'fro' over one or two dims is the 2-norm over them."""
    x = as_tensor(input)
    if dtype is not None:
        x = x.type(dtype)
    if p == "fro" or p is None:
        return vector_norm(x, 2, dim, keepdim)
    expect(not isinstance(p, str), "norm", f"p must be a number or 'fro', got {p!r}")
    return vector_norm(x, p, dim, keepdim)


def dist(input, other, p=2):  # noqa: A002 - torch's names
    """The p-norm of input - other (broadcast), a 0-d tensor."""
    return vector_norm(sub(input, other), p)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M):
    (..., P, R), d[i, j] = ||x1[i] - x2[j]||_p.  For p = 2 with more than 25 rows on a side
    it is one matrix product (``EuclideanDistances``), as PyTorch; else the differences."""
    a, b = floating(x1), floating(x2)
    expect(a.ndim >= 2 and b.ndim >= 2 and a.shape[-1] == b.shape[-1], "cdist",
           f"expects (..., P, M) and (..., R, M), got shapes {tuple(a.shape)} and "
           f"{tuple(b.shape)}")
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
             "donot_use_mm_for_euclid_dist")
    expect(compute_mode is None or compute_mode in modes, "cdist",
           f"compute_mode must be one of {', '.join(modes)}, got {compute_mode!r}")
    large = a.shape[-2] > 25 or b.shape[-2] > 25
    if p == 2 and (compute_mode == modes[1] or large and compute_mode in (None, modes[0])):
        # PyTorch's rule: large sets use the matrix product, not the (P, R, M) differences
        if a.shape[:-2] != b.shape[:-2]:
            batch = numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
            a = a.expand(*batch, *a.shape[-2:])
            b = b.expand(*batch, *b.shape[-2:])
        if a.dtype != b.dtype:
            a, b = a.type(numpy.promote_types(a.dtype, b.dtype)), b.type(
                numpy.promote_types(a.dtype, b.dtype))
        return EuclideanDistances()(a, b)
    pairs = sub(a.unsqueeze(-2), b.unsqueeze(-3))          # (..., P, R, M)
    return vector_norm(pairs, p, -1)
