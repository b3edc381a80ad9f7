"""Keras's text ``Tokenizer`` and its word-splitting helpers, output for output.

Words are found by ``text_to_word_sequence``: lowercase, replace every character of
``filters`` by ``split``, split on ``split``, drop empty pieces.  The default filters are
all ASCII punctuation except the apostrophe, plus tab and newline::

    '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'

so ``"Don't-stop!"`` gives ``["don't", "stop"]``.

``Tokenizer.fit_on_texts`` counts words and ranks them: most frequent first, words of
equal count in order of first occurrence; rank 1 is the most frequent word, 0 is never a
word (it is the padding index), and ``oov_token``, when given, takes rank 1.
``num_words`` does not shrink the index: it only limits ``texts_to_sequences`` and
``texts_to_matrix`` to ranks below it.

>>> t = Tokenizer(num_words=3, oov_token="<unk>")
>>> t.fit_on_texts(["the cat sat", "the dog"])
>>> t.word_index
{'<unk>': 1, 'the': 2, 'cat': 3, 'sat': 4, 'dog': 5}
>>> t.texts_to_sequences(["the cat ran"])
[[2, 1, 1]]
"""

import json
from collections import OrderedDict, defaultdict
from hashlib import md5

import numpy

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """The words of ``text``: lowercase, filter characters to ``split``, split, drop empties."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in text.split(split) if w]


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Each word of ``text`` as ``hash(word) % (n - 1) + 1``: indices in ``[1, n)``.

    ``hash_function``: None for Python's ``hash`` (salted per process unless
    ``PYTHONHASHSEED`` is set, so not reproducible across runs), ``"md5"`` for a stable
    hash, or any ``str -> int`` function.  Distinct words may share an index.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(w):
            return int(md5(w.encode()).hexdigest(), 16)
    if analyzer is None:
        seq = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    else:
        seq = analyzer(text)
    return [hash_function(w) % (n - 1) + 1 for w in seq]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """``hashing_trick`` with Python's ``hash`` (Keras's name; not a one-hot matrix)."""
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


class Tokenizer:
    """Turns texts into sequences of word ranks, or into bag-of-words matrices.

    Arguments as Keras's: ``num_words`` (keep ranks ``< num_words`` when converting),
    ``filters``, ``lower``, ``split``, ``char_level`` (every character is a token),
    ``oov_token`` (rank 1, stands for unknown words), ``analyzer`` (a ``str -> list``
    function replacing ``text_to_word_sequence``).  A text given as a list of strings is
    taken as already split into tokens.
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:  # Keras 1 name
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Tokenizer: unrecognized keyword arguments {kwargs}")
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}
        self.analyzer = analyzer

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    # ------------------------------------------------------------ fitting

    def fit_on_texts(self, texts):
        """Count the words of ``texts`` (strings, or lists of tokens) and rank them again."""
        for text in texts:
            self.document_count += 1
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        ranked = sorted(self.word_counts.items(), key=lambda wc: wc[1], reverse=True)
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary.extend(w for w, _ in ranked)
        # 0 is reserved for padding; a later duplicate (oov_token also seen in texts) wins
        self.word_index = dict(zip(vocabulary, range(1, len(vocabulary) + 1)))
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Count in how many of ``sequences`` each index occurs (for ``tfidf`` matrices)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    # ------------------------------------------------------------ converting

    def texts_to_sequences(self, texts):
        """Each text as a list of ranks; words unknown or ranked ``>= num_words`` are
        dropped, or become the ``oov_token``'s rank when there is one."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        num_words = self.num_words
        oov = self.word_index.get(self.oov_token)
        for text in texts:
            vect = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None:
                    if num_words and i >= num_words:
                        if oov is not None:
                            vect.append(oov)
                    else:
                        vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov)
            yield vect

    def sequences_to_texts(self, sequences):
        """Each sequence of ranks back to a space-joined string of words."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        num_words = self.num_words
        oov = self.word_index.get(self.oov_token)
        for seq in sequences:
            vect = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None:
                    if num_words and num >= num_words:
                        if oov is not None:
                            vect.append(self.index_word[oov])
                    else:
                        vect.append(word)
                elif self.oov_token is not None:
                    vect.append(self.index_word[oov])
            yield " ".join(vect)

    def texts_to_matrix(self, texts, mode="binary"):
        """``(len(texts), num_words)`` float64 matrix; ``mode``: binary, count, tfidf, freq."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Bag-of-words rows from rank sequences.

        ``binary``: 1 where a rank occurs; ``count``: occurrences; ``freq``: occurrences /
        sequence length; ``tfidf``: ``(1 + log c) * log(1 + N / (1 + d))`` with ``N`` the
        documents fitted and ``d`` those holding the word.  Column 0 stays 0; width
        ``num_words``, or ``len(word_index) + 1`` when it is None.
        """
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError("Specify a dimension (`num_words` argument), or fit on some "
                                 "text data first.")
        else:
            num_words = self.num_words
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError(f"Unknown vectorization mode: {mode!r} (expected 'binary', "
                             f"'count', 'tfidf' or 'freq')")
        x = numpy.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not seq:
                continue
            counts = defaultdict(int)
            for j in seq:
                if j < num_words:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[i, j] = c
                elif mode == "freq":
                    x[i, j] = c / len(seq)
                elif mode == "binary":
                    x[i, j] = 1
                else:  # tfidf: weighting scheme 2 of https://en.wikipedia.org/wiki/Tf-idf
                    tf = 1 + numpy.log(c)
                    idf = numpy.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i, j] = tf * idf
        return x

    # ------------------------------------------------------------ saving

    def get_config(self):
        """Keras's config: the settings, and the counts and indices as JSON strings."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """The tokenizer as a JSON string (``tokenizer_from_json`` reads it back)."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """A ``Tokenizer`` from ``Tokenizer.to_json()`` output (Keras's format)."""
    config = dict(json.loads(json_string).get("config"))
    word_counts = json.loads(config.pop("word_counts"))
    word_docs = json.loads(config.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(word_counts)
    tokenizer.word_docs = defaultdict(int, word_docs)
    tokenizer.index_docs = defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer
