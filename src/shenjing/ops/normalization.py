"""Normalisation with fused backward: batch norm and layer norm (group and instance norm
build on the same core).

Forward, over the reduced axes of m elements:
    mu = mean(x),  var = mean((x - mu)^2),  x_hat = (x - mu) / sqrt(var + eps),
    y = gamma * x_hat + beta.
Backward, with g = dL/dy * gamma (the gradient at x_hat):
    dL/dx = (1 / sigma) * (g - (sum(g) + x_hat * sum(g * x_hat)) / m),
    dL/dgamma = sum(dL/dy * x_hat),  dL/dbeta = sum(dL/dy)
— three reductions instead of the dozen a composed graph would take. Batch norm's gamma
is per channel, so sum(g) = gamma dL/dbeta and sum(g x_hat) = gamma dL/dgamma: its
backward needs only the two parameter gradients, taken as matrix-vector products.

Batch norm and layer norm have compiled kernels (``shenjing.kernels.normalization``): the
statistics in one pass, the output in a second, the backward's sums and dx in two.  The
NumPy code below is their definition and runs wherever the kernels do not apply.
"""

import numpy

from .. import backend, kernels, parallel
from ..autograd.function import Function
from ._helpers import channel_sums, expect

#: arrays of at least this many elements have their kernel passes split over the cores
#: (below it, on 2 cores, the pool's hand-offs cost more than the second core gives)
SPLIT_SIZE = 1 << 21


def _param_shape(ndim, axis):
    shape = [1] * ndim
    shape[axis] = -1
    return tuple(shape)


def _normalized_input_grad(g, x_hat, inv_std, sum_g, sum_gx, m):
    """dL/dx = inv_std * (g - (sum_g + x_hat * sum_gx) / m) for x_hat standardised over m
    elements, g = dL/dx_hat, sum_g = sum(g), sum_gx = sum(g * x_hat) (all broadcastable;
    a per-channel factor of g may be folded into inv_std and the sums)."""
    gx = g * inv_std
    gx -= x_hat * (inv_std * sum_gx / m)
    gx -= inv_std * sum_g / m
    return gx


def _standardized_grad(g, x_hat, inv_std, axes, m):
    """dL/dx from g = dL/dx_hat, x_hat standardised over ``axes`` (m elements each)."""
    sum_g = g.sum(axis=axes, keepdims=True)
    sum_gx = (g * x_hat).sum(axis=axes, keepdims=True)
    return _normalized_input_grad(g, x_hat, inv_std, sum_g, sum_gx, m)


# ------------------------------------------------------------------ kernel plumbing


