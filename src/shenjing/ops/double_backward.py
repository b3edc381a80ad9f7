"""Backward passes written in differentiable tensor ops, for gradients of gradients.

``autograd.grad(..., create_graph=True)`` (and ``backward(create_graph=True)``) asks each
node for its backward as tensor ops so that the gradient gets a graph of its own.  The
array ``backward`` beside each op's forward stays the fast path of ordinary training
(kernels, in-place buffers); the functions here are the same derivative, composed from the
public ops, and run only when a graph of the backward is wanted.  Each is checked against
the array backward (same first gradient) and against central differences of itself
(``gradgradcheck``) in ``tests/autograd/test_double_backward.py``.

Masks that do not depend smoothly on the inputs (relu's x > 0, clamp's range, targets of a
loss) are constants here, exactly as in the array backward.  Fused ops (norms, conv, gelu,
...) get theirs from their definition in primitives (``double_backward_fused``).  Ops not
listed raise "double backward is not supported for <Op> yet" when create_graph reaches them.
"""

import math

import numpy

from .. import backend
from ..autograd.function import Function
from ..autograd.higher_order import register
from ..autograd.tensor import Cast, Tensor
from . import activation as act
from . import arithmetic as ar
from . import dropout as dr
from . import elementwise as el
from . import indexing as ix
from . import linalg as la
from . import loss as lo
from . import reduction as rd
from . import shape as sh
from . import special as sp


def sum_to(g, shape):
    """The tensor version of ``_helpers.sum_to``: sum ``g`` over the broadcast axes."""
    if g.shape == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    return sh.reshape(rd.sum(g, axes, keepdim=True), tuple(shape))


def _const(array):
    return Tensor.from_node(array, None, 0)


def _needed(node, *grads):
    return tuple(g if need else None for g, need in zip(grads, node.needs_input_grad))


# ------------------------------------------------------------------ arithmetic


@register(ar.Add)
def _add(node, gy):
    sa, sb = node.shapes
    need_a, need_b = node.needs_input_grad
    return (sum_to(gy, sa) if need_a else None), (sum_to(gy, sb) if need_b else None)


@register(ar.Sub)
def _sub(node, gy):
    sa, sb = node.shapes
    need_a, need_b = node.needs_input_grad
    return (sum_to(gy, sa) if need_a else None), (sum_to(-gy, sb) if need_b else None)


@register(ar.Mul)
def _mul(node, gy):
    a, b = node.inputs
    need_a, need_b = node.needs_input_grad
    return (sum_to(gy * b, a.shape) if need_a else None), \
           (sum_to(gy * a, b.shape) if need_b else None)


@register(ar.Div)
def _div(node, gy):
    a, b = node.inputs
    need_a, need_b = node.needs_input_grad
    ga = gy / b
    return (sum_to(ga, a.shape) if need_a else None), \
           (sum_to(-ga * a / b, b.shape) if need_b else None)


@register(ar.Neg)
def _neg(node, gy):
    return -gy


@register(ar.PowScalar)
def _pow_scalar(node, gy):
    (x,), p = node.inputs, node.p
    if p == 0:
        return gy * 0
    return gy * (p * ar.pow(x, p - 1))


@register(ar.Pow)
def _pow(node, gy):
    a, b = node.inputs
    need_a, need_b = node.needs_input_grad
    ga = gb = None
    aa, ba = a.array, b.array
    if need_a:
        with numpy.errstate(divide="ignore", invalid="ignore"):
            da = el.where(ba == 0, 0.0, b * ar.pow(a, b - 1))
        ga = sum_to(gy * da, a.shape)
    if need_b:
        log_a = el.log(el.where(aa == 0, 1.0, a))
        db = el.where((aa == 0) & (ba >= 0), 0.0, ar.pow(a, b) * log_a)
        gb = sum_to(gy * db, b.shape)
    return ga, gb


@register(Cast)
def _cast(node, gy):
    return gy.type(node.in_dtype) if node.in_dtype.kind == "f" else None


# ------------------------------------------------------------------ elementwise


@register(el.Exp)
def _exp(node, gy):
    return gy * el.exp(node.inputs[0])


@register(el.Log)
def _log(node, gy):
    return gy / node.inputs[0]


