"""Losses: cross_entropy, nll_loss, binary_cross_entropy (from probabilities and from
logits), mse, l1, huber, smooth_l1, kl_div, multi_margin (and the course's svm_loss),
soft_margin and hinge_embedding, cosine_embedding, margin_ranking, triplet_margin,
poisson_nll, gaussian_nll, multilabel_soft_margin and multilabel_margin, each under
PyTorch's ``torch.nn.functional`` name (CTC is ``ops.ctc``).

Every loss takes ``reduction='none' | 'mean' | 'sum'``: the loss of each element (or row),
their sum, or their mean.  The two hot paths are fused ops with the gradient the course
derives by hand:

- softmax + cross-entropy from logits:  dL/dx = softmax(x) - target distribution
- sigmoid + binary cross-entropy from logits:  dL/dx = sigmoid(x) - t

each computed in one pass from the logits, in the stable log-sum-exp / softplus form, so a
logit of 1000 gives a finite loss and gradient.

Class weights, ``pos_weight`` and the per-element weights are constants, as in PyTorch:
no gradient flows into them.  A target tensor that requires grad gets its gradient
(soft labels of cross_entropy, BCE, KL, the regression losses).

The two fused losses have compiled kernels (``shenjing.kernels.loss``) for their common
case: cross-entropy of (N, C) logits at class indices without label smoothing, and BCE
from logits without ``pos_weight`` or ``weight``.  Each op decides at the top of its
forward; the NumPy code is the definition and runs for everything else.
"""

import warnings

import numpy

from .. import backend, kernels
from ..autograd.function import Function, ShapeError
from ._helpers import as_tensor, sum_to

# ------------------------------------------------------------------ shared pieces


