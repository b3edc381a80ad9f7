"""Connectionist temporal classification (Graves et al. 2006): the loss of a label
sequence l under per-frame class log-probabilities, summed over every alignment.

An alignment is a path through the extended label l' = (blank, l1, blank, l2, ..., blank)
of length L = 2|l| + 1: at each frame the path stays, moves one step, or skips a blank
between two different labels.  In log space (sums of probabilities become logsumexp):

    forward   a[0, 0] = y[0, blank],  a[0, 1] = y[0, l1]
              a[t, s] = logsumexp(a[t-1, s], a[t-1, s-1], a[t-1, s-2] if skip(s)) + y[t, l's]
    backward  b[T-1, L-1] = y[T-1, l'L-1],  b[T-1, L-2] = y[T-1, l'L-2]
              b[t, s] = logsumexp(b[t+1, s], b[t+1, s+1], b[t+1, s+2] if skip(s+2)) + y[t, l's]
    loss      -log p(l | x) = -logsumexp(a[T-1, L-1], a[T-1, L-2])

skip(s): l's is a label that differs from l's-2.  a[t, s] + b[t, s] - y[t, l's] is the
log-probability of the paths through (t, s), so

    dloss / dy[t, c] = -sum over s with l's = c of exp(a[t, s] + b[t, s] - y[t, c] + loss)

(minus the posterior occupancy of class c at frame t).  This is the true derivative with
respect to the log-probabilities; PyTorch's CTC backward instead returns that plus
exp(y[t, c]), the gradient with respect to the logits when y = log_softmax(logits).  Both
give the same gradient of the logits through log_softmax, which is how CTC is used.
"""

import numpy

from ..autograd.function import Function, ShapeError
from ._helpers import as_tensor


def _logsumexp(*terms):
    """Elementwise log(sum(exp(terms))), -inf where every term is -inf."""
    stack = numpy.stack(terms)
    top = stack.max(0)
    safe = numpy.where(numpy.isfinite(top), top, 0.0)
    with numpy.errstate(divide="ignore"):
        return safe + numpy.log(numpy.exp(stack - safe).sum(0))


