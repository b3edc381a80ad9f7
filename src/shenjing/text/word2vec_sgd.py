"""word2vec's training step: SGD on each (input word, target word) pair as it comes.

For skip-gram, every word w_j within a (randomly shrunk) window of the centre word w_i
gives one pair: h = v_{w_j} (a row of the input matrix ``w_in``) predicts w_i.  For CBOW,
h is the mean of the window's input rows and predicts the centre once.  The prediction is
scored by logistic units (``word2vec_loss.py`` writes the objective with autograd):

    negative sampling:     L = -log sigmoid(u_t . h) - sum_k log sigmoid(-u_k . h),
                           the k = 1..negative noise words drawn from P(w) ~ count^0.75
    hierarchical softmax:  L = -sum_j log sigmoid((1 - 2 b_j) u'_{n_j} . h) over the
                           target's Huffman path (inner nodes n_j, bits b_j)

and each unit takes the step  g = alpha (label - sigmoid(u . h)),  u += g h,  while the
h-side gradient is summed in ``work`` and added to the input row(s) after all the units
of the pair: exactly -alpha times the gradient of L (``pair_update``).  As in word2vec.c
and gensim, CBOW adds the whole ``work`` to every context row (not work / count), and the
skip-gram pair is (context word as input, centre word as target).

``train_batch`` runs the compiled kernel (``kernels.word2vec``) when kernels are on, and
``train_batch_reference`` (here: the same loops in Python, slow, for tests and for
``SHENJING_KERNELS=numpy``) otherwise.
"""

import math

import numpy

from .. import kernels

LCG_MULTIPLIER, LCG_INCREMENT, LCG_MASK = 25214903917, 11, (1 << 48) - 1


def lcg_next(r):
    """word2vec.c's generator: r -> (r * 25214903917 + 11) mod 2^48 (its draw is r >> 16)."""
    return (r * LCG_MULTIPLIER + LCG_INCREMENT) & LCG_MASK


def pair_update(h, w_out, rows, labels, alpha):
    """One SGD step of the logistic units ``rows`` of ``w_out`` (V', D) with ``labels``
    (1 for the target, 0 for noise) on input ``h`` (D,), in order: updates ``w_out`` in
    place and returns (work, loss), work the step for h (D,) and loss the summed
    -log sigmoid(+-u . h) before the step.

        f = u . h,   g = alpha (label - sigmoid(f)),   work += g u,   u += g h
    """
    work = numpy.zeros_like(h)
    loss = 0.0
    for row, label in zip(rows, labels):
        f = h @ w_out[row]
        g = (label - 1 / (1 + numpy.exp(-f))) * alpha
        work += g * w_out[row]
        w_out[row] += g * h
        z = float(f) if label else -float(f)
        loss += max(-z, 0.0) + math.log1p(math.exp(-abs(z)))   # softplus(-z)
    return work, loss


def _targets(target, noise, negative, hs, tree, r):
    """The output units of one prediction of ``target``: (rows of w_hs, their labels),
    (rows of w_out, their labels), and the generator's state after the noise draws."""
    hs_rows, hs_labels = [], []
    if hs:
        hs_rows = tree.point(target).tolist()
        hs_labels = (1 - tree.code(target).astype(numpy.int64)).tolist()
    rows, labels = [], []
    if negative > 0:
        rows, labels = [target], [1]
        for _ in range(negative):
            draw = (r >> 16) % int(noise[-1])
            r = lcg_next(r)
            row = int(numpy.searchsorted(noise, draw, side="left"))
            if row != target:
                rows.append(row)
                labels.append(0)
    return (hs_rows, hs_labels), (rows, labels), r


def train_batch_reference(ids, offsets, keep, w_in, w_out, w_hs, noise, tree, sg, negative,
                          hs, window, cbow_mean, alpha, state, compute_loss=True):
    """The NumPy definition of ``train_batch`` (the same arguments); loops in Python."""
    dtype = w_in.dtype.type
    alpha, r = dtype(alpha), int(state[0])
    loss, predictions, kept = 0.0, 0, 0
    for s in range(len(offsets) - 1):
        sentence = []
        for w in ids[offsets[s]:offsets[s + 1]]:              # subsampling
            draw, r = r >> 16, lcg_next(r)
            if int(keep[w]) >= draw:
                sentence.append(int(w))
        kept += len(sentence)
        n = len(sentence)
        for i in range(n):
            shrink, r = (r >> 16) % window, lcg_next(r)
            context = [j for j in range(max(0, i - window + shrink),
                                        min(n, i + window + 1 - shrink)) if j != i]
            if not context:
                continue
            inputs = [sentence[j] for j in context]
            for h_rows in ([[v] for v in inputs] if sg else [inputs]):
                h = w_in[h_rows].sum(0, dtype=w_in.dtype)
                if not sg and cbow_mean:
                    h = h * (dtype(1) / dtype(len(h_rows)))
                (hr, hl), (nr, nl), r = _targets(sentence[i], noise, negative, hs, tree, r)
                work_hs, loss_hs = pair_update(h, w_hs, hr, hl, alpha)
                work_ns, loss_ns = pair_update(h, w_out, nr, nl, alpha)
                work = work_hs + work_ns
                if not sg and not cbow_mean:
                    work = work * (dtype(1) / dtype(len(h_rows)))
                for v in h_rows:
                    w_in[v] += work
                loss += (loss_hs + loss_ns) if compute_loss else 0.0
                predictions += 1
    state[0] = r
    return loss, predictions, kept


def train_batch(ids, offsets, keep, w_in, w_out, w_hs, noise, tree, sg, negative, hs, window,
                cbow_mean, alpha, state, compute_loss=True):
    """SGD over the sentences ``ids[offsets[s]:offsets[s + 1]]`` (int32 word ids), in place.

    ``keep`` (V,) uint32 subsampling thresholds; ``w_in`` (V, D) input vectors, ``w_out``
    (V, D) negative-sampling output vectors, ``w_hs`` (V - 1, D) hierarchical-softmax
    inner-node vectors, all of one float dtype (an unused one may have 0 rows); ``noise``
    (V,) int64 cumulative noise table; ``tree`` a ``HuffmanTree`` (None without ``hs``);
    ``sg`` skip-gram (else CBOW); ``window`` the largest distance (each centre word draws
    its own window in [1, window]); ``alpha`` the learning rate; ``state`` a (1,) uint64
    array holding the random generator's state (advanced in place).  Returns
    (loss sum, predictions, words kept after subsampling).
    """
    if window < 1:
        raise ValueError(f"word2vec: window must be >= 1, got {window}")
    fast = kernels.module("word2vec") if kernels.usable(w_in, w_out, w_hs) else None
    if fast is None:
        return train_batch_reference(ids, offsets, keep, w_in, w_out, w_hs, noise, tree, sg,
                                     negative, hs, window, cbow_mean, alpha, state,
                                     compute_loss)
    if tree is None:
        codes, points, code_offsets = (numpy.zeros(0, numpy.uint8), numpy.zeros(0, numpy.int32),
                                       numpy.zeros(1, numpy.int64))
    else:
        codes, points, code_offsets = tree
    scalars = numpy.array([alpha, 1], w_in.dtype)
    loss, predictions, kept = fast.train_batch(
        ids, offsets, keep, w_in, w_out, w_hs, noise, codes, points, code_offsets, bool(sg),
        int(negative), bool(hs), int(window), bool(cbow_mean), scalars, state,
        bool(compute_loss))
    return float(loss), int(predictions), int(kept)