def _reduction(op, reduction, size_average=None, reduce=None, extra=()):
    """Check ``reduction``; the legacy ``size_average`` / ``reduce`` flags override it."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    allowed = ("none", "mean", "sum") + extra
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {', '.join(map(repr, allowed))}, "
                         f"got {reduction!r}")
    return reduction


def _reduce(loss, reduction, divisor):
    """The loss of each element ('none'), their sum, or their sum / ``divisor``, as arrays."""
    if reduction == "none":
        return loss
    xp = backend.array_module(loss)
    total = loss.sum()
    if reduction != "sum":
        with numpy.errstate(divide="ignore", invalid="ignore"):
            total = total / divisor  # 0 / 0 is nan, as in torch, for an empty or all-ignored batch
    return xp.asarray(total, dtype=loss.dtype)


def _spread(gy, reduction, divisor, dtype):
    """dL/d(loss of one element): gy itself, or gy / divisor for a mean (0 if divisor is 0)."""
    if reduction in ("none", "sum"):
        return gy
    inv = 1.0 / float(divisor) if divisor else 0.0
    return gy * backend.array_module(gy).asarray(inv, dtype=dtype)


def _floating_input(op, x):
    x = as_tensor(x)
    if x.array.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating tensor, got {x.dtype}; use input.float()")
    return x


def _target_like(op, target, x):
    """The target as a tensor of the input's dtype (numbers, bools and ints are cast; a cast
    of a tensor keeps its gradient), so float32 losses stay float32."""
    t = as_tensor(target)
    if t.array.dtype.kind not in "biuf":
        raise TypeError(f"{op}: target must be a real tensor, got {t.dtype}")
    return t.type(x.array.dtype)


def _constant(op, name, value, dtype, shape):
    """A weight array of ``dtype`` that broadcasts to ``shape`` (None stays None)."""
    if value is None:
        return None
    w = as_tensor(value).array
    if w.dtype.kind not in "biuf":
        raise TypeError(f"{op}: {name} must be a real tensor, got {w.dtype}")
    try:
        fits = numpy.broadcast_shapes(w.shape, shape) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{op}: {name} has shape {tuple(w.shape)}, which does not broadcast "
                         f"to the input's shape {tuple(shape)}")
    return w.astype(dtype, copy=False)


def _class_weight(op, weight, classes, dtype):
    if weight is None:
        return None
    w = as_tensor(weight).array
    if w.shape != (classes,):
        raise ShapeError(f"{op}: weight has shape {tuple(w.shape)} but the input has {classes} "
                         f"classes, so it needs ({classes},)")
    if w.dtype.kind not in "biuf":
        raise TypeError(f"{op}: weight must be a real tensor, got {w.dtype}")
    return w.astype(dtype, copy=False)


def _class_indices(op, x, target, ignore_index=None, probabilities_ok=False):
    """Check an integer class-index target against scores x of shape (N, C, d1, ...)."""
    y = as_tensor(target).array
    need = x.shape[:1] + x.shape[2:]
    if y.shape != need:
        also = (f" of class indices, or {tuple(x.shape)} of class probabilities"
                if probabilities_ok else "")
        raise ShapeError(f"{op}: target has shape {tuple(y.shape)} but input {tuple(x.shape)} "
                         f"needs {need}{also}")
    if y.dtype.kind not in "iu":
        raise TypeError(f"{op}: a target of shape {tuple(y.shape)} holds class indices and must be "
                        f"an integer tensor, got {y.dtype}; use target.long()")
    classes = x.shape[1]
    bad = (y < 0) | (y >= classes)
    if ignore_index is not None:
        bad &= y != ignore_index
    if bad.any():
        value = int(y[bad].reshape(-1)[0])
        skip = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
        raise IndexError(f"{op}: target {value} is out of range for {classes} classes "
                         f"(valid: 0 to {classes - 1}{skip})")
    return y.astype(numpy.int64, copy=False)


def _batched(op, x, target, target_ndim_if_unbatched):
    """Give an unbatched input (C,) and its target a batch axis of 1; say whether it did."""
    if x.ndim == 0:
        raise ShapeError(f"{op}: input must have a class axis, shape (C,) or (N, C, ...), got ()")
    if x.ndim > 1:
        return x, target, False
    target = as_tensor(target)
    if target.ndim != target_ndim_if_unbatched:
        raise ShapeError(f"{op}: target has shape {tuple(target.shape)} but the unbatched input "
                         f"{tuple(x.shape)} needs () (one class index)")
    return x.reshape(1, -1), target.reshape((1,) + tuple(target.shape)), True


def _unbatch(loss, reduction, unbatched):
    return loss.reshape(()) if unbatched and reduction == "none" else loss


# ------------------------------------------------------------------ cross-entropy family


class CrossEntropy(Function):
    """Softmax cross-entropy from logits: log-softmax and the loss in one op.

    x: (N, C, d1, ...) logits, softmax p along axis 1.  Each row's target is a distribution q,
    from class indices y (q_c = w_y [c = y]) or from probabilities t (q_c = w_c t_c); label
    smoothing eps first mixes in eps/C of the uniform distribution (also weighted by w_c):

        loss_row = -sum_c q_c log p_c = sum_c q_c (logsumexp(x) - x_c)
        dloss_row/dx_c = p_c sum_k q_k - q_c          (softmax minus target)
        dloss_row/dt_c = -(1 - eps) w_c log p_c        (probability targets)

    'mean' divides the sum of the rows by the sum of w_y over the rows not ignored (index
    targets; their count without weights) or by the number of rows (probability targets),
    as torch does.
    """
    reads_inputs = False

    def __init__(self, target, weight, ignore_index, reduction, smoothing):
        self.y, self.w = target, weight  # y is None for probability targets (a second input)
        self.ignore_index, self.reduction, self.eps = ignore_index, reduction, smoothing

    def forward(self, x, t=None):
        weights = () if self.w is None else (self.w,)
        self.fast = (kernels.module("loss") if self.y is not None and not self.eps and x.ndim == 2
                     and x.size and kernels.usable(x, *weights) else None)
        if self.fast is not None:
            return self._forward_kernel(x)
        xp = backend.array_module(x)
        classes, eps = x.shape[1], self.eps
        wb = None if self.w is None else self.w.reshape((1, classes) + (1,) * (x.ndim - 2))
        z = x - x.max(axis=1, keepdims=True)  # shifted logits: exp never overflows
        record = self.needs_input_grad is not None
        if self.y is None:
            e = xp.exp(z)
            s = e.sum(axis=1, keepdims=True)
            z -= xp.log(s)  # z is now log p
            q = t * (1 - eps) + eps / classes if eps else t
            if wb is not None:
                q = q * wb
            loss = -(q * z).sum(axis=1)
            divisor = loss.size
            self.reads_inputs = True  # q may be t itself: an in-place change of t must be caught
            if record:
                e /= s
                self.p, self.q, self.logp, self.wb = e, q, z, wb
        else:
            keep = self.y != self.ignore_index
            idx = xp.expand_dims(xp.where(keep, self.y, 0), 1)
            z_y = xp.take_along_axis(z, idx, axis=1)
            if eps:
                z_sum = (z * wb if wb is not None else z).sum(axis=1, keepdims=True)
            xp.exp(z, out=z)
            s = z.sum(axis=1, keepdims=True)
            lse = xp.log(s)
            if wb is None:
                w_y = None
                loss = (1 - eps) * (lse - z_y)
                if eps:
                    loss += (eps / classes) * (classes * lse - z_sum)
                divisor = int(keep.sum())
            else:
                w_y = xp.expand_dims(self.w[idx[:, 0]], 1)
                loss = (1 - eps) * w_y * (lse - z_y)
                if eps:
                    loss += (eps / classes) * (self.w.sum() * lse - z_sum)
                divisor = float(xp.where(keep, w_y[:, 0], 0).sum())
            loss = xp.where(keep, loss[:, 0], 0).astype(x.dtype, copy=False)
            if record:
                z /= s
                self.p, self.keep, self.idx, self.w_y, self.wb = z, keep, idx, w_y, wb
        self.divisor = divisor
        return _reduce(loss, self.reduction, divisor)

    def backward(self, gy):
        if self.fast is not None:
            return self._backward_kernel(gy)
        xp = backend.array_module(gy)
        a = _spread(gy, self.reduction, self.divisor, gy.dtype)
        p, eps, classes = self.p, self.eps, self.p.shape[1]
        if self.y is None:
            a = xp.expand_dims(xp.broadcast_to(a, p.shape[:1] + p.shape[2:]), 1)
            gx = gt = None
            if self.needs_input_grad[0]:
                gx = a * (p * self.q.sum(axis=1, keepdims=True) - self.q)
            if self.needs_input_grad[1]:
                c = a * (-(1 - eps))
                gt = c * self.logp if self.wb is None else (c * self.wb) * self.logp
            return gx, gt
        a = xp.expand_dims(xp.where(self.keep, a, 0).astype(gy.dtype, copy=False), 1)
        if self.w_y is None:
            gx = p * a
            hit = a * (1 - eps)
            if eps:
                gx -= a * (eps / classes)
        else:
            total = self.w.sum()
            gx = p * (a * ((1 - eps) * self.w_y + (eps / classes) * total))
            hit = a * ((1 - eps) * self.w_y)
            if eps:
                gx -= (a * (eps / classes)) * self.wb
        at_target = xp.take_along_axis(gx, self.idx, axis=1)
        xp.put_along_axis(gx, self.idx, at_target - hit, axis=1)
        return gx

    def _forward_kernel(self, x):
        xc, y = numpy.ascontiguousarray(x), numpy.ascontiguousarray(self.y)
        n, classes = xc.shape
        w = self.w if self.w is not None else numpy.ones(classes, x.dtype)
        loss, row_max, row_log_sum = (numpy.empty(n, x.dtype) for _ in range(3))
        self.fast.cross_entropy_forward(xc, y, numpy.ascontiguousarray(w), self.ignore_index,
                                        loss, row_max, row_log_sum)
        keep = y != self.ignore_index
        if self.w is None:
            self.w_y, divisor = None, int(keep.sum())
        else:
            self.w_y = numpy.where(keep, self.w[numpy.where(keep, y, 0)], 0)
            divisor = float(self.w_y.sum())
        self.reads_inputs = True  # the backward reads x again (for the softmax)
        self.xc, self.yc, self.keep, self.divisor = xc, y, keep, divisor
        self.row_max, self.row_log_sum = row_max, row_log_sum
        return _reduce(loss, self.reduction, divisor)

    def _backward_kernel(self, gy):
        xc = self.xc
        a = numpy.broadcast_to(_spread(gy, self.reduction, self.divisor, gy.dtype), self.keep.shape)
        a = a * self.w_y if self.w_y is not None else numpy.where(self.keep, a, 0)
        gx = numpy.empty_like(xc)
        self.fast.cross_entropy_backward(xc, self.yc, numpy.ascontiguousarray(a, dtype=xc.dtype),
                                         self.row_max, self.row_log_sum, gx)
        return gx


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities x (N, C, d1, ...) at class indices y.

        loss_row = -w_y x[y];   dloss_row/dx_c = -w_y [c = y]

    'mean' divides by the sum of w_y over the rows not ignored, as torch does.
    """
    reads_inputs = False

    def __init__(self, target, weight, ignore_index, reduction):
        self.y, self.w, self.ignore_index, self.reduction = target, weight, ignore_index, reduction

    def forward(self, x):
        xp = backend.array_module(x)
        keep = self.y != self.ignore_index
        idx = xp.expand_dims(xp.where(keep, self.y, 0), 1)
        x_y = xp.take_along_axis(x, idx, axis=1)[:, 0]
        if self.w is None:
            w_y, divisor = None, int(keep.sum())
            loss = xp.where(keep, -x_y, 0)
        else:
            w_y = xp.where(keep, self.w[idx[:, 0]], 0)
            divisor = float(w_y.sum())
            loss = xp.where(keep, -w_y * x_y, 0)  # an ignored row's log-prob may be -inf
        self.shape, self.keep, self.idx, self.w_y, self.divisor = x.shape, keep, idx, w_y, divisor
        return _reduce(loss.astype(x.dtype, copy=False), self.reduction, divisor)

    def backward(self, gy):
        xp = backend.array_module(gy)
        a = _spread(gy, self.reduction, self.divisor, gy.dtype)
        a = -(a * self.w_y if self.w_y is not None else xp.where(self.keep, a, 0))
        gx = xp.zeros(self.shape, gy.dtype)
        xp.put_along_axis(gx, self.idx, xp.expand_dims(a.astype(gy.dtype, copy=False), 1), axis=1)
        return gx


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy between logits and class indices or class probabilities.

    input (N, C) or (N, C, d1, ...) logits (or (C,) for one sample); target (N,) or
    (N, d1, ...) integer class indices, or probabilities of the input's shape (one-hot or
    soft).  ``weight`` (C,) weights each class; targets equal to ``ignore_index`` count
    for nothing; ``label_smoothing`` eps gives each class eps/C of the target mass.

        loss_row = -sum_c q_c log softmax(x)_c,   dL/dx = softmax(x) - q

    >>> x = shenjing.randn(4, 10, requires_grad=True)
    >>> cross_entropy(x, shenjing.tensor([1, 0, 9, 3])).backward()
    """
    op = "cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    x = _floating_input(op, input)
    target = as_tensor(target)
    probabilities = target.shape == x.shape
    if probabilities and target.array.dtype.kind != "f":
        raise TypeError(f"{op}: a target of the input's shape {tuple(x.shape)} holds class "
                        f"probabilities and must be floating, got {target.dtype}; use "
                        f"target.float(), or give class indices of shape "
                        f"{x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()}")
    if probabilities and ignore_index >= 0:
        raise ValueError(f"{op}: ignore_index is not supported for class-probability targets")
    x, target, unbatched = _batched(op, x, target, 1 if probabilities else 0)
    w = _class_weight(op, weight, x.shape[1], x.array.dtype)
    if probabilities:
        loss = CrossEntropy(None, w, ignore_index, reduction, label_smoothing)(
            x, target.type(x.array.dtype))
    else:
        y = _class_indices(op, x.array, target, ignore_index, probabilities_ok=True)
        loss = CrossEntropy(y, w, ignore_index, reduction, label_smoothing)(x)
    return _unbatch(loss, reduction, unbatched)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
             reduce=None, reduction="mean"):
    """Negative log-likelihood: -input[n, target[n]] (times weight[target[n]]).

    input (N, C) or (N, C, d1, ...) log-probabilities (e.g. from log_softmax); target (N,)
    or (N, d1, ...) class indices.  ``cross_entropy(x, y)`` is ``nll_loss(log_softmax(x), y)``
    in one op.
    """
    op = "nll_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    x = _floating_input(op, input)
    x, target, unbatched = _batched(op, x, target, 0)
    w = _class_weight(op, weight, x.shape[1], x.array.dtype)
    y = _class_indices(op, x.array, target, ignore_index)
    return _unbatch(NLLLoss(y, w, ignore_index, reduction)(x), reduction, unbatched)


# ------------------------------------------------------------------ elementwise losses


class _Pointwise(Function):
    """An elementwise loss l(x, t), reduced.  Subclasses write ``value(x, t)`` (keeping what
    they need) and ``slopes(need_x, need_t)`` -> (dl/dx, dl/dt); the reduction, the
    broadcasting of x against t and the per-element weight are handled here once."""

    def __init__(self, reduction, weight=None, divisor=None):
        self.reduction, self.w, self.divisor = reduction, weight, divisor

    def forward(self, x, t):
        loss = self.value(x, t)
        if self.w is not None:
            loss = loss * self.w
        self.shapes = (x.shape, t.shape, loss.shape)
        if self.divisor is None:
            self.divisor = loss.size
        return _reduce(loss, self.reduction, self.divisor)

    def backward(self, gy):
        xp = backend.array_module(gy)
        need_x, need_t = self.needs_input_grad
        g = _spread(gy, self.reduction, self.divisor, gy.dtype)
        if self.w is not None:
            g = g * self.w
        dx, dt = self.slopes(need_x, need_t)
        x_shape, t_shape, shape = self.shapes
        grads = []
        for need, d, s in ((need_x, dx, x_shape), (need_t, dt, t_shape)):
            if not need:
                grads.append(None)
                continue
            d = g * d
            if d.shape != shape:
                d = xp.broadcast_to(d, shape)
            grads.append(sum_to(d, s))
        return tuple(grads)


class MSE(_Pointwise):
    """l = (x - t)^2;  dl/dx = 2 (x - t) = -dl/dt."""

    def value(self, x, t):
        self.d = d = x - t
        return d * d

    def slopes(self, need_x, need_t):
        dx = 2 * self.d
        return dx, (-dx if need_t else None)


class L1(_Pointwise):
    """l = |x - t|;  dl/dx = sign(x - t) = -dl/dt (0 at x = t)."""

    def value(self, x, t):
        self.d = d = x - t
        return backend.array_module(d).abs(d)

    def slopes(self, need_x, need_t):
        dx = backend.array_module(self.d).sign(self.d)
        return dx, (-dx if need_t else None)


class Huber(_Pointwise):
    """l = d^2 / 2 where |d| < delta, else delta (|d| - delta / 2), d = x - t;
    dl/dx = clip(d, -delta, delta).  ``scale`` 1/beta gives smooth-L1."""

    def __init__(self, reduction, delta, scale=1.0, weight=None):
        super().__init__(reduction, weight)
        self.delta, self.scale = delta, scale

    def value(self, x, t):
        xp = backend.array_module(x)
        self.d = d = x - t
        a = xp.abs(d)
        m = xp.minimum(a, self.delta)  # both pieces in one branch-free formula: m (|d| - m / 2)
        loss = m * (a - 0.5 * m)
        return loss * self.scale if self.scale != 1.0 else loss

    def slopes(self, need_x, need_t):
        dx = backend.array_module(self.d).clip(self.d, -self.delta, self.delta)
        if self.scale != 1.0:
            dx = dx * self.scale
        return dx, (-dx if need_t else None)


class KLDiv(_Pointwise):
    """Pointwise KL divergence with x = log q (the model) and target p:
    l = p (log p - x), 0 where p = 0;  dl/dx = -p,  dl/dp = log p + 1 - x.
    With ``log_target`` t = log p:  l = e^t (t - x),  dl/dt = e^t (t - x + 1)."""

    def __init__(self, reduction, log_target, divisor):
        super().__init__(reduction, divisor=divisor)
        self.log_target = log_target

    def value(self, x, t):
        xp = backend.array_module(x)
        self.x = x
        if self.log_target:
            self.p, self.logp = xp.exp(t), t
            return self.p * (t - x)
        self.p = t
        with numpy.errstate(divide="ignore", invalid="ignore"):
            self.logp = xp.log(xp.where(t == 0, 1, t))  # xlogy: 0 log 0 = 0
        return t * self.logp - t * x

    def slopes(self, need_x, need_t):
        dt = None
        if need_t:
            dt = self.logp + 1 - self.x
            dt = dt * self.p if self.log_target else backend.array_module(dt).where(
                self.p == 0, 0, dt)
        return (-self.p if need_x else None), dt


class BCE(_Pointwise):
    """Binary cross-entropy of probabilities x against targets t, logs clamped at -100:

        l = -(t log x + (1 - t) log(1 - x))
        dl/dx = (x - t) / max(x (1 - x), 1e-12),   dl/dt = log(1 - x) - log x
    """

    def value(self, x, t):
        xp = backend.array_module(x)
        with numpy.errstate(divide="ignore"):
            self.log_x = xp.maximum(xp.log(x), -100)
            self.log_1mx = xp.maximum(xp.log1p(-x), -100)
        self.x, self.t = x, t
        return (t - 1) * self.log_1mx - t * self.log_x

    def slopes(self, need_x, need_t):
        xp = backend.array_module(self.x)
        x = self.x
        dx = (x - self.t) / xp.maximum((1 - x) * x, 1e-12) if need_x else None
        return dx, (self.log_1mx - self.log_x if need_t else None)


class BCEWithLogits(_Pointwise):
    """Sigmoid + binary cross-entropy from logits x, in the stable softplus form:

        l = (1 - t) x + (1 + (pw - 1) t) softplus(-x)       [= -pw t log s - (1 - t) log(1 - s)]
        dl/dx = (1 + (pw - 1) t) s - pw t                    [= s - t when pw = 1]
        dl/dt = -x + (pw - 1) softplus(-x)

    with s = sigmoid(x) and pw the ``pos_weight`` of the positive class.
    """

    def __init__(self, reduction, weight, pos_weight):
        super().__init__(reduction, weight)
        self.pw = pos_weight

    def forward(self, x, t):
        self.fast = (kernels.module("loss") if self.pw is None and self.w is None
                     and x.shape == t.shape and x.flags.c_contiguous and t.flags.c_contiguous
                     and kernels.usable(x, t) else None)
        if self.fast is None:
            return super().forward(x, t)
        self.x, self.t = x, t
        loss = numpy.empty(x.shape, x.dtype)
        self.fast.bce_logits_forward(x.reshape(-1), t.reshape(-1), loss.reshape(-1))
        self.divisor = loss.size
        return _reduce(loss, self.reduction, self.divisor)

    def backward(self, gy):
        if self.fast is None:
            return super().backward(gy)
        need_x, need_t = self.needs_input_grad
        x = self.x
        g = _spread(gy, self.reduction, self.divisor, gy.dtype)
        dx = dt = None
        if need_x:
            dx = numpy.empty(x.shape, x.dtype)
            scale = x.dtype.type(g) if g.ndim == 0 else x.dtype.type(1)
            self.fast.bce_logits_backward(x.reshape(-1), self.t.reshape(-1), scale, dx.reshape(-1))
            if g.ndim:
                dx *= g
        if need_t:
            dt = g * -x
        return dx, dt

    def value(self, x, t):
        xp = backend.array_module(x)
        self.x, self.t = x, t
        self.e = e = xp.exp(-xp.abs(x))  # shared by softplus(-x) and sigmoid(x); never overflows
        self.sp = sp = xp.maximum(-x, 0) + xp.log1p(e)
        if self.pw is None:
            self.lw = None
            return (1 - t) * x + sp
        self.lw = lw = 1 + (self.pw - 1) * t
        return (1 - t) * x + lw * sp

    def slopes(self, need_x, need_t):
        dx = dt = None
        if need_x:
            # sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) below, e = exp(-|x|):
            # max(e, x >= 0) picks the numerator without a branchy (slow) where
            s = backend.array_module(self.x).maximum(self.e, self.x >= 0) / (1 + self.e)
            dx = s - self.t if self.pw is None else self.lw * s - self.pw * self.t
        if need_t:
            dt = -self.x if self.pw is None else (self.pw - 1) * self.sp - self.x
        return dx, dt


def _regression_target(op, input, target, warn=True):
    x = _floating_input(op, input)
    t = _target_like(op, target, x)
    if t.shape != x.shape:
        try:
            numpy.broadcast_shapes(t.shape, x.shape)
        except ValueError:
            raise ShapeError(f"{op}: target has shape {tuple(t.shape)}, which does not broadcast "
                             f"against the input's shape {tuple(x.shape)}") from None
        if warn:
            warnings.warn(f"{op}: target has shape {tuple(t.shape)} but input {tuple(x.shape)}; "
                          f"they are broadcast, which is likely to give wrong results (as in "
                          f"torch)",
                          UserWarning, stacklevel=3)
    return x, t


def _same_shape_target(op, input, target):
    x = _floating_input(op, input)
    t = _target_like(op, target, x)
    if t.shape != x.shape:
        raise ShapeError(f"{op}: target has shape {tuple(t.shape)} but input {tuple(x.shape)} "
                         f"needs the same shape {tuple(x.shape)}")
    return x, t


def _sample_weight(op, weight, x):
    """torch's per-element ``weight`` of mse / l1 / huber: exactly the input's shape."""
    if weight is None:
        return None
    w = as_tensor(weight).array
    if w.shape != x.shape:
        raise ShapeError(f"{op}: weight has shape {tuple(w.shape)} but input {tuple(x.shape)} "
                         f"needs the same shape")
    return w.astype(x.array.dtype, copy=False)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
             weight=None):
    """Mean squared error (x - t)^2.  ``weight`` (the input's shape) weights each element;
    the weighted 'mean' divides by sum(weight), as torch does."""
    reduction = _reduction("mse_loss", reduction, size_average, reduce)
    x, t = _regression_target("mse_loss", input, target)
    w = _sample_weight("mse_loss", weight, x)
    return MSE(reduction, w, None if w is None else float(w.sum()))(x, t)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
            weight=None):
    """Mean absolute error |x - t|.  ``weight`` as in ``mse_loss``."""
    reduction = _reduction("l1_loss", reduction, size_average, reduce)
    x, t = _regression_target("l1_loss", input, target)
    w = _sample_weight("l1_loss", weight, x)
    return L1(reduction, w, None if w is None else float(w.sum()))(x, t)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    """Huber loss: d^2 / 2 for |d| < delta, delta (|d| - delta / 2) beyond (d = x - t).

    Quadratic near the target, linear (gradient +-delta) far from it.  The weighted 'mean'
    is the mean of weight * loss, as torch does (unlike mse_loss's sum(weight))."""
    reduction = _reduction("huber_loss", reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    x, t = _regression_target("huber_loss", input, target)
    return Huber(reduction, delta, weight=_sample_weight("huber_loss", weight, x))(x, t)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
                   beta=1.0):
    """Smooth L1: d^2 / (2 beta) for |d| < beta, |d| - beta / 2 beyond; huber / beta.
    ``beta=0`` is l1_loss."""
    reduction = _reduction("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    x, t = _regression_target("smooth_l1_loss", input, target)
    if beta == 0:
        return L1(reduction)(x, t)
    return Huber(reduction, beta, scale=1.0 / beta)(x, t)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
           log_target=False):
    """KL(p || q) summed pointwise: p (log p - input), with input = log q (log-probabilities)
    and target p (or log p with ``log_target``).

    ``reduction='batchmean'`` (sum / batch size) is the true KL divergence per sample;
    'mean' divides by the number of elements, as torch does (and warns about)."""
    op = "kl_div"
    reduction = _reduction(op, reduction, size_average, reduce, extra=("batchmean",))
    x, t = _regression_target(op, input, target, warn=False)  # torch broadcasts kl_div silently
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides by the number of elements, not the batch "
                      "size; 'batchmean' gives the KL divergence per sample", UserWarning,
                      stacklevel=2)
    divisor = (x.shape[0] if x.ndim else 1) if reduction == "batchmean" else None
    return KLDiv("mean" if reduction == "batchmean" else reduction, log_target, divisor)(x, t)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    """Binary cross-entropy -(t log x + (1 - t) log(1 - x)) of probabilities x in [0, 1].

    Logs are clamped at -100, so x = 0 or 1 gives a finite loss, as in torch.  From logits,
    ``binary_cross_entropy_with_logits`` is faster and exact for large |logits|."""
    op = "binary_cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    x, t = _same_shape_target(op, input, target)
    a = x.array
    if a.size and (a.min() < 0 or a.max() > 1):
        raise ValueError(f"{op}: input holds probabilities and must lie in [0, 1], found values in "
                         f"[{float(a.min()):.4g}, {float(a.max()):.4g}]; for logits use "
                         f"binary_cross_entropy_with_logits")
    w = _constant(op, "weight", weight, a.dtype, a.shape)
    return BCE(reduction, w)(x, t)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,  # noqa: A002
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable op: (1 - t) x + softplus(-x).

    ``weight`` broadcasts to the input and weights each element; ``pos_weight`` (e.g. (C,)
    for the last axis) multiplies the loss of positive targets: > 1 raises recall.

    >>> logits = shenjing.tensor([100.0, -100.0, 0.0], requires_grad=True)
    >>> binary_cross_entropy_with_logits(logits, shenjing.tensor([0.0, 1.0, 1.0]))  # finite
    """
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(op, reduction, size_average, reduce)
    x, t = _same_shape_target(op, input, target)
    dtype, shape = x.array.dtype, x.shape
    return BCEWithLogits(reduction, _constant(op, "weight", weight, dtype, shape),
                         _constant(op, "pos_weight", pos_weight, dtype, shape))(x, t)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """Two-class logistic loss log(1 + e^(-t x)) for targets t in {-1, 1}."""
    from .activation import softplus
    reduction = _reduction("soft_margin_loss", reduction, size_average, reduce)
    x, t = _same_shape_target("soft_margin_loss", input, target)
    return _reduce_tensor(softplus(-(t * x)), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    """x where t = 1, max(0, margin - x) where t = -1 (x usually a distance)."""
    from .elementwise import clamp, where
    reduction = _reduction("hinge_embedding_loss", reduction, size_average, reduce)
    x = _floating_input("hinge_embedding_loss", input)
    t = as_tensor(target).array
    loss = where(t != 1, clamp(margin - x, min=0), 0.0) + where(t != -1, x, 0.0)
    return _reduce_tensor(loss, reduction)


def _reduce_tensor(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


# ------------------------------------------------------------------ multi-class hinge (SVM)


class MultiMargin(Function):
    """Multi-class hinge loss of scores x (N, C) at class indices y:

        loss_row = sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C
        dloss_row/dx_j = w_y p h_j^(p-1) / C  for j != y,   dloss_row/dx_y = -sum of those

    with h_j = max(0, margin - x_y + x_j).  ``per_class=False`` drops the / C (the course's
    SVM loss).
    """
    reads_inputs = False

    def __init__(self, target, p, margin, weight, reduction, per_class=True):
        self.y, self.p, self.margin, self.w = target, p, margin, weight
        self.reduction, self.per_class = reduction, per_class

    def forward(self, x):
        xp = backend.array_module(x)
        idx = self.y[:, None]
        h = self.margin - xp.take_along_axis(x, idx, axis=1) + x
        xp.put_along_axis(h, idx, 0, axis=1)  # the true class is no margin violation
        xp.maximum(h, 0, out=h)
        scale = 1.0 / x.shape[1] if self.per_class else 1.0
        w_y = None if self.w is None else self.w[self.y][:, None]
        self.h, self.w_y, self.scale = h, w_y, scale
        loss = (h * h if self.p == 2 else h)
        if w_y is not None:
            loss = loss * w_y
        loss = loss.sum(axis=1)
        if scale != 1.0:
            loss *= scale
        return _reduce(loss, self.reduction, loss.size)

    def backward(self, gy):
        xp = backend.array_module(gy)
        h = self.h
        a = _spread(gy, self.reduction, h.shape[0], gy.dtype) * h.dtype.type(self.scale)
        a = xp.broadcast_to(a, h.shape[:1])[:, None]
        if self.w_y is not None:
            a = a * self.w_y
        gx = a * (2 * h) if self.p == 2 else a * (h > 0)
        xp.put_along_axis(gx, self.y[:, None], -gx.sum(axis=1, keepdims=True), axis=1)
        return gx.astype(gy.dtype, copy=False)


def _margin_loss(op, input, target, p, margin, weight, reduction, per_class):
    x = _floating_input(op, input)
    if x.ndim > 2:
        raise ShapeError(f"{op}: input must be (N, C) or (C,), got {tuple(x.shape)}")
    x, target, unbatched = _batched(op, x, target, 0)
    y = _class_indices(op, x.array, target)
    w = _class_weight(op, weight, x.shape[1], x.array.dtype)
    return _unbatch(MultiMargin(y, p, margin, w, reduction, per_class)(x), reduction, unbatched)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,  # noqa: A002
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss: sum_{j != y} max(0, margin - x_y + x_j)^p / C per sample.

    input (N, C) scores, target (N,) class indices, p 1 or 2; ``weight`` (C,) weights each
    sample by its true class.  Note the / C: torch's definition, C times smaller than the
    course's SVM loss (``svm_loss``)."""
    reduction = _reduction("multi_margin_loss", reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p}")
    return _margin_loss("multi_margin_loss", input, target, p, margin, weight, reduction, True)


def svm_loss(input, target, margin=1.0, reduction="mean"):  # noqa: A002
    """The course's multi-class SVM loss: sum_{j != y} max(0, s_j - s_y + margin) per sample,
    averaged over the batch.

    The same as ``multi_margin_loss(input, target, margin=margin) * C``: torch divides each
    sample's sum by the number of classes C, the course (CS231n) does not.

    >>> scores = shenjing.tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0]])
    >>> svm_loss(scores, shenjing.tensor([0, 1]))    # (2.9 + 0) / 2 = 1.45
    """
    reduction = _reduction("svm_loss", reduction)
    return _margin_loss("svm_loss", input, target, 1, margin, None, reduction, False)


# ------------------------------------------------------------------ embedding, ranking and
# likelihood losses (issue 23): compositions of elementwise ops, their gradients for free


def _pm_one(op, target, name="target"):
    """A target of +1 / -1 values as an array."""
    t = as_tensor(target).array
    if t.size and not numpy.isin(t, (-1, 1)).all():
        raise ValueError(f"{op}: {name} must hold 1 or -1, got values "
                         f"{sorted(set(numpy.unique(t).tolist()) - {-1, 1})[:3]}")
    return t


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; cos along the
    last dim, cos = x1 . x2 / sqrt((||x1||^2 + 1e-12) (||x2||^2 + 1e-12)) as torch.
    (N, D), (N, D), (N,) -> (N,) or a scalar."""
    from .elementwise import clamp, sqrt, where
    op = "cosine_embedding_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    x1, x2 = _floating_input(op, input1), _floating_input(op, input2)
    if x1.shape != x2.shape or x1.ndim not in (1, 2):
        raise ShapeError(f"{op}: input1 and input2 must both be (N, D) or (D,), got "
                         f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    y = _pm_one(op, target)
    if y.shape != tuple(x1.shape[:-1]):
        raise ShapeError(f"{op}: target has shape {tuple(y.shape)} but inputs "
                         f"{tuple(x1.shape)} need {tuple(x1.shape[:-1])}")
    eps = 1e-12
    cos = (x1 * x2).sum(-1) / sqrt(((x1 * x1).sum(-1) + eps) * ((x2 * x2).sum(-1) + eps))
    loss = where(y == 1, 1 - cos, clamp(cos - margin, min=0))
    return _reduce_tensor(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -y (x1 - x2) + margin): x1 should rank above x2 where y = 1, below where y = -1.
    Inputs and target broadcast together."""
    from .elementwise import clamp
    op = "margin_ranking_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    x1, x2 = _floating_input(op, input1), _floating_input(op, input2)
    y = _target_like(op, target, x1)
    try:
        numpy.broadcast_shapes(x1.shape, x2.shape, y.shape)
    except ValueError:
        raise ShapeError(f"{op}: input1 {tuple(x1.shape)}, input2 {tuple(x2.shape)} and target "
                         f"{tuple(y.shape)} do not broadcast together") from None
    return _reduce_tensor(clamp(-y * (x1 - x2) + margin, min=0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(d(a, p) - d(a, n) + margin, 0) with d the p-norm distance (``pairwise_distance``):
    pull the positive within ``margin`` of the anchor's distance to the negative.  ``swap``
    uses min(d(a, n), d(p, n)) (the harder negative distance).  (N, D) each -> (N,) or scalar."""
    from .distance import pairwise_distance
    from .elementwise import clamp, minimum
    op = "triplet_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    a, pos, neg = (_floating_input(op, t) for t in (anchor, positive, negative))
    if not (a.ndim == pos.ndim == neg.ndim) or a.ndim not in (1, 2):
        raise ShapeError(f"{op}: anchor, positive and negative must all be (N, D) or (D,), got "
                         f"{tuple(a.shape)}, {tuple(pos.shape)} and {tuple(neg.shape)}")
    if margin <= 0:
        raise ValueError(f"{op}: margin must be positive, got {margin}")
    d_ap = pairwise_distance(a, pos, p, eps)
    d_an = pairwise_distance(a, neg, p, eps)
    if swap:
        d_an = minimum(d_an, pairwise_distance(pos, neg, p, eps))
    return _reduce_tensor(clamp(d_ap - d_an + margin, min=0), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None,  # noqa: A002
                     eps=1e-8, reduce=None, reduction="mean"):
    """Negative log-likelihood of a Poisson target t with rate lambda:
    e^x - t x with ``log_input`` (x = log lambda), else x - t log(x + eps) (x = lambda);
    ``full`` adds Stirling's t log t - t + log(2 pi t) / 2 where t > 1."""
    from .elementwise import clamp, exp, log, where
    op = "poisson_nll_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    x, t = _regression_target(op, input, target, warn=False)
    loss = exp(x) - t * x if log_input else x - t * log(x + eps)
    if full:
        s = clamp(t, min=1)     # where t <= 1 the term is 0: keep log's gradient finite there
        stirling = s * log(s) - s + 0.5 * log(2 * numpy.pi * s)
        loss = loss + where(t > 1, stirling, 0.0)
    return _reduce_tensor(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    """Negative log-likelihood of target t under N(input, var):
    (log max(var, eps) + (x - t)^2 / max(var, eps)) / 2 (+ log(2 pi) / 2 with ``full``).
    ``var`` has the input's shape, or that shape with the last dim 1 or dropped (one variance
    per sample, homoscedastic).  As torch, the clamp at eps passes var's gradient unchanged."""
    from ..autograd.tensor import Tensor
    from .elementwise import log
    op = "gaussian_nll_loss"
    reduction = _reduction(op, reduction)
    x, t = _regression_target(op, input, target, warn=False)
    v = _target_like(op, var, x)
    if v.shape != x.shape:
        if x.ndim and v.shape == x.shape[:-1]:
            v = v.unsqueeze(-1)
        elif not (x.ndim and v.shape == x.shape[:-1] + (1,)):
            raise ShapeError(f"{op}: var has shape {tuple(v.shape)} but input {tuple(x.shape)} "
                             f"needs {tuple(x.shape)}, {tuple(x.shape[:-1]) + (1,)} or "
                             f"{tuple(x.shape[:-1])}")
    if (v.array < 0).any():
        raise ValueError(f"{op}: var has negative entries")
    v = v + Tensor(numpy.maximum(v.array, eps) - v.array)   # clamp, with an identity gradient
    loss = 0.5 * (log(v) + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * float(numpy.log(2 * numpy.pi))
    return _reduce_tensor(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None,  # noqa: A002
                                reduce=None, reduction="mean"):
    """One-vs-all logistic loss of (N, C) scores against 0/1 multi-label targets:
    -mean_c w_c (t_c log sigmoid(x_c) + (1 - t_c) log sigmoid(-x_c)), one value per sample."""
    from .activation import logsigmoid
    op = "multilabel_soft_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    x, t = _same_shape_target(op, input, target)
    if x.ndim not in (1, 2):
        raise ShapeError(f"{op}: input must be (N, C) or (C,), got {tuple(x.shape)}")
    loss = -(t * logsigmoid(x) + (1 - t) * logsigmoid(-x))
    w = _constant(op, "weight", weight, x.array.dtype, tuple(x.shape))
    if w is not None:
        loss = loss * as_tensor(w)
    return _reduce_tensor(loss.mean(-1), reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                           reduction="mean"):
    """Multi-label hinge loss: for each sample, sum over its target classes j and the other
    classes i of max(0, 1 - (x_j - x_i)), / C.  ``target`` (N, C) holds the class indices
    of each sample, ended by the first -1."""
    from .activation import relu
    op = "multilabel_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    x = _floating_input(op, input)
    y = as_tensor(target).array
    if x.ndim not in (1, 2) or y.shape != tuple(x.shape):
        raise ShapeError(f"{op}: input must be (N, C) or (C,) and target the same shape, got "
                         f"{tuple(x.shape)} and {tuple(y.shape)}")
    if y.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices, got {y.dtype}")
    x2, y2 = (x, y) if x.ndim == 2 else (x.reshape(1, -1), y.reshape(1, -1))
    n, c = y2.shape
    is_target = numpy.zeros((n, c), bool)
    for row in range(n):
        labels = y2[row]
        stop = numpy.flatnonzero(labels < 0)
        labels = labels[:stop[0]] if stop.size else labels
        if labels.size and labels.max() >= c:
            raise IndexError(f"{op}: target {int(labels.max())} is out of range for {c} classes")
        is_target[row, labels] = True
    pairs = (is_target[:, :, None] & ~is_target[:, None, :]).astype(x.array.dtype)  # (j, i)
    hinge = relu(1 - x2.unsqueeze(2) + x2.unsqueeze(1)) * as_tensor(pairs)
    loss = hinge.sum((1, 2)) / c
    return _reduce_tensor(loss if x.ndim == 2 else loss.reshape(()), reduction)
