"""word2vec: word vectors from the company words keep (Mikolov et al. 2013).

Skip-gram pairs each word with every word of its window and predicts one from the other's
vector (the centre word from each context word, as word2vec.c and gensim order the pair);
CBOW predicts the centre word from the mean of its window's vectors.  Both replace the V-way softmax by
cheap logistic units: negative sampling (the true word against ``negative`` words drawn
from count^0.75) or hierarchical softmax (the word's path in a Huffman tree).  Frequent
words are subsampled; the learning rate falls linearly from ``alpha`` to ``min_alpha``
over the whole run.  The settings and their defaults are gensim's ``Word2Vec``'s; one
difference: sigmoid is computed exactly, where word2vec.c and gensim read a table and skip
the units whose |u . h| >= 6.

>>> model = Word2Vec(vector_size=100, window=5, min_count=5, sg=1, negative=5, epochs=5)
>>> model.fit(sentences)                     # sentences: lists of words
>>> model.most_similar("good", topn=3)       # [(word, cosine), ...]
>>> model.analogy("man", "king", "woman")    # man : king :: woman : ? (3CosAdd)
>>> model.evaluate_analogies(path)           # accuracy on questions-words.txt
>>> evaluate_analogies(kv.index_to_key, kv.vectors, path)   # any vectors (gensim's)
>>> model.save("w2v.safetensors"); Word2Vec.load("w2v.safetensors")

Pieces: ``word2vec_vocab.py`` (counts, subsampling, noise table), ``huffman.py``,
``word2vec_sgd.py`` (the SGD step; compiled in ``kernels/word2vec.py``) and
``word2vec_loss.py`` (the objectives with autograd).
"""

import time

import numpy

from .word2vec_sgd import train_batch
from .word2vec_vocab import Vocabulary

_SETTINGS = ("vector_size", "window", "min_count", "sg", "negative", "hs", "sample", "alpha",
             "min_alpha", "epochs", "cbow_mean", "ns_exponent", "seed", "batch_words",
             "max_vocab_size", "dtype")


