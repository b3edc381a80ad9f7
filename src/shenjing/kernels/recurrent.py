"""The time loops of the recurrent ops (Elman RNN, LSTM, GRU), forward and
backward-through-time, each as one compiled call per layer and direction.

The NumPy reference (``shenjing/ops/recurrent.py``) spends a step in some twenty small
array calls; here a step is one pass: the recurrent product h_{t-1} W_hh^T written into
the step's gate rows, then the gate math of every row in one loop that LLVM vectorises
(the float32 sigmoid and tanh of ``common`` are polynomials, 16 lanes at a time with
AVX-512).  The input projection x W_ih^T before the loop and the weight-gradient GEMMs
after it stay BLAS calls in the op.

The product is a small GEMM (for 32 rows and H = 64: 32 x 64 by 64 x 256), written as a
loop whose innermost axis is the contiguous gate axis of W_hh^T, two rows and four
terms of the sum at a time: W_hh^T (64 KiB in float32) stays in the L1/L2 caches, and
every load of it feeds four multiply-adds.  At those sizes it takes about the time of one
OpenBLAS call in the forward product (32 x 64 by 64 x 256) and twice that in the backward
one (32 x 256 by 256 x 64, whose short rows are less suited to it); a BLAS call from
inside a kernel would need SciPy (numba's ``np.dot``) and a second BLAS thread pool.

Layouts, as the op prepares them (time-major, batch sorted by decreasing length):

* ``P`` (T, N, G H): x_t W_ih^T + bias, G = 1, 4 (i, f, g, o) or 3 (r, z, n) as PyTorch;
  the LSTM and GRU forwards overwrite it with the activated gates, which backward reads
  (the RNN's activation is its state).
* ``S`` and ``C`` (T + 1, N, H): the states, holding the initial state where the loop
  reads it; step t reads S[t] and writes S[t + 1] (S[t + 1] and S[t] in reverse).
* ``sizes`` (T,): the rows still running at step t (a prefix of the sorted batch); a step
  touches only those, and writes zero gradients in the others.

The Python functions check every shape, dtype and layout before the compiled loop runs,
so a wrong argument raises instead of reading out of bounds.
"""

import numpy

from .common import jit, sigmoid, tanh

_FLOATS = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))


# ------------------------------------------------------------------ checks

def _check(arrays, dtype=None):
    """All ``name: (array, shape)`` pairs are C-contiguous NumPy arrays of one float dtype
    with the given shapes; returns the dtype."""
    for name, (array, shape) in arrays.items():
        if type(array) is not numpy.ndarray:
            raise TypeError(f"{name} must be a NumPy array, got {type(array).__name__}")
        if dtype is None:
            dtype = array.dtype
            if dtype not in _FLOATS:
                raise TypeError(f"{name} must be float32 or float64, got {dtype}")
        if array.dtype != dtype:
            raise TypeError(f"{name} must be {dtype}, got {array.dtype}")
        if array.shape != tuple(shape):
            raise ValueError(f"{name} must have shape {tuple(shape)}, got {array.shape}")
        if not array.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous")
    return dtype


def _input(array, shape, dtype):
    """An input that the kernel only reads: right type, dtype and shape, in C order (a
    copy when it is not)."""
    if type(array) is not numpy.ndarray or array.dtype != dtype or array.shape != tuple(shape):
        raise ValueError(f"expected a {dtype} array of shape {tuple(shape)}, got "
                         f"{getattr(array, 'dtype', type(array).__name__)} "
                         f"{getattr(array, 'shape', '')}")
    return numpy.ascontiguousarray(array)


def _sizes(sizes, T, N):
    """Running rows per step as int64 (T,) in [0, N]; None means all N at every step."""
    if sizes is None:
        return numpy.full(T, N, numpy.int64)
    sizes = numpy.ascontiguousarray(sizes, dtype=numpy.int64)
    if sizes.shape != (T,):
        raise ValueError(f"sizes must have shape ({T},), got {sizes.shape}")
    if T and (sizes.min() < 0 or sizes.max() > N):
        raise ValueError(f"sizes must lie in [0, {N}]")
    return sizes


def _rows(rows, N):
    """(first, last) rows of the batch to run, checked to lie in [0, N]."""
    if rows is None:
        return 0, N
    first, last = int(rows[0]), int(rows[1])
    if not 0 <= first <= last <= N:
        raise ValueError(f"rows must be (first, last) with 0 <= first <= last <= {N}, got {rows}")
    return first, last


def _kept(array, T, rest, name):
    """A buffer of every step (T, ...) or of one step (1, ...), for the forward-only path."""
    if array is None or array.ndim != len(rest) + 1 or array.shape[0] not in (1, T):
        raise ValueError(f"{name} must have shape ({T} or 1, {', '.join(map(str, rest))})")
    return array.shape[0]


