"""The vocabulary of word2vec: word counts, the subsampling of frequent words, the noise
distribution of negative sampling and the Huffman tree of hierarchical softmax.

Mikolov, Sutskever, Chen, Corrado and Dean, *Distributed Representations of Words and
Phrases and their Compositionality*, NIPS 2013, with the formulas of their ``word2vec.c``
(which gensim keeps):

- **subsampling**: word w of corpus frequency f(w) = count(w) / total is kept with
  probability ``p(w) = (sqrt(f / t) + 1) * t / f`` (capped at 1), t the ``sample``
  threshold (1e-3): a word as frequent as t is kept with p = 2, a word 100 t frequent with
  p ~ 0.11, so "the" and "and" stop dominating the pairs while rare words are all kept.
- **noise distribution**: negatives are drawn with ``P(w) ~ count(w) ** 0.75``, through a
  cumulative table of integers on [0, 2^31 - 1] searched by bisection.
- **Huffman tree** (``huffman.py``): the codes and inner nodes of each word's path.

>>> vocab = Vocabulary.build([["the", "cat", "sat"], ["the", "dog"]], min_count=1)
>>> vocab.words, vocab.counts.tolist()
(['the', 'cat', 'sat', 'dog'], [2, 1, 1, 1])
"""

from collections import Counter

import numpy

from .huffman import huffman_codes

#: the upper end of the noise table's integers (word2vec.c's and gensim's domain)
NOISE_DOMAIN = 2 ** 31 - 1


class Vocabulary:
    """Words kept for training (count >= ``min_count``), most frequent first.

    ``words``: list of str; ``counts``: (V,) int64; ``index``: {word: id}.  Ties in count
    keep the order of first occurrence (as gensim's stable sort does).
    """

    def __init__(self, words, counts):
        words = list(words)
        counts = numpy.asarray(counts, numpy.int64)
        if counts.shape != (len(words),):
            raise ValueError(f"Vocabulary: expected one count per word ({len(words)}), got "
                             f"counts of shape {counts.shape}")
        if len(set(words)) != len(words):
            raise ValueError("Vocabulary: words must be distinct")
        if len(words) and counts.min() < 1:
            raise ValueError(f"Vocabulary: counts must be >= 1, got {counts.min()}")
        self.words, self.counts = words, counts
        self.index = {w: i for i, w in enumerate(words)}

    @classmethod
    def build(cls, sentences, min_count=5, max_size=None):
        """Count the words of ``sentences`` (iterable of lists of str) and keep those seen
        at least ``min_count`` times (and only the ``max_size`` most frequent, if given)."""
        if not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"Vocabulary.build: min_count must be an int >= 1, got {min_count!r}")
        counter = Counter()
        for sentence in sentences:
            if isinstance(sentence, str):
                raise TypeError("Vocabulary.build: expected sentences as lists of words, got a "
                                "str (split it into words first)")
            counter.update(sentence)
        kept = [(w, c) for w, c in counter.items() if c >= min_count]   # insertion order
        kept.sort(key=lambda item: -item[1])                             # stable: ties keep it
        if max_size is not None:
            kept = kept[:max_size]
        if not kept:
            raise ValueError(f"Vocabulary.build: no word occurs min_count={min_count} times")
        return cls([w for w, _ in kept], [c for _, c in kept])

    def __len__(self):
        return len(self.words)

    def encode(self, sentences):
        """Flat int32 ids of the in-vocabulary words and (S + 1,) int64 sentence offsets:
        sentence s is ``ids[offsets[s]:offsets[s + 1]]``; unknown words are dropped."""
        index, ids, offsets = self.index, [], [0]
        for sentence in sentences:
            ids.extend(index[w] for w in sentence if w in index)
            offsets.append(len(ids))
        return numpy.asarray(ids, numpy.int32), numpy.asarray(offsets, numpy.int64)

    def keep_probabilities(self, sample):
        """(V,) float64: the probability of keeping each occurrence of each word,
        ``min(1, (sqrt(f / t) + 1) * t / f)`` with f = count / total and t = ``sample``
        (all ones when ``sample`` is 0)."""
        if sample < 0:
            raise ValueError(f"keep_probabilities: sample must be >= 0, got {sample}")
        if sample == 0:
            return numpy.ones(len(self))
        f = self.counts / self.counts.sum()
        return numpy.minimum(1.0, (numpy.sqrt(f / sample) + 1) * sample / f)

    def keep_thresholds(self, sample):
        """(V,) uint32: ``keep_probabilities`` on the integer scale of a 32-bit random
        draw r (an occurrence is kept when r <= threshold), truncated as gensim's
        ``sample_int``."""
        return (self.keep_probabilities(sample) * (2 ** 32 - 1)).astype(numpy.uint32)

    def noise_table(self, power=0.75, domain=NOISE_DOMAIN):
        """(V,) int64 cumulative table of the noise distribution ``count ** power``: word
        w is drawn for the integers r in [table[w - 1], table[w]) (bisect_left of r)."""
        weights = self.counts.astype(numpy.float64) ** power
        return numpy.round(numpy.cumsum(weights) / weights.sum() * domain).astype(numpy.int64)

    def noise_probabilities(self, power=0.75):
        """(V,) float64: P(w) = count(w) ** power / sum over words of the same."""
        weights = self.counts.astype(numpy.float64) ** power
        return weights / weights.sum()

    def huffman(self):
        """``huffman_codes(counts)``: each word's code bits and inner-node ids, flat."""
        return huffman_codes(self.counts)