def _extended(labels, blank):
    """l' = (blank, l1, blank, ..., blank) and where a step may skip the blank before s."""
    ext = numpy.full(2 * len(labels) + 1, blank, dtype=numpy.int64)
    ext[1::2] = labels
    skip = numpy.zeros(len(ext), bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    return ext, skip


def ctc_alpha_beta(lp, labels, blank):
    """The forward and backward log-variables a, b (T, L) of one sample; lp (T, C)."""
    ext, skip = _extended(labels, blank)
    T, L = lp.shape[0], len(ext)
    y = lp[:, ext]                                      # y[t, s] = log-prob of l's at t
    a = numpy.full((T, L), -numpy.inf)
    b = numpy.full((T, L), -numpy.inf)
    a[0, 0] = y[0, 0]
    if L > 1:
        a[0, 1] = y[0, 1]
    for t in range(1, T):
        stay, step = a[t - 1], numpy.full(L, -numpy.inf)
        step[1:] = a[t - 1, :-1]
        jump = numpy.full(L, -numpy.inf)
        jump[2:] = numpy.where(skip[2:], a[t - 1, :-2], -numpy.inf)
        a[t] = _logsumexp(stay, step, jump) + y[t]
    b[T - 1, L - 1] = y[T - 1, L - 1]
    if L > 1:
        b[T - 1, L - 2] = y[T - 1, L - 2]
    for t in range(T - 2, -1, -1):
        stay, step = b[t + 1], numpy.full(L, -numpy.inf)
        step[:-1] = b[t + 1, 1:]
        jump = numpy.full(L, -numpy.inf)
        jump[:-2] = numpy.where(skip[2:], b[t + 1, 2:], -numpy.inf)
        b[t] = _logsumexp(stay, step, jump) + y[t]
    return a, b, ext


class CTCLoss(Function):
    """Per-sample CTC negative log-likelihoods (N,) of log-probabilities (T, N, C)."""

    def __init__(self, targets, input_lengths, target_lengths, blank, zero_infinity):
        self.targets, self.input_lengths = targets, input_lengths
        self.target_lengths, self.blank, self.zero_infinity = target_lengths, blank, zero_infinity

    def forward(self, log_probs):
        lp = log_probs.astype(numpy.float64)
        n = lp.shape[1]
        self.shape, self.dtype = log_probs.shape, log_probs.dtype
        losses, self.saved = numpy.empty(n), []
        for i in range(n):
            T = self.input_lengths[i]
            labels = self.targets[i][:self.target_lengths[i]]
            a, b, ext = ctc_alpha_beta(lp[:T, i], labels, self.blank)
            loss = -_logsumexp(a[T - 1, -1], a[T - 1, -2] if len(ext) > 1 else -numpy.inf)
            losses[i] = loss
            self.saved.append((a, b, ext, lp[:T, i]))
        self.losses = losses
        if self.zero_infinity:
            losses = numpy.where(numpy.isinf(losses), 0.0, losses)
        return losses.astype(self.dtype)

    def backward(self, gy):
        grad = numpy.zeros(self.shape)
        for i, (a, b, ext, y) in enumerate(self.saved):
            loss = self.losses[i]
            if numpy.isinf(loss):
                continue        # no alignment: torch's gradient is 0 with zero_infinity
            T, C = y.shape
            occupancy = numpy.full((T, C), -numpy.inf)    # log sum over s with l's = c of a + b
            for c in numpy.unique(ext):
                occupancy[:, c] = _logsumexp(*(a + b)[:, ext == c].T)
            with numpy.errstate(invalid="ignore"):
                g = -numpy.exp(occupancy - y + loss)
            grad[:T, i] = numpy.where(numpy.isfinite(occupancy), g, 0.0) * float(gy[i])
        return grad.astype(self.dtype)


def _lengths(values, n, name, op):
    lengths = numpy.asarray(as_tensor(values).array if not isinstance(values, (list, tuple))
                            else values, dtype=numpy.int64).reshape(-1)
    if lengths.shape != (n,):
        raise ShapeError(f"{op}: {name} must hold one length per sample ({n}), got "
                         f"{lengths.shape[0]}")
    return lengths


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """CTC loss of log-probabilities (T, N, C) (log_softmax over C; or (T, C) unbatched)
    against targets (N, S) padded or 1-d concatenated (sum(target_lengths),).  'mean'
    divides each sample's loss by its target length, then averages, as PyTorch."""
    op = "ctc_loss"
    from .loss import _reduction
    reduction = _reduction(op, reduction)
    lp = as_tensor(log_probs)
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp.unsqueeze(1)
    if lp.ndim != 3 or lp.array.dtype.kind != "f":
        raise ShapeError(f"{op}: log_probs must be a floating (T, N, C) or (T, C) tensor, got "
                         f"shape {tuple(as_tensor(log_probs).shape)} {as_tensor(log_probs).dtype}")
    T, n, C = lp.shape
    if not 0 <= blank < C:
        raise ValueError(f"{op}: blank must be a class index in [0, {C}), got {blank}")
    tgt = numpy.asarray(as_tensor(targets).array, dtype=numpy.int64)
    if unbatched:
        tgt = tgt.reshape(1, -1)
    in_len = _lengths(input_lengths, n, "input_lengths", op)
    tg_len = _lengths(target_lengths, n, "target_lengths", op)
    if tgt.ndim == 1:                      # concatenated targets
        if tgt.size != tg_len.sum():
            raise ShapeError(f"{op}: 1-d targets hold {tgt.size} labels but target_lengths sum "
                             f"to {int(tg_len.sum())}")
        starts = numpy.concatenate([[0], numpy.cumsum(tg_len)[:-1]])
        rows = [tgt[s:s + k] for s, k in zip(starts, tg_len)]
    else:
        if tgt.shape[0] != n or (tg_len > tgt.shape[1]).any():
            raise ShapeError(f"{op}: targets {tgt.shape} must be (N={n}, S) with S >= every "
                             f"target length {tg_len.tolist()}")
        rows = [tgt[i, :k] for i, k in enumerate(tg_len)]
    if (in_len < 1).any() or (in_len > T).any():
        raise ValueError(f"{op}: input_lengths must be in [1, {T}], got {in_len.tolist()}")
    for r in rows:
        if r.size and (r.min() < 0 or r.max() >= C or (r == blank).any()):
            raise ValueError(f"{op}: target labels must be classes in [0, {C}) other than the "
                             f"blank {blank}, got {r.tolist()}")
    losses = CTCLoss(rows, in_len, tg_len, blank, zero_infinity)(lp)
    if reduction == "none":
        return losses.reshape(()) if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    from ..autograd.tensor import Tensor
    divisor = numpy.maximum(tg_len, 1).astype(lp.array.dtype)
    return (losses / Tensor(divisor)).mean()