@register(el.Log1p)
def _log1p(node, gy):
    return gy / (1 + node.inputs[0])


@register(el.Sqrt)
def _sqrt(node, gy):
    return gy / (2 * el.sqrt(node.inputs[0]))


@register(el.Abs)
def _abs(node, gy):
    x = node.inputs[0].array
    return gy * _const(backend.array_module(x).sign(x))


@register(el.Sin)
def _sin(node, gy):
    return gy * el.cos(node.inputs[0])


@register(el.Cos)
def _cos(node, gy):
    return -gy * el.sin(node.inputs[0])


@register(el.Clamp)
def _clamp(node, gy):
    x = node.inputs[0].array
    inside = numpy.ones(x.shape, bool)
    if node.low is not None:
        inside &= x >= node.low
    if node.high is not None:
        inside &= x <= node.high
    return gy * _const(inside.astype(gy.dtype))


@register(el.Where)
def _where(node, gy):
    sa, sb = node.shapes
    need_a, need_b = node.needs_input_grad
    c = node.condition
    return (sum_to(el.where(c, gy, 0.0), sa) if need_a else None), \
           (sum_to(el.where(c, 0.0, gy), sb) if need_b else None)


# ------------------------------------------------------------------ activations


@register(act.ReLU)
def _relu(node, gy):
    return gy * _const((node.y > 0).astype(gy.dtype))


@register(act.LeakyReLU)
def _leaky_relu(node, gy):
    return el.where(node.inputs[0].array > 0, gy, gy * node.slope)


@register(act.Hardtanh)
def _hardtanh(node, gy):
    x = node.inputs[0].array
    return gy * _const(((x > node.low) & (x < node.high)).astype(gy.dtype))


@register(act.Sigmoid)
def _sigmoid(node, gy):
    y = act.sigmoid(node.inputs[0])
    return gy * y * (1 - y)


@register(act.Tanh)
def _tanh(node, gy):
    y = act.tanh(node.inputs[0])
    return gy * (1 - y * y)


@register(act.SiLU)
def _silu(node, gy):
    x = node.inputs[0]
    s = act.sigmoid(x)
    return gy * s * (1 + x * (1 - s))


@register(act.ELU)
def _elu(node, gy):
    x = node.inputs[0]
    slope = el.where(x.array > 0, 1.0, node.alpha * el.exp(el.minimum(x, 0.0)))
    return gy * slope * node.scale if node.scale != 1.0 else gy * slope


@register(act.Softplus)
def _softplus(node, gy):
    x = node.inputs[0]
    z = x * node.beta if node.beta != 1 else x
    return el.where(node.z > node.threshold, gy, gy * act.sigmoid(z))


@register(act.Hardsigmoid)
def _hardsigmoid(node, gy):
    x = node.inputs[0].array
    return gy * _const((((x > -3) & (x < 3)) / 6).astype(gy.dtype))


@register(act.Hardswish)
def _hardswish(node, gy):
    x = node.inputs[0]
    a = x.array
    middle = el.where((a > -3) & (a < 3), x / 3 + 0.5, 0.0)  # the only part that bends
    return gy * (middle + _const((a >= 3).astype(gy.dtype)))


@register(act.Softmax)
def _softmax(node, gy):
    y = act.Softmax(node.axis)(node.inputs[0])
    gy_y = gy * y
    return gy_y - y * rd.sum(gy_y, node.axis, keepdim=True)


@register(act.LogSoftmax)
def _log_softmax(node, gy):
    p = act.Softmax(node.axis)(node.inputs[0])
    return gy - p * rd.sum(gy, node.axis, keepdim=True)


# ------------------------------------------------------------------ reductions and shapes


def _unreduce(gy, shape, dims, keepdim):
    """gy with the reduced axes put back (size 1), broadcast to ``shape``."""
    if dims is None:
        kept = (1,) * len(shape)
    elif keepdim:
        kept = gy.shape
    else:
        kept = tuple(1 if i in dims else n for i, n in enumerate(shape))
    return sh.broadcast_to(sh.reshape(gy, kept), shape)


@register(rd.Sum)
def _sum(node, gy):
    return _unreduce(gy, node.shape, node.dims, node.keepdim)


@register(rd.Mean)
def _mean(node, gy):
    return _unreduce(gy, node.shape, node.dims, node.keepdim) / rd._count(node.shape, node.dims)