# ------------------------------------------------------------------ the product

@jit
def _product(a, w, out, first, rows):
    """out[first:rows] += a[first:rows] @ w, with a (., K), w (K, M), out (., M) C-contiguous."""
    K, M = w.shape
    n = first
    while n + 2 <= rows:           # two rows at a time: each load of w serves both
        o0, o1, a0, a1 = out[n], out[n + 1], a[n], a[n + 1]
        k = 0
        while k + 4 <= K:          # four terms at a time: one store per four multiply-adds
            w0, w1, w2, w3 = w[k], w[k + 1], w[k + 2], w[k + 3]
            p0, p1, p2, p3 = a0[k], a0[k + 1], a0[k + 2], a0[k + 3]
            q0, q1, q2, q3 = a1[k], a1[k + 1], a1[k + 2], a1[k + 3]
            for j in range(M):
                v0, v1, v2, v3 = w0[j], w1[j], w2[j], w3[j]
                o0[j] += (p0 * v0 + p1 * v1) + (p2 * v2 + p3 * v3)
                o1[j] += (q0 * v0 + q1 * v1) + (q2 * v2 + q3 * v3)
            k += 4
        while k < K:
            wk, p, q = w[k], a0[k], a1[k]
            for j in range(M):
                o0[j] += p * wk[j]
                o1[j] += q * wk[j]
            k += 1
        n += 2
    if n < rows:                   # the last row alone, its sums grouped as above, so
        o0, a0 = out[n], a[n]      # that a row's result never depends on its partner
        k = 0
        while k + 4 <= K:
            w0, w1, w2, w3 = w[k], w[k + 1], w[k + 2], w[k + 3]
            p0, p1, p2, p3 = a0[k], a0[k + 1], a0[k + 2], a0[k + 3]
            for j in range(M):
                o0[j] += (p0 * w0[j] + p1 * w1[j]) + (p2 * w2[j] + p3 * w3[j])
            k += 4
        while k < K:
            wk, p = w[k], a0[k]
            for j in range(M):
                o0[j] += p * wk[j]
            k += 1


@jit
def _loop(T, reverse, backward):
    """(first step, step increment) of the loop; backward runs against the forward."""
    if reverse != backward:
        return T - 1, -1
    return 0, 1


# ------------------------------------------------------------------ Elman RNN

@jit
def _rnn_forward(P, S, wt, sizes, reverse, relu, zero, first, last):
    T, N, H = P.shape
    t, step = _loop(T, reverse, False)
    for _ in range(T):
        src, dst = (t + 1, t) if reverse else (t, t + 1)
        b = min(sizes[t], last)
        out = S[dst]
        for n in range(first, b):
            out[n, :] = P[t, n]
        _product(S[src], wt, out, first, b)
        for n in range(first, b):
            h = out[n]
            if relu:
                for q in range(H):
                    h[q] = max(h[q], zero)
            else:
                for q in range(H):
                    h[q] = tanh(h[q])
        t += step


@jit
def _rnn_backward(S, gy, dh, w, sizes, reverse, relu, dA, one, first, last):
    T, N, H = gy.shape
    zero = one - one
    t, step = _loop(T, reverse, True)
    for _ in range(T):
        dst = t if reverse else t + 1
        b = min(sizes[t], last)
        for n in range(first, b):
            h, g, d, c = S[dst, n], gy[t, n], dA[t, n], dh[n]
            if relu:
                for q in range(H):
                    d[q] = (c[q] + g[q]) if h[q] > 0 else zero
            else:
                for q in range(H):
                    d[q] = (c[q] + g[q]) * (one - h[q] * h[q])
            c[:] = 0
        dA[t, max(b, first):last] = 0
        _product(dA[t], w, dh, first, b)
        t += step


def rnn_forward(P, S, w_hh, sizes=None, reverse=False, relu=False, rows=None):
    """Elman RNN forward in place: S[t'] = act(P[t] + S[t''] W_hh^T) for every step.

    ``rows`` = (first, last) runs the rows of the batch in that range only (each row's
    recurrence is independent of the others, so threads can share a batch); all by default.
    """
    T, N, H = P.shape
    dtype = _check({"P": (P, (T, N, H)), "S": (S, (T + 1, N, H))})
    wt = numpy.ascontiguousarray(_input(w_hh, (H, H), dtype).T)
    _rnn_forward(P, S, wt, _sizes(sizes, T, N), bool(reverse), bool(relu), dtype.type(0),
                 *_rows(rows, N))


