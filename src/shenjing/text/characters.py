"""Character-level language-model data: a text as indices into its characters, the
(input, next-character target) blocks a model trains on, and the unigram baseline.

    >>> chars = vocabulary("to be or not")          # [' ', 'b', 'e', 'n', 'o', 'r', 't']
    >>> ids = encode("to be", chars)                 # array([6, 4, 0, 1, 2])
    >>> decode(ids, chars)
    'to be'
    >>> x, y = next_char_blocks(ids, 2)              # x [[6, 4], [0, 1]], y [[4, 0], [1, 2]]

The unigram baseline is the cross-entropy of a text under the character frequencies of
another, H = -mean_t log q(c_t) nats per character: what a model that ignores the context
scores, and so the number a language model has to beat.
"""

import numpy


def vocabulary(text):
    """The distinct characters of ``text``, sorted: index i codes ``chars[i]``."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"vocabulary: expected a non-empty str, got {type(text).__name__} "
                         f"{text!r:.40}")
    return sorted(set(text))


def encode(text, chars):
    """``text`` as int64 indices into ``chars``: str of length T -> (T,)."""
    lookup = {c: i for i, c in enumerate(chars)}
    if all(ord(c) < 256 for c in chars):               # one vectorised lookup for 8-bit text
        table = numpy.full(256, -1, dtype=numpy.int64)
        table[[ord(c) for c in chars]] = numpy.arange(len(chars))
        try:
            ids = table[numpy.frombuffer(text.encode("latin-1"), dtype=numpy.uint8)]
        except UnicodeEncodeError:
            ids = numpy.array([-1])
        if (ids >= 0).all():
            return ids
    missing = sorted(set(text) - set(lookup))
    if missing:
        raise ValueError(f"encode: {len(missing)} character(s) of the text are not in the "
                         f"vocabulary of {len(chars)}: {''.join(missing)[:20]!r}")
    return numpy.array([lookup[c] for c in text], dtype=numpy.int64)


def encode_split(text, train_share=0.9):
    """``text`` as indices into its own vocabulary, cut into its first ``train_share`` and
    the rest: ``(train (N,), validation (T - N,), chars)``."""
    chars = vocabulary(text)
    ids = encode(text, chars)
    n = int(train_share * len(ids))
    return ids[:n], ids[n:], chars


def decode(ids, chars):
    """The text of the indices ``ids`` (T,) into ``chars``."""
    return "".join(chars[int(i)] for i in numpy.asarray(ids).reshape(-1))


def next_char_blocks(ids, length, offset=0):
    """The consecutive blocks of ``ids`` from ``offset`` and their targets one character on:
    (T,) -> x, y of shape (W, length), W = (T - offset - 1) // length, y[w, t] the
    character after x[w, t]."""
    ids = numpy.asarray(ids)
    if ids.ndim != 1 or int(length) < 1 or not 0 <= int(offset) < max(1, len(ids)):
        raise ValueError(f"next_char_blocks: expected 1-d ids, length >= 1 and 0 <= offset < "
                         f"len(ids); got shape {ids.shape}, length {length}, offset {offset}")
    count = (len(ids) - offset - 1) // length
    x = ids[offset:offset + count * length].reshape(count, length)
    y = ids[offset + 1:offset + 1 + count * length].reshape(count, length)
    return x, y


def unigram_cross_entropy(train_ids, test_ids, vocabulary_size):
    """-mean log q(c) over ``test_ids`` (nats/char), q the character frequencies of
    ``train_ids`` with add-one smoothing (an unseen character costs log(N + V), not inf)."""
    counts = numpy.bincount(numpy.asarray(train_ids), minlength=vocabulary_size) + 1.0
    return float(-numpy.log(counts / counts.sum())[numpy.asarray(test_ids)].mean())