@register(sh.Reshape)
def _reshape(node, gy):
    return sh.reshape(gy, node.in_shape)


@register(sh.Permute)
def _permute(node, gy):
    return sh.permute(gy, tuple(int(i) for i in numpy.argsort(node.order)))


@register(sh.BroadcastTo)
def _broadcast_to(node, gy):
    return sum_to(gy, node.in_shape)


class ScatterItem(Function):
    """y = zeros(shape) with g put at ``index`` (added where read twice): the backward of
    ``x[index]`` as an op of its own, so that it can be differentiated again (its backward
    reads the gradient at ``index``)."""
    reads_inputs = False

    def __init__(self, shape, index, advanced):
        self.shape, self.index, self.advanced = shape, index, advanced

    def forward(self, g):
        return ix.GetItem.backward(self, g)  # the same scatter as getitem's array backward

    def backward(self, gy):
        return gy[self.index]


@register(ix.GetItem)
def _getitem(node, gy):
    return ScatterItem(node.shape, node.index, node.advanced)(gy)


@register(ScatterItem)
def _scatter_item(node, gy):
    return ix.GetItem(node.index, node.advanced)(gy)


# ------------------------------------------------------------------ matrix products


@register(la.MatMul)
def _matmul(node, gy):
    a, b = node.inputs
    need_a, need_b = node.needs_input_grad
    if a.ndim == 1 and b.ndim == 1:
        return (gy * b if need_a else None), (gy * a if need_b else None)
    a2 = sh.unsqueeze(a, 0) if a.ndim == 1 else a
    b2 = sh.unsqueeze(b, -1) if b.ndim == 1 else b
    g2 = gy
    if a.ndim == 1:
        g2 = sh.unsqueeze(g2, -2)
    if b.ndim == 1:
        g2 = sh.unsqueeze(g2, -1)
    ga = gb = None
    if need_a:
        ga = sh.reshape(sum_to(la.matmul(g2, sh.transpose(b2, -1, -2)), a2.shape), a.shape)
    if need_b:
        gb = sh.reshape(sum_to(la.matmul(sh.transpose(a2, -1, -2), g2), b2.shape), b.shape)
    return ga, gb


@register(la.Linear)
def _linear(node, gy):
    x, w = node.inputs[0], node.inputs[1]
    needs = node.needs_input_grad
    g2 = sh.reshape(gy, (-1, gy.shape[-1]))
    gx = gw = gb = None
    if needs[0]:
        gx = la.matmul(gy, sh.t(w) if node.kernel else w)
    if needs[1]:
        x2 = sh.reshape(x, (-1, x.shape[-1]))
        gw = la.matmul(sh.t(x2), g2) if node.kernel else la.matmul(sh.t(g2), x2)
    if len(needs) > 2 and needs[2]:
        gb = rd.sum(g2, 0)
    return gx, gw, gb


# ------------------------------------------------------------------ losses


def _spread(node, gy):
    """dL/d(loss of one element) as a tensor: gy, or gy / divisor for a mean."""
    if node.reduction in ("none", "sum"):
        return gy
    return gy * (1.0 / float(node.divisor) if node.divisor else 0.0)


@register(lo.MSE)
def _mse(node, gy):
    x, t = node.inputs
    x_shape, t_shape, shape = node.shapes
    g = _spread(node, gy)
    if node.w is not None:
        g = g * _const(node.w)
    d = sh.broadcast_to(g * (2 * (x - t)), shape)
    need_x, need_t = node.needs_input_grad
    return (sum_to(d, x_shape) if need_x else None), (sum_to(-d, t_shape) if need_t else None)


def _per_row(node, gy, ndim):
    """dL/d(loss of each row) shaped to broadcast against (N, C, d1, ...)."""
    a = _spread(node, gy)
    return sh.unsqueeze(a, 1) if node.reduction == "none" else sh.reshape(a, (1,) * ndim)


