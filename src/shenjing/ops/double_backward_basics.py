"""Tensor backwards (for ``create_graph=True``) of the primitives of issue 23: the scans,
rearranging ops, scatter, the p-norm and the pointwise math.

The same derivatives as the array backwards beside each forward, written in public ops
so that the gradient gets a graph of its own (see ``double_backward``); each is checked by
``gradgradcheck`` in ``tests/ops/test_double_backward_basics.py``.  CumProd has none yet:
create_graph through it stops with the engine's error naming it.
"""

from .. import backend
from ..autograd.higher_order import register
from ..autograd.tensor import Tensor
from . import norms, pointwise as pw, rearrange as ra, scan, scattering as sc
from .double_backward import _needed, sum_to
from .elementwise import abs, cos, exp, sign, sqrt, where
from .shape import flip, pad


def _const(array):
    return Tensor.from_node(array, None, 0)


@register(scan.CumSum)
def _cumsum(node, gy):
    return flip(scan.CumSum(node.axis)(flip(gy, node.axis)), node.axis)


@register(ra.Clone)
def _clone(node, gy):
    return gy


@register(ra.Roll)
def _roll(node, gy):
    return ra.Roll(tuple(-s for s in node.shifts), node.axes)(gy)


@register(ra.Triangle)
def _triangle(node, gy):
    return ra.Triangle(node.k, node.lower)(gy)


@register(ra.DiagEmbed)
def _diag_embed(node, gy):
    return ra.diagonal(gy, node.k)


@register(pw.Tan)
def _tan(node, gy):
    c = cos(node.inputs[0])
    return gy / (c * c)


@register(pw.Atan)
def _atan(node, gy):
    x = node.inputs[0]
    return gy / (1 + x * x)


@register(pw.Asin)
def _asin(node, gy):
    x = node.inputs[0]
    return gy / sqrt(1 - x * x)


@register(pw.Acos)
def _acos(node, gy):
    x = node.inputs[0]
    return -gy / sqrt(1 - x * x)


@register(pw.Sinh)
def _sinh(node, gy):
    return gy * pw.cosh(node.inputs[0])


@register(pw.Cosh)
def _cosh(node, gy):
    return gy * pw.sinh(node.inputs[0])


@register(pw.Expm1)
def _expm1(node, gy):
    return gy * exp(node.inputs[0])


@register(pw.Atan2)
def _atan2(node, gy):
    y, x = node.inputs
    g = gy / (x * x + y * y)
    return _needed(node, sum_to(g * x, y.shape), sum_to(-g * y, x.shape))


@register(pw.Modulo)
def _modulo(node, gy):
    sa, sb = node.shapes
    return _needed(node, sum_to(gy, sa), sum_to(-gy * _const(node.q), sb))


@register(norms.VectorNorm)
def _vector_norm(node, gy):
    """dy/dx = sign(x) |x|^(p-1) / y^(p-1), 0 where y = 0 (y recomputed with a graph)."""
    x = node.inputs[0]
    y = norms.VectorNorm(node.p, node.dims, True)(x)
    g = gy.reshape(y.shape)       # the reduced dims back as size 1
    if node.p == 1:
        return g * sign(x)
    zero = y.array == 0
    safe = where(zero, 1.0, y)
    if node.p == 2:
        return where(zero, 0.0, g * x / safe)
    return where(zero, 0.0, g * sign(x) * (abs(x) / safe) ** (node.p - 1))


@register(sc.Scatter)
def _scatter(node, gy):
    need_x, need_src = node.needs_input_grad
    gx = gsrc = None
    if need_x:
        gx = gy
        if not node.add:        # the overwritten places of x get nothing
            keep = backend.array_module(gy.array).ones(gy.shape, gy.dtype)
            keep[node.places] = 0
            gx = gy * _const(keep)
    if need_src:
        picked = gy[node.places]
        widths = [w for n, m in reversed(list(zip(picked.shape, node.src_shape)))
                  for w in (0, m - n)]
        gsrc = pad(picked, widths) if any(widths) else picked
    return gx, gsrc