class _ChannelView:
    """How batch norm's kernels see an array of x's shape: C-contiguous memory as planes
    (A, C, L), anything else as rows (M, C) with the channels innermost; the view of x
    itself is free for the usual layouts (channels-first, channels-last, (N, C)), and
    any other layout is copied into rows."""

    def __init__(self, x, axis):
        self.shape, c = x.shape, x.shape[axis]
        self.last = tuple(i for i in range(x.ndim) if i != axis) + (axis,)  # channels last
        self.back = tuple(numpy.argsort(self.last))
        last = x.transpose(self.last)
        self.rows = last.flags.c_contiguous or not x.flags.c_contiguous
        if self.rows:
            self.moved, self.view_shape = last.shape, (x.size // c, c)
        else:
            lead = 1
            for n in x.shape[:axis]:
                lead *= n
            self.view_shape = (lead, c, x.size // (lead * c))

    def view(self, a):
        """a (of x's shape) as the kernel's C-contiguous view; a copy if its memory differs."""
        if self.rows:
            a = a.transpose(self.last)
        return numpy.ascontiguousarray(a).reshape(self.view_shape)

    def unview(self, v):
        """A view-shaped array as an array of x's shape (x's memory layout)."""
        if self.rows:
            return v.reshape(self.moved).transpose(self.back)
        return v.reshape(self.shape)


def _parts(size):
    return parallel.workers() if size >= SPLIT_SIZE else 1


def _split(kernel, parts, sliced, rest):
    """kernel(*slices of the ``sliced`` arrays' first axis, *rest) on ``parts`` threads."""
    parallel.map_batch(lambda lo, hi: kernel(*[a[lo:hi] for a in sliced], *rest),
                       len(sliced[0]), parts)


def _split_sums(kernel, width, parts, sliced, rest, extra=()):
    """Two float64 sums of ``width`` from kernel(*slices, *rest, s1, s2, *extra) run over
    slices of the first axis of the ``sliced`` arrays; each slice adds into its own pair
    (and its own row of each ``extra`` array), and the pairs are added in slice order, so
    the result does not depend on which thread finishes first."""
    slices = parallel.shares(len(sliced[0]), parts)
    index = {start: k for k, (start, _) in enumerate(slices)}
    out = numpy.zeros((len(slices), 2, width))

    def run(lo, hi):
        k = index[lo]
        kernel(*[a[lo:hi] for a in sliced], *rest, out[k, 0], out[k, 1], *[e[k] for e in extra])
    parallel.map_batch(run, len(sliced[0]), len(slices))
    total = out[0]
    for k in range(1, len(slices)):
        total = total + out[k]
    return total[0], total[1]


class BatchNorm(Function):
    """Batch normalisation over every axis except the channel ``axis`` (1 for (N, C, ...),
    -1 for channels-last).  In training the batch statistics are used and the running
    statistics (arrays, updated in place) move towards them:
        running = (1 - momentum) * running + momentum * batch   (unbiased batch variance).
    In evaluation the running statistics are used, and y is an affine map of x."""

    def __init__(self, running_mean, running_var, training, momentum, eps, axis):
        self.running_mean, self.running_var = running_mean, running_var
        self.training, self.momentum, self.eps, self.axis = training, momentum, eps, axis

    def forward(self, x, weight=None, bias=None):
        params = [t for t in (weight, bias) if t is not None]
        usable = x.size and kernels.usable(x, *params)
        self.fast = kernels.module("normalization") if usable else None
        if self.fast is not None:
            return self._forward_kernel(x, weight, bias)
        xp = backend.array_module(x)
        axis = self.axis % x.ndim
        axes = tuple(i for i in range(x.ndim) if i != axis)
        shape = _param_shape(x.ndim, axis)
        self.axes, self.shape = axes, shape
        if self.training:
            m = x.size // x.shape[axis]
            expect(m > 1, "batch_norm", f"needs more than one value per channel in training, "
                                        f"got input of shape {x.shape}")
            mean = channel_sums(x, axis) / m
            centered = x - mean.reshape(shape)
            var = channel_sums(centered * centered, axis) / m
            if self.running_mean is not None:
                mo = self.momentum
                self.running_mean *= 1 - mo
                self.running_mean += mo * mean.astype(self.running_mean.dtype)
                self.running_var *= 1 - mo
                self.running_var += (mo * m / (m - 1)) * var.astype(self.running_var.dtype)
            inv_std = 1 / xp.sqrt(var + self.eps)
            x_hat = centered
            x_hat *= inv_std.reshape(shape)
            self.m = m
        else:
            inv_std = (1 / xp.sqrt(self.running_var + self.eps)).astype(x.dtype)
            x_hat = (x - self.running_mean.astype(x.dtype).reshape(shape)) * inv_std.reshape(shape)
        self.x_hat, self.inv_std, self.weight = x_hat, inv_std, weight
        y = x_hat * weight.reshape(shape) if weight is not None else x_hat.copy()
        if bias is not None:
            y += bias.reshape(shape)
        return y

    def backward(self, gy):
        if self.fast is not None:
            return self._backward_kernel(gy)
        x_hat, shape, axis = self.x_hat, self.shape, self.axis % gy.ndim
        needs = self.needs_input_grad
        # scale = gamma / sigma per channel: dL/dx_hat = gamma dL/dy, and x = sigma x_hat + mu
        scale = self.inv_std if self.weight is None else self.inv_std * self.weight
        training_gx = needs[0] and self.training
        gw = gb = None
        if training_gx or (len(needs) > 1 and needs[1]):
            gw = channel_sums(gy * x_hat, axis)
        if training_gx or (len(needs) > 2 and needs[2]):
            gb = channel_sums(gy, axis)
        gx = None
        if training_gx:
            gx = _normalized_input_grad(gy, x_hat, scale.reshape(shape), gb.reshape(shape),
                                        gw.reshape(shape), self.m)
        elif needs[0]:
            gx = gy * scale.reshape(shape)
        return (gx, gw if len(needs) > 1 and needs[1] else None,
                gb if len(needs) > 2 and needs[2] else None)

    def _forward_kernel(self, x, weight, bias):
        fast, axis = self.fast, self.axis % x.ndim
        c, dtype = x.shape[axis], x.dtype
        view = _ChannelView(x, axis)
        xv = view.view(x)
        parts = _parts(x.size)
        if self.training:
            m = x.size // c
            expect(m > 1, "batch_norm", f"needs more than one value per channel in training, "
                                        f"got input of shape {x.shape}")
            shift = numpy.ascontiguousarray(xv[0] if view.rows else xv[0, :, 0])
            moments = fast.rows_moments if view.rows else fast.planes_moments
            s1, s2 = _split_sums(moments, c, parts, (xv,), (shift,))
            mean = shift.astype(numpy.float64) + s1 / m
            var = numpy.maximum(s2 / m - (s1 / m) ** 2, 0.0)
            if self.running_mean is not None:
                mo = self.momentum
                self.running_mean *= 1 - mo
                self.running_mean += mo * mean.astype(self.running_mean.dtype)
                self.running_var *= 1 - mo
                self.running_var += (mo * m / (m - 1)) * var.astype(self.running_var.dtype)
            self.m = m
        else:
            mean = self.running_mean.astype(numpy.float64)
            var = self.running_var.astype(numpy.float64)
        inv_std = 1 / numpy.sqrt(var + self.eps)
        scale = inv_std * weight if weight is not None else inv_std
        mu = mean.astype(dtype)
        shift_out = bias if bias is not None else numpy.zeros(c, dtype)
        yv = numpy.empty(xv.shape, dtype)
        _split(fast.rows_affine if view.rows else fast.planes_affine, parts, (xv, yv),
               (mu, scale.astype(dtype), shift_out))
        self.view, self.xv, self.mu, self.inv_std, self.weight = view, xv, mu, inv_std, weight
        return view.unview(yv)

    def _backward_kernel(self, gy):
        fast, view, xv, mu, inv_std = self.fast, self.view, self.xv, self.mu, self.inv_std
        needs, dtype = self.needs_input_grad, xv.dtype
        want_w, want_b = len(needs) > 1 and needs[1], len(needs) > 2 and needs[2]
        training_gx = needs[0] and self.training
        gv = view.view(gy)
        c, parts = xv.shape[1], _parts(xv.size)
        gw = gb = None
        if training_gx or want_w or want_b:
            moments = fast.rows_grad_moments if view.rows else fast.planes_grad_moments
            gb, sgx = _split_sums(moments, c, parts, (gv, xv), (mu,))
            gw = sgx * inv_std
        gx = None
        if needs[0]:
            scale = inv_std * self.weight if self.weight is not None else inv_std
            if training_gx:   # dx = scale (g - (gb + x_hat gw) / m), x_hat = (x - mu) inv_std
                k2, k3 = -scale * inv_std * gw / self.m, -scale * gb / self.m
            else:
                k2 = k3 = numpy.zeros(c)
            dxv = numpy.empty(xv.shape, dtype)
            _split(fast.rows_input_grad if view.rows else fast.planes_input_grad, parts,
                   (gv, xv, dxv), (mu, scale.astype(dtype), k2.astype(dtype), k3.astype(dtype)))
            gx = view.unview(dxv)
        return (gx, gw.astype(dtype) if want_w else None, gb.astype(dtype) if want_b else None)


class LayerNorm(Function):
    """Layer normalisation over the last ``k`` axes (``normalized_shape``), each sample on
    its own; gamma and beta have the normalised shape."""

    def __init__(self, k, eps):
        self.k, self.eps = k, eps

    def forward(self, x, weight=None, bias=None):
        params = [t for t in (weight, bias) if t is not None]
        usable = x.size and kernels.usable(x, *params)
        self.fast = kernels.module("normalization") if usable else None
        if self.fast is not None:
            return self._forward_kernel(x, weight, bias)
        xp = backend.array_module(x)
        axes = tuple(range(x.ndim - self.k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        x_hat = x - mean
        var = (x_hat * x_hat).mean(axis=axes, keepdims=True)
        inv_std = 1 / xp.sqrt(var + self.eps)
        x_hat *= inv_std
        self.x_hat, self.inv_std, self.axes, self.weight = x_hat, inv_std, axes, weight
        y = x_hat * weight if weight is not None else x_hat.copy()
        if bias is not None:
            y += bias
        return y

    def backward(self, gy):
        if self.fast is not None:
            return self._backward_kernel(gy)
        x_hat, axes = self.x_hat, self.axes
        needs = self.needs_input_grad
        g = gy * self.weight if self.weight is not None else gy
        m = 1
        for a in axes:
            m *= x_hat.shape[a]
        gx = _standardized_grad(g, x_hat, self.inv_std, axes, m) if needs[0] else None
        lead = tuple(range(x_hat.ndim - self.k))
        gw = (gy * x_hat).sum(axis=lead) if len(needs) > 1 and needs[1] else None
        gb = gy.sum(axis=lead) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb

    def _forward_kernel(self, x, weight, bias):
        dtype, features = x.dtype, x.shape[x.ndim - self.k:]
        d = 1
        for n in features:
            d *= n
        rows = x.size // d
        xv = numpy.ascontiguousarray(x).reshape(rows, d)
        w = numpy.ones(d, dtype) if weight is None else numpy.ascontiguousarray(weight).reshape(d)
        b = numpy.zeros(d, dtype) if bias is None else numpy.ascontiguousarray(bias).reshape(d)
        y = numpy.empty((rows, d), dtype)
        mean, inv_std = numpy.empty(rows, dtype), numpy.empty(rows, dtype)
        _split(self.fast.layer_forward, _parts(x.size), (xv, y, mean, inv_std),
               (w, b, float(self.eps)))
        self.xv, self.w, self.mean, self.inv_std, self.features = xv, w, mean, inv_std, features
        return y.reshape(x.shape)

    def _backward_kernel(self, gy):
        xv, needs = self.xv, self.needs_input_grad
        (rows, d), dtype = xv.shape, xv.dtype
        gv = numpy.ascontiguousarray(gy).reshape(rows, d)
        dx = numpy.empty((rows, d), dtype)
        parts = _parts(xv.size)
        scratch = numpy.empty((parts, 2), dtype)
        gw, gb = _split_sums(self.fast.layer_backward, d, parts,
                             (gv, xv, self.mean, self.inv_std, dx), (self.w,), (scratch,))
        gw = gw.astype(dtype).reshape(self.features) if len(needs) > 1 and needs[1] else None
        gb = gb.astype(dtype).reshape(self.features) if len(needs) > 2 and needs[2] else None
        return (dx.reshape(gy.shape) if needs[0] else None), gw, gb


def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5, axis=1):
    """Batch norm of x (N, C, ...) over all axes but ``axis`` (1: channels first).

    ``running_mean``/``running_var`` are tensors of shape (C,) updated in place in training;
    without them (None) training statistics are always used, as PyTorch does.
    """
    expect(x.ndim >= 2, "batch_norm", f"expects input of at least 2 dims (N, C, ...), got {x.shape}")
    c = x.shape[axis]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        expect(t is None or t.shape == (c,), "batch_norm",
               f"{name} must have shape ({c},) for input {x.shape}, got {None if t is None else t.shape}")
    use_batch_stats = training or running_mean is None
    rm = running_mean.array if running_mean is not None else None
    rv = running_var.array if running_var is not None else None
    if running_mean is not None and training:
        running_mean._version += 1
        running_var._version += 1
    op = BatchNorm(rm, rv, use_batch_stats, momentum, eps, axis)
    args = [x] + [t for t in (weight, bias) if t is not None]
    if weight is None and bias is not None:
        raise ValueError("batch_norm: a bias without a weight is not supported")
    return op(*args)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer norm over the trailing dims ``normalized_shape`` of x."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    k = len(normalized_shape)
    expect(tuple(x.shape[x.ndim - k:]) == tuple(normalized_shape), "layer_norm",
           f"input of shape {x.shape} does not end with normalized_shape {tuple(normalized_shape)}")
    if weight is None and bias is not None:
        raise ValueError("layer_norm: a bias without a weight is not supported")
    args = [x] + [t for t in (weight, bias) if t is not None]
    return LayerNorm(k, eps)(*args)


class GroupNorm(Function):
    """Group normalisation of x (N, C, ...): the C channels are split into G groups and each
    (sample, group) is standardised over its channels and positions; then a per-channel
    scale and shift.  G = C is instance norm, G = 1 normalises each sample as a whole."""

    def __init__(self, groups, eps):
        self.groups, self.eps = groups, eps

    def forward(self, x, weight=None, bias=None):
        xp = backend.array_module(x)
        n, c = x.shape[:2]
        grouped = x.reshape(n, self.groups, -1)
        mean = grouped.mean(axis=2, keepdims=True)
        x_hat = grouped - mean
        var = (x_hat * x_hat).mean(axis=2, keepdims=True)
        inv_std = 1 / xp.sqrt(var + self.eps)
        x_hat *= inv_std
        self.inv_std, self.x_hat = inv_std, x_hat
        self.mean, self.var = mean, var  # the instance statistics, for running averages
        x_hat = x_hat.reshape(x.shape)
        shape = _param_shape(x.ndim, 1)
        self.weight, self.shape = weight, shape
        y = x_hat * weight.reshape(shape) if weight is not None else x_hat.copy()
        if bias is not None:
            y += bias.reshape(shape)
        return y

    def backward(self, gy):
        needs = self.needs_input_grad
        x_hat = self.x_hat.reshape(gy.shape)
        axes = tuple(i for i in range(gy.ndim) if i != 1)
        gx = None
        if needs[0]:
            g = gy * self.weight.reshape(self.shape) if self.weight is not None else gy
            grouped = self.x_hat
            gx = _standardized_grad(g.reshape(grouped.shape), grouped, self.inv_std, (2,),
                                    grouped.shape[2]).reshape(gy.shape)
        gw = (gy * x_hat).sum(axis=axes) if len(needs) > 1 and needs[1] else None
        gb = gy.sum(axis=axes) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb


def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    """Group norm of x (N, C, ...) with C divisible by ``num_groups``."""
    expect(x.ndim >= 2, "group_norm", f"expects input (N, C, ...), got shape {x.shape}")
    c = x.shape[1]
    expect(c % num_groups == 0, "group_norm",
           f"{c} channels do not split into {num_groups} groups")
    for name, t in (("weight", weight), ("bias", bias)):
        expect(t is None or t.shape == (c,), "group_norm",
               f"{name} must have shape ({c},), got {None if t is None else t.shape}")
    if weight is None and bias is not None:
        raise ValueError("group_norm: a bias without a weight is not supported")
    args = [x] + [t for t in (weight, bias) if t is not None]
    return GroupNorm(num_groups, eps)(*args)


def instance_norm(x, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance norm of x (N, C, ...): each sample's channel standardised over its positions.

    With ``use_input_stats`` the running statistics (if given) move towards the batch
    average of the instance statistics; without, they are used as batch norm would."""
    if not use_input_stats:
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
    c = x.shape[1]
    op_args = [x] + [t for t in (weight, bias) if t is not None]
    op = GroupNorm(c, eps)
    y = op(*op_args)
    if running_mean is not None:
        n, m = x.shape[0], x.numel() // (x.shape[0] * c)
        mean = op.mean.reshape(n, c).mean(axis=0)
        var = (op.var.reshape(n, c) * (m / max(m - 1, 1))).mean(axis=0)
        for running, batch in ((running_mean, mean), (running_var, var)):
            running.array *= 1 - momentum
            running.array += momentum * batch.astype(running.array.dtype)
            running._version += 1
    return y
