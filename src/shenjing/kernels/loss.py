"""Kernels of the two fused losses from logits (``shenjing.ops.loss``).

Softmax cross-entropy at class indices, x (N, C) C-contiguous, one row at a time:

    forward:  m = max(x), l = log sum e^(x - m),  loss = w_y (m + l - x_y)
    backward: dx_c = a (e^(x_c - m - l) - [c = y])         (a = dL/dloss_row w_y)

The forward keeps m and l per row, not the softmax: the backward recomputes it from x in
the same pass that writes dx, so each direction reads x once and only the backward writes.

Binary cross-entropy from logits, elementwise over flat arrays:

    loss = (1 - t) x + softplus(-x),  dx = g (sigmoid(x) - t),  dt = -g x
"""

import math

import numpy

from .common import exp, jit, max_and_exp_sum

_F = numpy.float32
_ONE, _TWO = _F(1.0), _F(2.0)
_K3, _K5, _K7, _K9, _K11, _K13 = (_F(1 / k) for k in (3, 5, 7, 9, 11, 13))


@jit
def _log1p_unit32(e):
    """log(1 + e) for a float32 0 <= e <= 1 as the series 2 atanh(z) = 2 z (1 + z^2/3 +
    z^4/5 + ...), z = e / (2 + e) <= 1/3, to z^12/13 (truncation < 2e-8 relative): plain
    arithmetic, so a loop calling it vectorises where libm's log1pf would not."""
    z = e / (_TWO + e)
    w = z * z
    return _TWO * z * (_ONE + w * (_K3 + w * (_K5 + w * (_K7 + w * (_K9 + w * (_K11 + w * _K13))))))


@jit
def cross_entropy_forward(x, y, w, ignore, loss, row_max, row_log_sum):
    """loss[r] = w[y_r] (logsumexp(x[r]) - x[r, y_r]) (0 where y_r == ignore), keeping each
    row's max and log-sum of e^(x - max)."""
    n, c = x.shape
    for r in range(n):
        m, s = max_and_exp_sum(x[r])
        row_max[r] = m
        row_log_sum[r] = math.log(s)
        t = y[r]
        if t == ignore:
            loss[r] = 0
        else:
            loss[r] = w[t] * ((row_max[r] - x[r, t]) + row_log_sum[r])


@jit
def cross_entropy_backward(x, y, a, row_max, row_log_sum, dx):
    """dx[r] = a[r] (softmax(x[r]) - onehot(y_r)); a[r] is 0 for an ignored row."""
    n, c = x.shape
    for r in range(n):
        m, l, ar = row_max[r], row_log_sum[r], a[r]
        for j in range(c):
            dx[r, j] = ar * exp((x[r, j] - m) - l)
        t = y[r]
        if 0 <= t < c:
            dx[r, t] -= ar


@jit
def _bce_logits_forward32(x, t, loss):
    for i in range(loss.size):
        v = x[i]
        lp = _log1p_unit32(exp(-abs(v)))
        loss[i] = (_ONE - t[i]) * v + ((-v if v < 0 else _F(0)) + lp)


@jit
def _bce_logits_forward64(x, t, loss):
    for i in range(loss.size):
        v = x[i]
        loss[i] = (1 - t[i]) * v + (max(-v, 0.0) + math.log1p(math.exp(-abs(v))))


def bce_logits_forward(x, t, loss):
    """loss = (1 - t) x + max(-x, 0) + log1p(e^-|x|) (x, t, loss flat, float32 or float64)."""
    if x.dtype == numpy.float32:
        _bce_logits_forward32(x, t, loss)
    else:
        _bce_logits_forward64(x, t, loss)


@jit
def bce_logits_backward(x, t, scale, dx):
    """dx = scale (sigmoid(x) - t), sigmoid from e = e^-|x| (never overflows)."""
    for i in range(dx.size):
        v = x[i]
        one = type(v)(1)
        e = exp(-abs(v))
        s = (one if v >= 0 else e) / (one + e)
        dx[i] = scale * (s - t[i])