def rnn_backward(S, gy, dh, w_hh, dA, sizes=None, reverse=False, relu=False, rows=None):
    """Backward-through-time: dA (T, N, H) = dL/d(pre-activation) of every step; ``dh``
    (N, H) comes in as dL/dh_T and leaves as dL/dh_0."""
    T, N, H = dA.shape
    dtype = _check({"dA": (dA, (T, N, H)), "S": (S, (T + 1, N, H)), "dh": (dh, (N, H))})
    gy = _input(gy, (T, N, H), dtype)
    w = _input(w_hh, (H, H), dtype)
    _rnn_backward(S, gy, dh, w, _sizes(sizes, T, N), bool(reverse), bool(relu), dA,
                  dtype.type(1), *_rows(rows, N))


# ------------------------------------------------------------------ LSTM

@jit
def _lstm_forward(P, S, C, TC, wt, sizes, reverse, first, last):
    T, N, G = P.shape
    H = S.shape[2]
    keep = TC.shape[0] == T
    t, step = _loop(T, reverse, False)
    for _ in range(T):
        src, dst = (t + 1, t) if reverse else (t, t + 1)
        b = min(sizes[t], last)
        _product(S[src], wt, P[t], first, b)
        tc_t = TC[t] if keep else TC[0]
        for n in range(first, b):
            a, cp, cn, hn, tc = P[t, n], C[src, n], C[dst, n], S[dst, n], tc_t[n]
            ai, af, ag, ao = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
            for q in range(H):    # (one view per gate: the loop then vectorises)
                i, f, g, o = sigmoid(ai[q]), sigmoid(af[q]), tanh(ag[q]), sigmoid(ao[q])
                c = f * cp[q] + i * g
                th = tanh(c)
                ai[q], af[q], ag[q], ao[q] = i, f, g, o
                cn[q] = c
                tc[q] = th
                hn[q] = o * th
        t += step


@jit
def _lstm_backward(A, C, TC, gy, dh, dc, w, sizes, reverse, dA, one, first, last):
    T, N, G = A.shape
    H = dh.shape[1]
    zero = one - one
    t, step = _loop(T, reverse, True)
    for _ in range(T):
        src = t + 1 if reverse else t
        b = min(sizes[t], last)
        for n in range(first, b):
            a, d = A[t, n], dA[t, n]
            ai, af, ag, ao = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
            di, df, dg, do = d[:H], d[H:2 * H], d[2 * H:3 * H], d[3 * H:]
            cp, tc, gt, hc, cc = C[src, n], TC[t, n], gy[t, n], dh[n], dc[n]
            for q in range(H):
                i, f, g, o, th = ai[q], af[q], ag[q], ao[q], tc[q]
                dhq = hc[q] + gt[q]
                dcq = cc[q] + dhq * o * (one - th * th)
                di[q] = dcq * g * i * (one - i)
                df[q] = dcq * cp[q] * f * (one - f)
                dg[q] = dcq * i * (one - g * g)
                do[q] = dhq * th * o * (one - o)
                cc[q] = dcq * f
                hc[q] = zero
        dA[t, max(b, first):last] = 0
        _product(dA[t], w, dh, first, b)
        t += step


def lstm_forward(P, S, C, TC, w_hh, sizes=None, reverse=False, rows=None):
    """LSTM forward in place: P (T, N, 4H) pre-activations in, gates i, f, g, o out; the
    states into S and C (T + 1, N, H); tanh c_t into TC (T, N, H), or (1, N, H) when
    nothing is kept for backward."""
    T, N, G = P.shape
    H = G // 4
    kept = _kept(TC, T, (N, H), "TC")
    dtype = _check({"P": (P, (T, N, 4 * H)), "S": (S, (T + 1, N, H)),
                    "C": (C, (T + 1, N, H)), "TC": (TC, (kept, N, H))})
    wt = numpy.ascontiguousarray(_input(w_hh, (4 * H, H), dtype).T)
    _lstm_forward(P, S, C, TC, wt, _sizes(sizes, T, N), bool(reverse), *_rows(rows, N))


def lstm_backward(A, C, TC, gy, dh, dc, w_hh, dA, sizes=None, reverse=False, rows=None):
    """Backward-through-time from the forward's gates A, states C and TC: dA (T, N, 4H) =
    dL/d(pre-activation); ``dh``, ``dc`` (N, H) come in as dL/d(final) and leave as
    dL/d(initial state)."""
    T, N, G = A.shape
    H = G // 4
    dtype = _check({"A": (A, (T, N, 4 * H)), "C": (C, (T + 1, N, H)), "TC": (TC, (T, N, H)),
                    "dh": (dh, (N, H)), "dc": (dc, (N, H)), "dA": (dA, (T, N, 4 * H))})
    gy = _input(gy, (T, N, H), dtype)
    w = _input(w_hh, (4 * H, H), dtype)
    _lstm_backward(A, C, TC, gy, dh, dc, w, _sizes(sizes, T, N), bool(reverse), dA,
                   dtype.type(1), *_rows(rows, N))


