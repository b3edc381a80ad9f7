"""Beam search: the K most likely continuations of a prefix under a model that gives
log-probabilities one token at a time (a decoder, a language model).

A sequence's score is the sum of its tokens' log-probabilities,

    score(y_1..y_L) = sum_t log p(y_t | y_<t, source)

and greedy decoding keeps only the best token at each step.  Beam search keeps the K best
prefixes instead: at each step every kept prefix is extended by every token (K * V
candidates), and the K highest-scoring candidates survive.  K = 1 is greedy decoding; a
beam as wide as the number of prefixes is exhaustive search.

    def step(tokens):                        # (N, K, t) int -> (N, K, V) log-probabilities
        return log_softmax(model(tokens.reshape(-1, tokens.shape[-1]))).reshape(N, K, -1)
    sequences, scores = beam_search(step, start=np.full((N, 1), BOS), beam_width=3,
                                    max_length=10, end=EOS)
    best = sequences[:, 0]                   # (N, 1 + L), the start token first
"""

import numpy


def beam_search(step, start, beam_width=3, max_length=20, end=None):
    """The ``beam_width`` best continuations of each prefix in ``start``.

    ``step(tokens)``: tokens (N, K, t) int -> (N, K, V) log-probabilities of the next token
    after each of the N x K prefixes (K = ``beam_width``).  ``start``: (N, t0) int prefixes
    (e.g. one start token each).  ``end``: the end-of-sequence token, or None when every
    sequence runs ``max_length`` steps: a hypothesis that emits ``end`` is finished, keeps
    its score and is padded with ``end``; the search stops when every hypothesis is finished.

    Returns ``(sequences, scores)``: sequences (N, K, t0 + L) int, L <= ``max_length``, each
    row's hypotheses best first (ties: the earlier beam, then the smaller token), and their
    scores (N, K), the sums of their tokens' log-probabilities.  Where a row has fewer than
    K distinct hypotheses (V ** L < K) the missing ones score -inf.
    """
    start = numpy.asarray(start)
    if start.ndim != 2 or start.dtype.kind not in "iu" or start.shape[1] < 1:
        raise ValueError(f"beam_search: start must be (N, t0) int prefixes with t0 >= 1, got "
                         f"shape {start.shape} and dtype {start.dtype}")
    for what, value in (("beam_width", beam_width), ("max_length", max_length)):
        if isinstance(value, bool) or not isinstance(value, (int, numpy.integer)) or value < 1:
            raise ValueError(f"beam_search: {what} must be a positive int, got {value!r}")
    n, k = start.shape[0], int(beam_width)
    sequences = numpy.repeat(start[:, None, :], k, axis=1)          # (N, K, t)
    scores = numpy.full((n, k), -numpy.inf)
    scores[:, 0] = 0.0           # the K copies of the start are one hypothesis, not K
    finished = numpy.zeros((n, k), bool)
    rows = numpy.arange(n)[:, None]
    for _ in range(max_length):
        logp = numpy.asarray(step(sequences), dtype=numpy.float64)
        if logp.ndim != 3 or logp.shape[:2] != (n, k):
            raise ValueError(f"beam_search: step must return (N, K, V) = ({n}, {k}, V) "
                             f"log-probabilities, got shape {logp.shape}")
        vocabulary = logp.shape[2]
        if end is not None:
            if not 0 <= end < vocabulary:
                raise ValueError(f"beam_search: end token {end} is not in the vocabulary of "
                                 f"{vocabulary} tokens that step returned")
            logp = logp.copy()
            logp[finished] = -numpy.inf
            logp[finished, end] = 0.0       # a finished hypothesis only repeats the end
        candidates = (scores[:, :, None] + logp).reshape(n, k * vocabulary)
        best = numpy.argsort(-candidates, axis=1, kind="stable")[:, :k]  # (N, K)
        beam, token = numpy.divmod(best, vocabulary)
        scores = numpy.take_along_axis(candidates, best, axis=1)
        sequences = numpy.concatenate([sequences[rows, beam], token[:, :, None]], axis=2)
        finished = finished[rows, beam]
        if end is not None:
            finished |= token == end
            if finished.all():
                break
    return sequences, scores