def _class_targets(node, x, eps):
    """The constant target distribution q (N, C, ...) of index targets: weighted one-hot,
    label smoothing and ignored rows folded in (loss_row = sum_c q_c (lse - x_c))."""
    xp = backend.array_module(x.array)
    classes = x.shape[1]
    keep = node.y != node.ignore_index
    y = xp.expand_dims(xp.where(keep, node.y, 0), 1)
    onehot = (y == xp.arange(classes).reshape((1, classes) + (1,) * (x.ndim - 2)))
    w = (xp.ones(classes, x.dtype) if node.w is None else node.w).reshape(
        (1, classes) + (1,) * (x.ndim - 2))
    w_y = (onehot * w).sum(axis=1, keepdims=True)
    q = (1 - eps) * onehot * w_y
    if eps:
        q = q + (eps / classes) * w
    return (q * xp.expand_dims(keep, 1)).astype(x.dtype)


@register(lo.CrossEntropy)
def _cross_entropy(node, gy):
    x = node.inputs[0]
    a = _per_row(node, gy, x.ndim)
    if node.y is not None:
        q = _const(_class_targets(node, x, node.eps))
        return a * (act.softmax(x, 1) * rd.sum(q, 1, keepdim=True) - q)
    t = node.inputs[1]
    eps, classes = node.eps, x.shape[1]
    q = t * (1 - eps) + eps / classes if eps else t
    wb = None if node.w is None else _const(node.w.reshape((1, classes) + (1,) * (x.ndim - 2)))
    if wb is not None:
        q = q * wb
    need_x, need_t = node.needs_input_grad
    gx = gt = None
    if need_x:
        gx = a * (act.softmax(x, 1) * rd.sum(q, 1, keepdim=True) - q)
    if need_t:
        c = a * (-(1 - eps))
        gt = c * act.log_softmax(x, 1) if wb is None else c * wb * act.log_softmax(x, 1)
    return gx, gt


@register(lo.NLLLoss)
def _nll_loss(node, gy):
    x = node.inputs[0]
    return _per_row(node, gy, x.ndim) * _const(-_class_targets(node, x, 0.0))


# ------------------------------------------------------------------ more elementwise, dropout, L1


@register(sp.Erf)
def _erf(node, gy):
    x = node.inputs[0]
    return gy * ((2 / math.sqrt(math.pi)) * el.exp(-x * x))


@register(dr.Dropout)
def _dropout(node, gy):
    mask = getattr(node, "mask", None)
    if mask is None:  # the kernel path kept the uniform numbers instead
        mask = ((node.u >= node.p) * (1 / (1 - node.p))).astype(gy.dtype)
    return gy * _const(mask)


@register(lo.L1)
def _l1(node, gy):
    x, t = node.inputs
    x_shape, t_shape, shape = node.shapes
    g = _spread(node, gy)
    if node.w is not None:
        g = g * _const(node.w)
    d = sh.broadcast_to(g * _const(numpy.sign(x.array - t.array)), shape)
    need_x, need_t = node.needs_input_grad
    return (sum_to(d, x_shape) if need_x else None), (sum_to(-d, t_shape) if need_t else None)


# ------------------------------------------------------------------ joins, splits, extremes


def _slice_along(g, axis, start, stop):
    return g[(slice(None),) * axis + (slice(start, stop),)]


@register(sh.Concatenate)
def _concatenate(node, gy):
    bounds = numpy.concatenate([[0], numpy.cumsum(node.sizes)])
    return tuple(_slice_along(gy, node.axis, int(lo), int(hi)) if need else None
                 for lo, hi, need in zip(bounds[:-1], bounds[1:], node.needs_input_grad))


@register(sh.Stack)
def _stack(node, gy):
    index = (slice(None),) * node.axis
    return tuple(gy[index + (i,)] if need else None
                 for i, need in enumerate(node.needs_input_grad))


@register(sh.Split)
def _split(node, *gys):
    return sh.cat(list(gys), node.axis)


@register(sh.Pad)
def _pad(node, gy):
    return gy[tuple(slice(lo, gy.shape[i] - hi) for i, (lo, hi) in enumerate(node.widths))]


@register(sh.Flip)
def _flip(node, gy):
    return sh.flip(gy, node.dims)


@register(rd.MaxMin)
def _max_min(node, gy):
    x = node.inputs[0].array
    hit = x == node.y_kept
    share = hit / hit.sum(axis=node.dims, keepdims=True)  # ties share the gradient evenly
    return _unreduce(gy, x.shape, node.dims, node.keepdim) * _const(share.astype(gy.dtype))