# ------------------------------------------------------------------ GRU

@jit
def _gru_forward(P, S, MN, m, wt, b_hn, sizes, reverse, first, last):
    T, N, G = P.shape
    H = S.shape[2]
    keep = MN.shape[0] == T
    t, step = _loop(T, reverse, False)
    for _ in range(T):
        src, dst = (t + 1, t) if reverse else (t, t + 1)
        b = min(sizes[t], last)
        m[first:b] = 0
        _product(S[src], wt, m, first, b)
        mn_t = MN[t] if keep else MN[0]
        for n in range(first, b):
            a, mm, hp, hn, mn = P[t, n], m[n], S[src, n], S[dst, n], mn_t[n]
            ar, az, an = a[:H], a[H:2 * H], a[2 * H:]
            mr, mz, mh = mm[:H], mm[H:2 * H], mm[2 * H:]
            for q in range(H):
                r = sigmoid(ar[q] + mr[q])
                z = sigmoid(az[q] + mz[q])
                u = mh[q] + b_hn[q]
                c = tanh(an[q] + r * u)
                ar[q], az[q], an[q] = r, z, c
                mn[q] = u
                hn[q] = c + z * (hp[q] - c)
        t += step


@jit
def _gru_backward(A, MN, S, gy, dh, w, sizes, reverse, dX, dH, one, first, last):
    T, N, G = A.shape
    H = dh.shape[1]
    t, step = _loop(T, reverse, True)
    for _ in range(T):
        src = t + 1 if reverse else t
        b = min(sizes[t], last)
        for n in range(first, b):
            a, x, y = A[t, n], dX[t, n], dH[t, n]
            ar, az, an = a[:H], a[H:2 * H], a[2 * H:]
            xr, xz, xn, yr, yz, yn = x[:H], x[H:2 * H], x[2 * H:], y[:H], y[H:2 * H], y[2 * H:]
            mn, hp, gt, hc = MN[t, n], S[src, n], gy[t, n], dh[n]
            for q in range(H):
                r, z, c = ar[q], az[q], an[q]
                d = hc[q] + gt[q]
                dn = d * (one - z) * (one - c * c)
                dz = d * (hp[q] - c) * z * (one - z)
                dr = dn * mn[q] * r * (one - r)
                xr[q], xz[q], xn[q] = dr, dz, dn
                yr[q], yz[q], yn[q] = dr, dz, r * dn
                hc[q] = d * z
        dX[t, max(b, first):last] = 0
        dH[t, max(b, first):last] = 0
        _product(dH[t], w, dh, first, b)
        t += step


def gru_forward(P, S, MN, w_hh, b_hn=None, sizes=None, reverse=False, rows=None):
    """GRU forward in place: P (T, N, 3H) = x W_ih^T + b_ih + (b_hr, b_hz, 0) in, gates
    r, z, n out; the states into S (T + 1, N, H); m = h W_hn^T + b_hn into MN (T, N, H),
    or (1, N, H) when nothing is kept for backward."""
    T, N, G = P.shape
    H = G // 3
    kept = _kept(MN, T, (N, H), "MN")
    dtype = _check({"P": (P, (T, N, 3 * H)), "S": (S, (T + 1, N, H)), "MN": (MN, (kept, N, H))})
    wt = numpy.ascontiguousarray(_input(w_hh, (3 * H, H), dtype).T)
    b_hn = (numpy.zeros(H, dtype) if b_hn is None
            else _input(b_hn, (H,), dtype))
    m = numpy.empty((N, 3 * H), dtype)
    _gru_forward(P, S, MN, m, wt, b_hn, _sizes(sizes, T, N), bool(reverse), *_rows(rows, N))


def gru_backward(A, MN, S, gy, dh, w_hh, dX, dH, sizes=None, reverse=False, rows=None):
    """Backward-through-time: dX = dL/d(x W_ih^T + b_ih) and dH = dL/d(h W_hh^T + b_hh),
    both (T, N, 3H); ``dh`` (N, H) comes in as dL/dh_T and leaves as dL/dh_0."""
    T, N, G = A.shape
    H = G // 3
    dtype = _check({"A": (A, (T, N, 3 * H)), "MN": (MN, (T, N, H)), "S": (S, (T + 1, N, H)),
                    "dh": (dh, (N, H)), "dX": (dX, (T, N, 3 * H)), "dH": (dH, (T, N, 3 * H))})
    gy = _input(gy, (T, N, H), dtype)
    w = _input(w_hh, (3 * H, H), dtype)
    _gru_backward(A, MN, S, gy, dh, w, _sizes(sizes, T, N), bool(reverse), dX, dH,
                  dtype.type(1), *_rows(rows, N))
