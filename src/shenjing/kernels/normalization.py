"""Kernels of batch norm and layer norm (``shenjing.ops.normalization``).

Batch norm sees its input in one of two C-contiguous views, chosen by the op so that no
copy is made for the usual memory layouts:

* rows   (M, C): channels innermost (channels-last images, (N, C) features);
* planes (A, C, L): each channel a run of L values (channels-first images).

Each pass runs over whole arrays; ``shenjing.parallel`` splits the work by handing each
thread a slice of the first axis.  Loops run from 0 over whole arrays or slices of them:
an index numba cannot prove non-negative costs a check that stops LLVM from vectorising.  Sums are taken in x's
dtype over blocks of ``BLOCK`` values and the block sums added into float64 accumulators
of the caller's slice, which the op adds up in a fixed order (the same result run to
run).  The statistics are one pass over x with a shift k per channel (a value of that
channel, so that no cancellation is lost):

    s1 = sum(x - k),  s2 = sum((x - k)^2),  mean = k + s1/m,  var = s2/m - (s1/m)^2.

Normalising is one affine pass y = (x - mu) a + b with a = gamma / sigma, b = beta; the
backward is two passes: sum(g), sum(g (x - mu)), then dx = g k1 + (x - mu) k2 + k3 with
per-channel k (see ``ops.normalization``).

Layer norm is one row of D values at a time, (R, D) C-contiguous: the row stays in cache
between its statistics and its output, and the backward's row sums and dx.
"""

import math

import numpy

from .common import jit

# ------------------------------------------------------------------ batch norm


#: values summed in x's dtype before their sum joins the float64 total: float32 sums
#: vectorise twice as wide as float64 ones, and a short sum keeps its rounding error small
BLOCK = 128


@jit
def rows_moments(x, shift, s1, s2):
    """s1[c] += sum(x[i, c] - shift[c]), s2[c] += sum((x[i, c] - shift[c])^2) over the rows i
    (shift in x's dtype, s1 and s2 float64)."""
    m, c = x.shape
    t1 = numpy.empty(c, x.dtype)
    t2 = numpy.empty(c, x.dtype)
    for start in range(0, m, BLOCK):
        block = x[start:start + BLOCK]
        t1[:] = 0
        t2[:] = 0
        for i in range(block.shape[0]):
            for j in range(c):
                d = block[i, j] - shift[j]
                t1[j] += d
                t2[j] += d * d
        for j in range(c):
            s1[j] += t1[j]
            s2[j] += t2[j]


@jit
def planes_moments(x, shift, s1, s2):
    """As ``rows_moments`` for x (A, C, L)."""
    n, c, l = x.shape
    for a in range(n):
        for j in range(c):
            k = shift[j]
            for start in range(0, l, BLOCK):
                part = x[a, j, start:start + BLOCK]
                t1 = type(k)(0)
                t2 = type(k)(0)
                for i in range(part.size):
                    d = part[i] - k
                    t1 += d
                    t2 += d * d
                s1[j] += t1
                s2[j] += t2


@jit
def rows_affine(x, y, mu, a, b):
    """y[i, c] = (x[i, c] - mu[c]) a[c] + b[c]."""
    m, c = x.shape
    for i in range(m):
        for j in range(c):
            y[i, j] = (x[i, j] - mu[j]) * a[j] + b[j]


@jit
def planes_affine(x, y, mu, a, b):
    """As ``rows_affine`` for x (A, C, L)."""
    count, c, l = x.shape
    for n in range(count):
        for j in range(c):
            m, s, t = mu[j], a[j], b[j]
            for i in range(l):
                y[n, j, i] = (x[n, j, i] - m) * s + t


