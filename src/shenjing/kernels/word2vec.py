"""word2vec's SGD, one (input, target) pair at a time, compiled: the NumPy reference is
``shenjing.text.word2vec_sgd.train_batch_reference``, the same loops line for line.

word2vec is trained by plain SGD on each pair as it comes (Mikolov et al. 2013, and
gensim): a pair touches 1 + ``negative`` rows of the output matrix and one row of the
input matrix, so there is nothing to batch; what costs is the interpreter around a few
hundred flops, which this kernel removes.

The random numbers are word2vec.c's 48-bit linear congruential generator

    r <- (r * 25214903917 + 11) mod 2^48,   the draw being r >> 16 (32 bits)

carried in ``state[0]`` between calls, so that the kernel and the reference draw the same
subsampling decisions, window sizes and negatives, and agree to rounding.
"""

import math

import numpy

from .common import jit, sigmoid

_A = numpy.uint64(25214903917)
_C = numpy.uint64(11)
_MASK = numpy.uint64((1 << 48) - 1)
_SHIFT = numpy.uint64(16)


@jit
def _next(r):
    return (r * _A + _C) & _MASK


@jit
def _softplus(z):
    """log(1 + e^z) in float64, without overflow: the loss -log sigmoid(-z)."""
    z = float(z)
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


@jit
def _add(y, x):
    """y += x, for rows of the same length.  Called on row views (``w_in[w]``): the same
    loop written on ``w_in[w, k]`` in place made CBOW's kernel twice as slow."""
    for k in range(y.shape[0]):
        y[k] += x[k]


@jit
def _step(h, out, row, label, alpha, work, compute_loss):
    """One logistic unit: f = h . out[row], g = alpha (label - sigmoid(f));
    work += g out[row] (h's gradient, applied by the caller); out[row] += g h.
    Returns the loss -log sigmoid(+-f) (0.0 unless ``compute_loss``)."""
    f = alpha - alpha                   # a zero of the weights' dtype
    for k in range(h.shape[0]):
        f += h[k] * out[row, k]
    g = (label - sigmoid(f)) * alpha
    for k in range(h.shape[0]):
        work[k] += g * out[row, k]
        out[row, k] += g * h[k]
    if compute_loss:
        return _softplus(-f) if label > 0 else _softplus(f)
    return 0.0


@jit
def _predict(h, target, w_out, w_hs, noise, codes, points, code_offsets, negative, hs,
             one, alpha, work, r, compute_loss):
    """All the output units of one prediction of ``target`` from ``h``: its Huffman path
    (``hs``) and/or the target against ``negative`` noise words.  Returns (loss, r)."""
    zero = one - one
    loss = 0.0
    for k in range(work.shape[0]):
        work[k] = zero
    if hs:
        for p in range(code_offsets[target], code_offsets[target + 1]):
            label = one - codes[p]
            loss += _step(h, w_hs, points[p], label, alpha, work, compute_loss)
    if negative > 0:
        last = noise[noise.shape[0] - 1]
        for d in range(negative + 1):
            if d == 0:
                row, label = target, one
            else:
                draw = numpy.int64((r >> _SHIFT) % numpy.uint64(last))
                r = _next(r)
                row = numpy.searchsorted(noise, draw, side="left")
                if row == target:
                    continue
                label = zero
            loss += _step(h, w_out, row, label, alpha, work, compute_loss)
    return loss, r


@jit
def train_batch(ids, offsets, keep, w_in, w_out, w_hs, noise, codes, points, code_offsets,
                sg, negative, hs, window, cbow_mean, scalars, state, compute_loss):
    """Train on sentences ``offsets[s]:offsets[s + 1]`` of ``ids``; see
    ``word2vec_sgd.train_batch`` for the arguments.  ``scalars`` = [alpha, 1] in the
    weights' dtype.  Returns (loss sum, predictions made, words kept)."""
    alpha, one = scalars[0], scalars[1]
    width = w_in.shape[1]
    work = numpy.zeros(width, w_in.dtype)
    neu1 = numpy.zeros(width, w_in.dtype)
    longest = 0
    for s in range(offsets.shape[0] - 1):
        longest = max(longest, offsets[s + 1] - offsets[s])
    sentence = numpy.empty(longest, numpy.int64)
    scalar = numpy.empty(1, w_in.dtype)  # 1 / count in the weights' dtype, not float64
    r = state[0]
    loss, predictions, kept = 0.0, 0, 0
    for s in range(offsets.shape[0] - 1):
        n = 0
        for k in range(offsets[s], offsets[s + 1]):          # subsampling
            w = ids[k]
            draw = r >> _SHIFT
            r = _next(r)
            if numpy.uint64(keep[w]) < draw:
                continue
            sentence[n] = w
            n += 1
        kept += n
        for i in range(n):
            shrink = numpy.int64((r >> _SHIFT) % numpy.uint64(window))
            r = _next(r)
            lo, hi = max(0, i - window + shrink), min(n, i + window + 1 - shrink)
            if sg:                     # each context word's vector predicts the centre word
                for j in range(lo, hi):
                    if j == i:
                        continue
                    h = w_in[sentence[j]]
                    term, r = _predict(h, sentence[i], w_out, w_hs, noise, codes, points,
                                       code_offsets, negative, hs, one, alpha, work, r,
                                       compute_loss)
                    loss += term
                    predictions += 1
                    for k in range(width):
                        h[k] += work[k]
            else:                      # the mean (or sum) of the context predicts the centre
                count = hi - lo - 1
                if count == 0:
                    continue
                for k in range(width):
                    neu1[k] = one - one
                for j in range(lo, hi):
                    if j != i:
                        _add(neu1, w_in[sentence[j]])
                scalar[0] = count
                inverse = one / scalar[0]
                if cbow_mean:
                    for k in range(width):
                        neu1[k] *= inverse
                term, r = _predict(neu1, sentence[i], w_out, w_hs, noise, codes, points,
                                   code_offsets, negative, hs, one, alpha, work, r,
                                   compute_loss)
                loss += term
                predictions += 1
                if not cbow_mean:
                    for k in range(width):
                        work[k] *= inverse
                for j in range(lo, hi):
                    if j != i:
                        _add(w_in[sentence[j]], work)
    state[0] = r
    return loss, predictions, kept
