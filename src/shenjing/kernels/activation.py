"""Kernels of the elementwise activations (``shenjing.ops.activation``): forward and
backward each one pass over flat arrays in memory order (the op checks that the arrays
share one dense layout, and hands each thread of ``shenjing.parallel`` a slice).

Each computes what the NumPy reference computes, element for element: ReLU's backward is
g * [y > 0] (so an infinite g where y = 0 gives NaN, as there), leaky ReLU's the same
with the slope; the float32 sigmoid and exp are ``common``'s vectorised polynomials.
Softmax and log-softmax take rows (R, C), C-contiguous: each row's max, sum and output
while the row is in cache (sums in float64).  Loops run
from 0 over whole arrays: an index that numba cannot prove non-negative costs a check
that stops LLVM from vectorising the loop.
"""

import math

from .common import exp, jit, max_and_exp_sum, sigmoid


@jit
def relu_forward(x, y):
    """y = max(x, 0) (NaN stays NaN)."""
    for i in range(y.size):
        v = x[i]
        y[i] = type(v)(0) if v < 0 else v


@jit
def relu_backward(g, y, dx):
    """dx = g where y > 0, g * 0 elsewhere."""
    for i in range(dx.size):
        v = g[i]
        dx[i] = v if y[i] > 0 else v * type(v)(0)


@jit
def leaky_relu_forward(x, y, slope):
    """y = x where x > 0, slope x elsewhere."""
    for i in range(y.size):
        v = x[i]
        y[i] = v if v > 0 else v * slope


@jit
def leaky_relu_backward(g, x, dx, slope):
    """dx = g where x > 0, slope g elsewhere."""
    for i in range(dx.size):
        v = g[i]
        dx[i] = v if x[i] > 0 else v * slope


@jit
def sigmoid_forward(x, y):
    """y = 1 / (1 + e^-x)."""
    for i in range(y.size):
        y[i] = sigmoid(x[i])


@jit
def sigmoid_backward(g, y, dx):
    """dx = g y (1 - y)."""
    for i in range(dx.size):
        v = y[i]
        dx[i] = g[i] * v * (type(v)(1) - v)


@jit
def tanh_backward(g, y, dx):
    """dx = g (1 - y^2)."""
    for i in range(dx.size):
        v = y[i]
        dx[i] = g[i] * (type(v)(1) - v * v)


# ------------------------------------------------------------------ softmax over rows


@jit
def softmax_forward(x, y):
    """Each row of x (R, C): y = e^(x - max) / sum(e^(x - max))."""
    rows, c = x.shape
    for r in range(rows):
        m = x[r, 0]
        for j in range(c):
            m = max(m, x[r, j])
        s = 0.0
        for j in range(c):             # each e^(x - m) computed once, kept in y
            e = exp(x[r, j] - m)
            y[r, j] = e
            s += e
        inv = type(m)(1.0 / s)
        for j in range(c):
            y[r, j] *= inv


@jit
def softmax_backward(g, y, dx):
    """Each row: dx = y (g - sum(g y))."""
    rows, c = y.shape
    for r in range(rows):
        s = 0.0
        for j in range(c):
            s += g[r, j] * y[r, j]
        t = type(y[r, 0])(s)
        for j in range(c):
            dx[r, j] = y[r, j] * (g[r, j] - t)


@jit
def log_softmax_forward(x, y):
    """Each row: y = x - max - log(sum(e^(x - max)))."""
    rows, c = x.shape
    for r in range(rows):
        m, s = max_and_exp_sum(x[r])
        l = type(m)(math.log(s))
        for j in range(c):
            y[r, j] = (x[r, j] - m) - l


@jit
def log_softmax_backward(g, y, dx):
    """Each row: dx = g - e^y sum(g)."""
    rows, c = y.shape
    for r in range(rows):
        s = 0.0
        for j in range(c):
            s += g[r, j]
        t = type(y[r, 0])(s)
        for j in range(c):
            dx[r, j] = g[r, j] - exp(y[r, j]) * t