@jit
def rows_grad_moments(g, x, mu, sg, sgx):
    """sg[c] += sum(g[i, c]), sgx[c] += sum(g[i, c] (x[i, c] - mu[c])) over the rows i."""
    m, c = x.shape
    t1 = numpy.empty(c, x.dtype)
    t2 = numpy.empty(c, x.dtype)
    for start in range(0, m, BLOCK):
        g_block, x_block = g[start:start + BLOCK], x[start:start + BLOCK]
        t1[:] = 0
        t2[:] = 0
        for i in range(x_block.shape[0]):
            for j in range(c):
                gi = g_block[i, j]
                t1[j] += gi
                t2[j] += gi * (x_block[i, j] - mu[j])
        for j in range(c):
            sg[j] += t1[j]
            sgx[j] += t2[j]


@jit
def planes_grad_moments(g, x, mu, sg, sgx):
    """As ``rows_grad_moments`` for (A, C, L)."""
    n, c, l = x.shape
    for a in range(n):
        for j in range(c):
            m = mu[j]
            for start in range(0, l, BLOCK):
                g_part, x_part = g[a, j, start:start + BLOCK], x[a, j, start:start + BLOCK]
                t1 = type(m)(0)
                t2 = type(m)(0)
                for i in range(x_part.size):
                    gi = g_part[i]
                    t1 += gi
                    t2 += gi * (x_part[i] - m)
                sg[j] += t1
                sgx[j] += t2


@jit
def rows_input_grad(g, x, dx, mu, k1, k2, k3):
    """dx[i, c] = g[i, c] k1[c] + (x[i, c] - mu[c]) k2[c] + k3[c]."""
    m, c = x.shape
    for i in range(m):
        for j in range(c):
            dx[i, j] = g[i, j] * k1[j] + (x[i, j] - mu[j]) * k2[j] + k3[j]


@jit
def planes_input_grad(g, x, dx, mu, k1, k2, k3):
    """As ``rows_input_grad`` for (A, C, L)."""
    n, c, l = x.shape
    for a in range(n):
        for j in range(c):
            m, p, q, r = mu[j], k1[j], k2[j], k3[j]
            for i in range(l):
                dx[a, j, i] = g[a, j, i] * p + (x[a, j, i] - m) * q + r


# ------------------------------------------------------------------ layer norm


@jit
def layer_forward(x, y, mean, inv_std, w, b, eps):
    """Each row r of x (R, D): mean[r], inv_std[r] = 1 / sqrt(var + eps) and
    y[r] = (x[r] - mean[r]) inv_std[r] w + b (mean and inv_std in x's dtype)."""
    rows, d = x.shape
    for r in range(rows):
        s = 0.0
        for j in range(d):
            s += x[r, j]
        mu64 = s / d
        v = 0.0
        for j in range(d):
            e = x[r, j] - mu64
            v += e * e
        mean[r] = mu64
        inv_std[r] = 1.0 / math.sqrt(v / d + eps)
        mu, iv = mean[r], inv_std[r]
        for j in range(d):
            y[r, j] = (x[r, j] - mu) * iv * w[j] + b[j]


@jit
def layer_backward(g, x, mean, inv_std, dx, w, gw, gb, scratch):
    """Each row r: dx[r] = inv_std (g w - (sum(g w) + x_hat sum(g w x_hat)) / D),
    and gw += g x_hat, gb += g summed over the rows (float64 accumulators of this slice).
    ``scratch`` (2,) of x's dtype holds the row's two means in that dtype."""
    rows, d = x.shape
    for r in range(rows):
        mu, iv = mean[r], inv_std[r]
        sg = 0.0
        sgx = 0.0
        for j in range(d):
            xh = (x[r, j] - mu) * iv
            gi = g[r, j]
            gwi = gi * w[j]
            sg += gwi
            sgx += gwi * xh
            gw[j] += gi * xh
            gb[j] += gi
        scratch[0] = sg / d
        scratch[1] = sgx / d
        p, q = scratch[0], scratch[1]
        for j in range(d):
            xh = (x[r, j] - mu) * iv
            dx[r, j] = iv * (g[r, j] * w[j] - (p + xh * q))