class Word2Vec:
    """Skip-gram / CBOW word vectors trained with negative sampling and/or hierarchical
    softmax (see the module docstring).

    ``vector_size`` D; ``window`` the largest distance to a context word; ``min_count``
    words seen fewer times are dropped; ``sg`` 1 skip-gram, 0 CBOW; ``negative`` noise
    words per prediction (0: none); ``hs`` 1 adds hierarchical softmax; ``sample`` the
    subsampling threshold t; ``alpha``/``min_alpha`` the learning rate's start and end;
    ``cbow_mean`` CBOW averages (1) or sums (0) its window; ``ns_exponent`` the noise
    power; ``batch_words`` words per SGD call (the learning rate is updated between calls);
    ``seed`` fixes the initial vectors and all random draws.

    After ``fit``: ``vocab`` (a ``Vocabulary``), ``vectors`` (V, D) the input vectors,
    ``output`` (V, D) negative sampling's output vectors, ``hs_output`` (V - 1, D).
    """

    def __init__(self, vector_size=100, window=5, min_count=5, sg=0, negative=5, hs=0,
                 sample=1e-3, alpha=0.025, min_alpha=0.0001, epochs=5, cbow_mean=1,
                 ns_exponent=0.75, seed=1, batch_words=10000, max_vocab_size=None,
                 dtype="float32"):
        if not (isinstance(vector_size, int) and vector_size > 0):
            raise ValueError(f"Word2Vec: vector_size must be a positive int, got {vector_size!r}")
        if not (isinstance(window, int) and window > 0):
            raise ValueError(f"Word2Vec: window must be a positive int, got {window!r}")
        if negative < 0 or (negative == 0 and not hs):
            raise ValueError(f"Word2Vec: expected negative > 0 or hs=1 (some output layer), got "
                             f"negative={negative!r}, hs={hs!r}")
        if numpy.dtype(dtype) not in (numpy.float32, numpy.float64):
            raise ValueError(f"Word2Vec: dtype must be float32 or float64, got {dtype!r}")
        self.vector_size, self.window, self.min_count = vector_size, window, min_count
        self.sg, self.negative, self.hs, self.sample = int(sg), int(negative), int(hs), sample
        self.alpha, self.min_alpha, self.epochs = alpha, min_alpha, epochs
        self.cbow_mean, self.ns_exponent, self.seed = int(cbow_mean), ns_exponent, seed
        self.batch_words, self.max_vocab_size = batch_words, max_vocab_size
        self.dtype = numpy.dtype(dtype).name
        self.vocab = self.vectors = self.output = self.hs_output = None
        self._unit = None

    # ------------------------------------------------------------------ training

    def build_vocab(self, sentences):
        """Count the words, keep the frequent ones, and initialise the weights as word2vec
        does: input vectors uniform in [-0.5, 0.5) / D, output vectors zero."""
        self.vocab = Vocabulary.build(sentences, self.min_count, self.max_vocab_size)
        rng = numpy.random.default_rng(self.seed)
        V, D = len(self.vocab), self.vector_size
        self.vectors = ((rng.random((V, D)) - 0.5) / D).astype(self.dtype)
        self.output = numpy.zeros((V if self.negative else 0, D), self.dtype)
        self.hs_output = numpy.zeros((V - 1 if self.hs else 0, D), self.dtype)
        self._tree = self.vocab.huffman() if self.hs and V > 1 else None
        if self.hs and V < 2:
            raise ValueError("Word2Vec: hierarchical softmax needs at least 2 words")
        self._state = numpy.array([self.seed & ((1 << 48) - 1)], numpy.uint64)
        self._unit = None
        return self

    def train(self, sentences, epochs=None, progress=None, on_epoch=None, compute_loss=True):
        """Train ``epochs`` passes (default ``self.epochs``) over ``sentences``.

        ``progress(iterable, epoch, total)`` may wrap each epoch's batches (a progress bar,
        e.g. ``Session.progress``); ``on_epoch(epoch, stats)`` is called after each epoch
        with {"loss": mean loss per prediction, "words": words kept, "seconds", "alpha"}.
        Returns the list of those stats.
        """
        if self.vocab is None:
            raise RuntimeError("Word2Vec.train: call build_vocab (or fit) first")
        epochs = self.epochs if epochs is None else epochs
        ids, offsets = self.vocab.encode(sentences)
        batches = _batches(offsets, self.batch_words)
        keep = self.vocab.keep_thresholds(self.sample)
        noise = (self.vocab.noise_table(self.ns_exponent) if self.negative
                 else numpy.zeros(1, numpy.int64))
        total, history = len(ids) * epochs, []
        for epoch in range(1, epochs + 1):
            start, loss, predictions, kept = time.perf_counter(), 0.0, 0, 0
            alpha = self.alpha
            loop = batches if progress is None else progress(batches, epoch, len(batches))
            for lo, hi in loop:
                done = (epoch - 1) * len(ids) + offsets[lo]
                alpha = max(self.min_alpha,
                            self.alpha - (self.alpha - self.min_alpha) * done / max(total, 1))
                batch_ids = ids[offsets[lo]:offsets[hi]]
                batch_offsets = offsets[lo:hi + 1] - offsets[lo]
                terms = train_batch(batch_ids, batch_offsets, keep, self.vectors, self.output,
                                    self.hs_output, noise, self._tree, self.sg, self.negative,
                                    self.hs, self.window, self.cbow_mean, alpha, self._state,
                                    compute_loss)
                loss, predictions, kept = loss + terms[0], predictions + terms[1], kept + terms[2]
            stats = {"loss": loss / max(predictions, 1), "words": kept, "alpha": float(alpha),
                     "seconds": time.perf_counter() - start}
            history.append(stats)
            if on_epoch is not None:
                on_epoch(epoch, stats)
        self._unit = None
        return history

    def fit(self, sentences, **train_options):
        """``build_vocab(sentences)`` then ``train(sentences, ...)``; returns self."""
        sentences = sentences if isinstance(sentences, (list, tuple)) else list(sentences)
        self.build_vocab(sentences)
        self.train(sentences, **train_options)
        return self

    # ------------------------------------------------------------------ queries

    def __len__(self):
        return 0 if self.vocab is None else len(self.vocab)

    def __contains__(self, word):
        return self.vocab is not None and word in self.vocab.index

    def __getitem__(self, word):
        """The (D,) vector of ``word``; KeyError naming it when it is not in the vocabulary."""
        return self.vectors[self._id(word)]

    @property
    def index_to_key(self):
        """The words, most frequent first (gensim's name)."""
        return self.vocab.words

    def _id(self, word):
        if self.vocab is None:
            raise RuntimeError("Word2Vec: the model is not trained (call fit)")
        try:
            return self.vocab.index[word]
        except KeyError:
            raise KeyError(f"word {word!r} is not in the vocabulary ({len(self.vocab)} words, "
                           f"min_count={self.min_count})") from None

    def unit_vectors(self):
        """(V, D) float32: the input vectors scaled to length 1 (cached until training)."""
        if self._unit is None:
            v = self.vectors.astype(numpy.float32)
            self._unit = v / numpy.maximum(numpy.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        return self._unit

    def most_similar(self, word, topn=10, restrict_vocab=None):
        """The ``topn`` words nearest to ``word`` (a word or a (D,) vector) by cosine
        similarity, as [(word, cosine)], the word itself left out."""
        unit = self.unit_vectors()
        if isinstance(word, str):
            query, exclude = unit[self._id(word)], {self._id(word)}
        else:
            query, exclude = numpy.asarray(word, numpy.float32), set()
            query = query / max(numpy.linalg.norm(query), 1e-12)
        return self._nearest(query, exclude, topn, restrict_vocab)

    def analogy(self, a, b, c, topn=1, restrict_vocab=None):
        """``a : b :: c : ?`` by 3CosAdd: the words x (not a, b or c) maximising
        cos(x, b) - cos(x, a) + cos(x, c) = x . (b^ - a^ + c^) for unit x, as
        [(word, score)] (``topn`` of them)."""
        unit = self.unit_vectors()
        ia, ib, ic = self._id(a), self._id(b), self._id(c)
        return self._nearest(unit[ib] - unit[ia] + unit[ic], {ia, ib, ic}, topn, restrict_vocab)

    def _nearest(self, query, exclude, topn, restrict_vocab):
        unit = self.unit_vectors()[:restrict_vocab]
        scores = unit @ query
        for i in exclude:
            if i < len(scores):
                scores[i] = -numpy.inf
        top = numpy.argsort(-scores, kind="stable")[:topn]
        return [(self.vocab.words[i], float(scores[i])) for i in top]

    def evaluate_analogies(self, path, restrict_vocab=300000, lowercase=True):
        """``evaluate_analogies(self.index_to_key, self.vectors, path, ...)``: the accuracy
        and the per-section counts on an analogy file (see that function)."""
        return evaluate_analogies(self.vocab.words, self.unit_vectors(), path, restrict_vocab,
                                  lowercase)

    # ------------------------------------------------------------------ files

    def save(self, path):
        """Write the model to ``path`` (one safetensors file, atomically): the weights as
        tensors, the settings, words and counts as its JSON metadata."""
        from ..io import save
        if self.vocab is None:
            raise RuntimeError("Word2Vec.save: the model is not trained (call fit)")
        save({"word2vec": 1, "settings": {k: getattr(self, k) for k in _SETTINGS},
              "words": list(self.vocab.words), "counts": self.vocab.counts,
              "vectors": self.vectors, "output": self.output, "hs_output": self.hs_output},
             path)

    @classmethod
    def load(cls, path):
        """A model saved by ``save`` (never unpickles); ready for queries and more training."""
        from ..io import load
        document = load(path)
        if not isinstance(document, dict) or document.get("word2vec") != 1:
            raise ValueError(f"Word2Vec.load: {path} is not a file written by Word2Vec.save")
        model = cls(**document["settings"])
        model.vocab = Vocabulary(document["words"], _array(document["counts"]))
        model.vectors, model.output, model.hs_output = (
            _array(document[k]).astype(model.dtype) for k in ("vectors", "output", "hs_output"))
        model._tree = model.vocab.huffman() if model.hs else None
        model._state = numpy.array([model.seed & ((1 << 48) - 1)], numpy.uint64)
        return model


def evaluate_analogies(words, vectors, path, restrict_vocab=300000, lowercase=True):
    """Accuracy of ``vectors`` ((V, D), row i the vector of ``words[i]``, most frequent
    first) on an analogy file in word2vec's format (``: section`` lines, then
    ``a b c d`` questions: a : b :: c : d), as gensim's ``evaluate_word_analogies``:
    questions with a word outside the ``restrict_vocab`` most frequent words are
    skipped; the answer is the 3CosAdd best among those words, a, b, c excluded.

    Returns (accuracy, sections), sections a list of {"section", "correct",
    "incorrect"} (counts), accuracy = correct / answered over all sections (0.0 when
    none could be answered)."""
    unit = numpy.asarray(vectors[:restrict_vocab], numpy.float32)
    unit = unit / numpy.maximum(numpy.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    index = {w: i for i, w in enumerate(words[:restrict_vocab])}
    sections, questions = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.lower() if lowercase else line
            if line.startswith(":"):
                sections.append({"section": line[1:].strip(), "correct": 0, "incorrect": 0})
                continue
            question = line.split()
            if len(question) != 4 or not sections:
                continue
            if all(w in index for w in question):
                questions.append((len(sections) - 1, *(index[w] for w in question)))
    if questions:
        q = numpy.asarray(questions, numpy.int64)
        for lo in range(0, len(q), 1024):          # (1024, V) scores at a time
            chunk = q[lo:lo + 1024]
            scores = (unit[chunk[:, 2]] - unit[chunk[:, 1]] + unit[chunk[:, 3]]) @ unit.T
            rows = numpy.arange(len(chunk))
            for column in (1, 2, 3):
                scores[rows, chunk[:, column]] = -numpy.inf
            right = scores.argmax(1) == chunk[:, 4]
            for section, ok in zip(chunk[:, 0], right):
                sections[section]["correct" if ok else "incorrect"] += 1
    correct = sum(s["correct"] for s in sections)
    answered = correct + sum(s["incorrect"] for s in sections)
    return (correct / answered if answered else 0.0), sections


def neighbour_overlap(a, b, words, topn=10):
    """The mean fraction of shared words between the ``topn`` nearest neighbours of each
    of ``words`` in models ``a`` and ``b`` (anything with gensim's
    ``most_similar(word, topn=...)``, e.g. a ``Word2Vec`` or gensim's ``KeyedVectors``)."""
    if not words:
        raise ValueError("neighbour_overlap: expected at least one word")
    shared = [len({w for w, _ in a.most_similar(word, topn=topn)}
                  & {w for w, _ in b.most_similar(word, topn=topn)}) / topn for word in words]
    return float(numpy.mean(shared))


def _batches(offsets, batch_words):
    """(first sentence, end sentence) ranges holding about ``batch_words`` words each."""
    bounds = numpy.searchsorted(offsets, numpy.arange(0, offsets[-1], max(batch_words, 1)))
    bounds = numpy.unique(numpy.concatenate([bounds, [len(offsets) - 1]]))
    bounds = bounds[bounds < len(offsets)]
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def _array(x):
    return x.numpy() if hasattr(x, "numpy") else numpy.asarray(x)
