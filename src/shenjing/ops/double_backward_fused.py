"""Second derivatives of the fused ops, from their definition in primitives.

A fused op (layer and batch norm, convolution, gelu, mish, logsumexp, var, BCE from logits)
has a one-pass array backward for training, written by hand.  Its backward as tensor ops
(for ``create_graph=True``) is not derived a second time: ``through_definition`` writes the
forward once more in primitives (the definition of the course) and differentiates that with
``create_graph=True``, so every derivative of it follows from the primitives' own.
"""

import math

import numpy

from .. import backend
from ..autograd.function import Function
from ..autograd.higher_order import register
from . import activation as act
from . import conv as cv
from . import elementwise as el
from . import linalg as la
from . import loss as lo
from . import normalization as norm
from . import reduction as rd
from . import shape as sh
from . import special as sp
from .double_backward import _const


# ------------------------------------------------------------------ the boundary and the helper


class Alias(Function):
    """y = x, a new node: the boundary at which a composite's gradient is collected."""
    reads_inputs = False

    def forward(self, x):
        return x

    def backward(self, gy):
        return gy


register(Alias)(lambda node, gy: gy)


def through_definition(definition):
    """A tensor backward for a fused op: the gradient of ``definition(node, *inputs)``, the
    op's forward written in primitives, taken with create_graph.  The fused op keeps its
    one-pass array backward for training; its second derivative comes from the definition."""
    def backward(node, *gys):
        from ..autograd import grad_mode
        from ..autograd.higher_order import grad
        needs = node.needs_input_grad
        inputs = [Alias()(t) if need else t for t, need in zip(node.inputs, needs)]
        wanted = [t for t, need in zip(inputs, needs) if need]
        with grad_mode.enable_grad():
            outputs = definition(node, *inputs)
            outputs = outputs if type(outputs) is tuple else (outputs,)
            grads = iter(grad(outputs, wanted, grad_outputs=list(gys), create_graph=True,
                              materialize_grads=True, _stop_at_inputs=True))
        return tuple(next(grads) if need else None for need in needs)
    return backward


def _affine(y, weight, bias, shape):
    if weight is not None:
        y = y * sh.reshape(weight, shape)
    if bias is not None:
        y = y + sh.reshape(bias, shape)
    return y


@register(norm.LayerNorm)
@through_definition
def _layer_norm(node, x, weight=None, bias=None):
    """x_hat = (x - mean) / sqrt(var + eps) over the last k axes, then gamma x_hat + beta."""
    axes = tuple(range(x.ndim - node.k, x.ndim))
    centered = x - rd.mean(x, axes, keepdim=True)
    var = rd.mean(centered * centered, axes, keepdim=True)
    return _affine(centered / el.sqrt(var + node.eps), weight, bias, x.shape[x.ndim - node.k:])


@register(norm.BatchNorm)
@through_definition
def _batch_norm(node, x, weight=None, bias=None):
    """Batch statistics per channel in training (biased variance), running ones in eval."""
    axis = node.axis % x.ndim
    axes = tuple(i for i in range(x.ndim) if i != axis)
    shape = tuple(x.shape[axis] if i == axis else 1 for i in range(x.ndim))
    if node.training:
        centered = x - rd.mean(x, axes, keepdim=True)
        var = rd.mean(centered * centered, axes, keepdim=True)
        x_hat = centered / el.sqrt(var + node.eps)
    else:
        mean = _const(node.running_mean.astype(x.dtype).reshape(shape))
        inv_std = 1 / numpy.sqrt(node.running_var.astype(numpy.float64) + node.eps)
        x_hat = (x - mean) * _const(inv_std.astype(x.dtype).reshape(shape))
    return _affine(x_hat, weight, bias, shape)


@register(act.GELU)
@through_definition
def _gelu(node, x):
    if node.approximate == "tanh":
        inner = (x + 0.044715 * x ** 3) * math.sqrt(2 / math.pi)
        return 0.5 * x * (1 + act.tanh(inner))
    return x * (0.5 * (1 + sp.erf(x * (1 / math.sqrt(2)))))


@register(act.Mish)
@through_definition
def _mish(node, x):
    return x * act.tanh(act.softplus(x))


@register(rd.LogSumExp)
@through_definition
def _logsumexp(node, x):
    m = _const(backend.array_module(x.array).where(
        numpy.isfinite(node.y_kept), node.y_kept, 0))  # any constant shift is exact
    y = el.log(rd.sum(el.exp(x - m), node.dims, keepdim=True)) + m
    if not node.keepdim:
        y = sh.reshape(y, ()) if node.dims is None else sh.squeeze(y, node.dims)
    return y


@register(rd.Var)
@through_definition
def _var(node, x):
    centered = x - rd.mean(x, node.dims, keepdim=True)
    return rd.sum(centered * centered, node.dims, keepdim=node.keepdim) / node.denom


@register(lo.BCEWithLogits)
@through_definition
def _bce_with_logits(node, x, t):
    """l = (1 - t) x + (1 + (pw - 1) t) softplus(-x), weighted and reduced."""
    lw = 1 if node.pw is None else 1 + (node.pw - 1) * t
    loss = (1 - t) * x + lw * act.softplus(-x)
    if node.w is not None:
        loss = loss * _const(node.w)
    return _reduce(node, loss)


def _reduce(node, loss):
    if node.reduction == "none":
        return loss
    total = rd.sum(loss)
    return total if node.reduction == "sum" else total / node.divisor


# ------------------------------------------------------------------ convolution


@register(cv.Conv)
@through_definition
def _conv(node, x, w, b=None):
    """The convolution as a sum over kernel offsets of (strided window of padded x) @ w[offset]:
    y[n, o, c_out] = sum_t x_padded[n, o * stride + t * dilation, c_in] w[t, c_in, c_out],
    each group on its own channels.  x (N, C, *S) or channels-last (N, *S, C)."""
    geom, groups, last = node.geom, node.groups, node.channels_last
    d = len(geom.kernel)
    xl = x if last else sh.permute(x, (0,) + tuple(range(2, d + 2)) + (1,))
    if geom.padding:
        xl = sh.Pad(((0, 0),) + tuple(zip(geom.pad_lo, geom.pad_hi)) + ((0, 0),), 0.0)(xl)
    c_out = w.shape[-1] if last else w.shape[0]
    cg, og = xl.shape[-1] // groups, c_out // groups
    outs = []
    for g in range(groups):
        total = None
        for offset, index in geom.windows:
            window = xl[index + (slice(g * cg, (g + 1) * cg),)]            # (N, *out, cg)
            if last:
                wo = w[tuple(offset) + (slice(None), slice(g * og, (g + 1) * og))]   # (cg, og)
            else:
                wo = sh.t(w[(slice(g * og, (g + 1) * og), slice(None)) + tuple(offset)])
            term = la.matmul(window, wo)
            total = term if total is None else total + term
        outs.append(total)
    y = outs[0] if groups == 1 else sh.cat(outs, -1)
    if b is not None:
        y = y + b
    return y if last else sh.permute(y, (0, d + 1) + tuple(range(1, d + 1)))
