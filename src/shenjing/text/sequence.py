"""Sequences of word indices: padding, and skip-gram pairs for word2vec (Keras's).

``pad_sequences`` makes a ragged list rectangular: ``(num_sequences, maxlen)``, padded
with ``value`` and truncated before (``"pre"``, the default) or after (``"post"``).

``skipgrams`` turns a sequence of word indices into (word, context) pairs labelled 1 for
words within ``window_size`` of each other and, with ``negative_samples``, pairs of a
word and a random vocabulary index labelled 0 (word2vec's negative sampling, Mikolov et
al. 2013).  ``make_sampling_table`` gives the probability of keeping each word when
frequent words are subsampled.  Randomness comes from shenjing's process generator
(``shenjing.backend.generator()``) or from ``seed``: the pairs are Keras's, the random
draws are NumPy's, not Python's ``random`` module that Keras uses.
"""

import numpy

from .. import backend


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad/truncate each sequence to ``maxlen``: array ``(len(sequences), maxlen, ...)``.

    ``maxlen`` defaults to the longest sequence.  ``truncating="pre"`` keeps the last
    ``maxlen`` items, ``"post"`` the first; ``padding`` puts ``value`` before or after.
    Items may themselves be arrays (all of one shape, taken from the first non-empty
    sequence).  String data needs ``dtype=object``.

    >>> pad_sequences([[1, 2, 3], [4, 5], [6]], maxlen=2)
    array([[2, 3],
           [4, 5],
           [0, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences: `sequences` must be iterable (a list of sequences)")
    num_samples = len(sequences)
    lengths, sample_shape, found = [], (), False
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError:
            raise ValueError(f"pad_sequences: `sequences` must be a list of iterables; found "
                             f"non-iterable {x!r}") from None
        if not found and len(x):
            sample_shape = numpy.asarray(x).shape[1:]
            found = True
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    if padding not in ("pre", "post"):
        raise ValueError(f'pad_sequences: padding type "{padding}" not understood '
                         f'(expected "pre" or "post")')
    if truncating not in ("pre", "post"):
        raise ValueError(f'pad_sequences: truncating type "{truncating}" not understood '
                         f'(expected "pre" or "post")')
    is_str = numpy.issubdtype(numpy.dtype(dtype), numpy.str_) if dtype is not object else False
    if isinstance(value, str) and dtype is not object and not is_str:
        raise ValueError(f"pad_sequences: `dtype` {dtype} is not compatible with `value`'s type "
                         f"{type(value)}; set `dtype=object` for variable length strings")
    x = numpy.full((num_samples, maxlen) + tuple(sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return x
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = numpy.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: shape of sample {trunc.shape[1:]} of sequence at "
                             f"position {idx} is different from expected shape "
                             f"{tuple(sample_shape)}")
        if padding == "post":
            x[idx, :len(trunc)] = trunc
        else:
            x[idx, -len(trunc):] = trunc
    return x


def make_sampling_table(size, sampling_factor=1e-5):
    """``p[i]``: the probability of keeping the ``i``-th most frequent word (word2vec).

    Assumes word frequencies follow Zipf's law, ``f(i) ~ 1 / (i (log i + gamma))``, and
    keeps a word with probability ``min(1, sqrt(sampling_factor / f(i)))`` -- Keras's
    formula, with ``p[0]`` computed as for rank 1 (index 0 is padding).
    """
    gamma = 0.577
    rank = numpy.arange(size)
    rank[0] = 1
    inv_fq = rank * (numpy.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return numpy.minimum(1.0, f / numpy.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Skip-gram pairs of ``sequence`` (word indices, 0 = padding, skipped).

    Returns ``(couples, labels)``: lists of ``[word, context]`` and of 1 (context within
    ``window_size``) or 0 (a random index in ``[1, vocabulary_size)``), ``[0, 1]`` /
    ``[1, 0]`` when ``categorical``.  ``negative_samples`` negatives per positive pair
    (their words are the positive pairs' words, shuffled); ``sampling_table[w]`` is the
    probability of keeping word ``w`` as a centre word.  Pairs come in Keras's order
    (by position, then by context position) unless ``shuffle``.
    """
    rng = backend.generator() if seed is None else numpy.random.default_rng(seed)
    seq = numpy.asarray(sequence, dtype=numpy.int64).reshape(-1)
    n = len(seq)
    centres = numpy.flatnonzero(seq)
    if sampling_table is not None and len(centres):
        keep = numpy.asarray(sampling_table)[seq[centres]] >= rng.random(len(centres))
        centres = centres[keep]
    offsets = numpy.array([o for o in range(-window_size, window_size + 1) if o], dtype=numpy.int64)
    context = centres[:, None] + offsets[None, :]
    valid = (context >= 0) & (context < n)
    context = numpy.where(valid, context, 0)
    valid &= seq[context] != 0
    rows = numpy.broadcast_to(centres[:, None], context.shape)[valid]
    couples = numpy.stack([seq[rows], seq[context[valid]]], axis=1)
    labels = numpy.ones(len(couples), dtype=numpy.int64)
    if negative_samples > 0:
        num_negative = int(len(labels) * negative_samples)
        if num_negative:
            words = rng.permutation(couples[:, 0])
            negatives = numpy.stack([words[numpy.arange(num_negative) % len(words)],
                                     rng.integers(1, vocabulary_size, num_negative)], axis=1)
            couples = numpy.concatenate([couples, negatives])
            labels = numpy.concatenate([labels, numpy.zeros(num_negative, dtype=numpy.int64)])
    if shuffle:
        perm = rng.permutation(len(couples))
        couples, labels = couples[perm], labels[perm]
    labels = labels.tolist()
    if categorical:
        labels = [[0, 1] if label else [1, 0] for label in labels]
    return couples.tolist(), labels
