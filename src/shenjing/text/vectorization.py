"""``TextVectorization``: strings to token indices or bag-of-words vectors, Keras's rules.

The computation of ``keras.layers.TextVectorization`` on NumPy, without a layer around it
(the Keras face wraps this class).  Each string goes through

1. **standardize**: ``"lower_and_strip_punctuation"`` (default) lowercases ASCII letters
   and deletes the 32 ASCII punctuation characters, apostrophe included (``"Don't!"`` ->
   ``"dont"``); also ``"lower"``, ``"strip_punctuation"``, None or a ``str -> str``
   callable.  (Keras does this with ``tf.strings.lower``, which leaves non-ASCII letters
   as they are; so does this class.)
2. **split**: ``"whitespace"`` (runs of ASCII whitespace; leading/trailing ignored),
   ``"character"`` (code points), None (the whole string is one token) or a callable.
3. **ngrams**: None, ``n`` (widths 1..n) or a tuple of widths; joined with a space.
4. **index**: the vocabulary learned by ``adapt`` -- tokens by count, most frequent first,
   ties in *descending* string order (Keras sorts with ``np.lexsort`` and reverses) --
   after the special tokens: ``''`` (padding, index 0, ``"int"`` mode only) and
   ``'[UNK]'`` (every unknown token).  ``max_tokens`` counts the special tokens.
5. **output**: ``"int"``: int64 indices, rows padded with 0 to the longest (or to
   ``output_sequence_length``, truncating after); ``"multi_hot"``, ``"count"``,
   ``"tf_idf"``: float32 ``(batch, vocabulary size)`` rows (width ``max_tokens`` with
   ``pad_to_max_tokens``); tf-idf is ``count * log(1 + N / (1 + df))``, the ``[UNK]``
   weight being the mean of the others, as Keras.

>>> v = TextVectorization(max_tokens=5000, output_sequence_length=4)
>>> v.adapt(["foo bar", "bar baz", "baz bada boom"])
>>> v.get_vocabulary()
['', '[UNK]', 'baz', 'bar', 'foo', 'boom', 'bada']
>>> v([["foo qux bar"], ["qux baz"]])
array([[4, 1, 3, 0],
       [1, 2, 0, 0]])
"""

import collections
import string

import numpy

from .ngrams import ngrams as _ngrams

MASK_TOKEN = ""
OOV_TOKEN = "[UNK]"
_PUNCTUATION = {ord(c): None for c in string.punctuation}
_ASCII_LOWER = {ord(c): ord(c.lower()) for c in string.ascii_uppercase}
_ASCII_SPACE = {ord(c): " " for c in " \t\n\r\f\v"}
_MODES = ("int", "multi_hot", "count", "tf_idf")


class TextVectorization:
    """Maps strings to token indices (``"int"``) or to vectors over a learned vocabulary.

    Arguments as ``keras.layers.TextVectorization`` (``sparse`` and ``ragged`` aside).
    Call it on a string (one example), a list / 1-D array of strings, or an ``(N, 1)``
    array of strings; ``adapt`` on the same, or on an iterable of such batches.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, encoding="utf-8",
                 name=None, **kwargs):
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(f"TextVectorization: output_mode must be one of {_MODES}, got "
                             f"{output_mode!r}")
        if not (standardize is None or callable(standardize) or standardize in
                ("lower_and_strip_punctuation", "lower", "strip_punctuation")):
            raise ValueError(f"TextVectorization: unknown standardize {standardize!r}")
        if not (split is None or callable(split) or split in ("whitespace", "character")):
            raise ValueError(f"TextVectorization: unknown split {split!r}")
        if not (ngrams is None or isinstance(ngrams, int)
                or isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams)):
            raise ValueError(f"TextVectorization: `ngrams` must be None, an integer, or a tuple "
                             f"of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None
                                         or isinstance(output_sequence_length, int)):
            raise ValueError(f"TextVectorization: `output_sequence_length` must be None or an "
                             f"integer, got {output_sequence_length!r}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"TextVectorization: `output_sequence_length` must not be set if "
                             f"`output_mode` is not 'int'. Received "
                             f"output_sequence_length={output_sequence_length}.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("TextVectorization: `idf_weights` is only used with "
                             "output_mode='tf_idf'")
        kwargs.pop("vocabulary_size", None)  # written by get_config, recomputed here
        kwargs.pop("sparse", None), kwargs.pop("ragged", None)
        if kwargs:
            raise TypeError(f"TextVectorization: unexpected keyword arguments {sorted(kwargs)}")
        self.max_tokens = max_tokens
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self._widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = pad_to_max_tokens
        self.encoding = encoding
        self.name = name
        self.mask_token = MASK_TOKEN if output_mode == "int" else None
        self.oov_token = OOV_TOKEN
        self._input_vocabulary = vocabulary
        self._input_idf_weights = idf_weights
        self._tokens = []          # learned or given tokens, without the special ones
        self._index = {}
        self.idf_weights = None    # per index, for tf_idf
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif idf_weights is not None:
            raise ValueError("TextVectorization: `idf_weights` needs `vocabulary`")

    # ------------------------------------------------------------ the pipeline

    def _standardize(self, text):
        if isinstance(text, bytes):
            text = text.decode(self.encoding)
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.translate(_ASCII_LOWER)
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = text.translate(_PUNCTUATION)
        if callable(self.standardize):
            text = self.standardize(text)
        return text

    def _split(self, text):
        if self.split is None:
            return [text]
        if self.split == "whitespace":
            return text.translate(_ASCII_SPACE).split()
        if self.split == "character":
            return list(text)
        return list(self.split(text))

    def tokens(self, text):
        """The tokens of one string: standardized, split and n-grammed."""
        tokens = self._split(self._standardize(text))
        if self._widths is not None:
            tokens = _ngrams(tokens, self._widths, separator=" ")
        return tokens

    @staticmethod
    def _batch(data):
        """``(list of strings, was_scalar)`` from a string, list, 1-D or (N, 1) array."""
        if isinstance(data, (str, bytes)):
            return [data], True
        array = numpy.asarray(data, dtype=object)
        if array.ndim == 0:
            return [array.item()], True
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(f"TextVectorization: expected a string, a list of strings or an "
                             f"(N, 1) array of strings; got an array of shape {array.shape}")
        return list(array), False

    # ------------------------------------------------------------ vocabulary

    @property
    def _token_start(self):
        return 2 if self.mask_token is not None else 1

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and document frequencies for tf_idf) from ``data``.

        ``data``: strings as for a call, or an iterable of such batches.  ``steps`` limits
        the number of batches read from an iterable.
        """
        if self._input_vocabulary is not None:
            raise ValueError("TextVectorization: cannot adapt a layer created with a fixed "
                             "`vocabulary`")
        if isinstance(data, (str, bytes, list, tuple, numpy.ndarray)):
            batches = [data]
        else:
            batches = iter(data)
        counts, doc_counts, num_documents = collections.Counter(), collections.Counter(), 0
        for step, batch in enumerate(batches):
            if steps is not None and step >= steps:
                break
            for text in self._batch(batch)[0]:
                tokens = self.tokens(text)
                counts.update(tokens)
                doc_counts.update(set(tokens))
                num_documents += 1
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        # count descending, ties by token descending: np.lexsort((tokens, counts))[::-1]
        ranked = sorted(counts.items(), key=lambda tc: (tc[1], tc[0]), reverse=True)
        if self.max_tokens:
            ranked = ranked[:max(self.max_tokens - self._token_start, 0)]
        self._set_tokens([t for t, _ in ranked])
        if self.output_mode == "tf_idf":
            df = numpy.array([doc_counts[t] for t in self._tokens], dtype=numpy.float64)
            idf = numpy.log(1 + num_documents / (1 + df)).astype(numpy.float32)
            self._set_idf(idf, front=self._token_start)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary`` (a list of tokens or a text file, one per line) instead of
        ``adapt``; it may start with the special tokens.  tf_idf needs ``idf_weights``."""
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding=self.encoding) as f:
                vocabulary = [line.rstrip("\n") for line in f]
        tokens = [t.decode(self.encoding) if isinstance(t, bytes) else str(t)
                  for t in numpy.asarray(vocabulary, dtype=object).reshape(-1)]
        specials = [t for t in (self.mask_token, self.oov_token) if t is not None]
        found_special = tokens[:len(specials)] == specials
        if found_special:
            tokens = tokens[len(specials):]
        for special in specials + [MASK_TOKEN]:
            if special in tokens:
                raise ValueError(f"TextVectorization: the special token {special!r} is in the "
                                 f"vocabulary at a place other than the start")
        if len(set(tokens)) != len(tokens):
            repeated = sorted({t for t in tokens if tokens.count(t) > 1})
            raise ValueError(f"TextVectorization: the vocabulary has repeated tokens "
                             f"{repeated[:10]}")
        size = len(tokens) + self._token_start
        if self.max_tokens and size > self.max_tokens:
            raise ValueError(f"TextVectorization: a vocabulary of {size} "
                             f"tokens (special ones included) is larger than "
                             f"max_tokens={self.max_tokens}")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("TextVectorization: output_mode='tf_idf' with a given "
                                 "vocabulary needs `idf_weights`")
            idf = numpy.asarray(idf_weights, dtype=numpy.float32).reshape(-1)
            expected = len(tokens) + (self._token_start if found_special else 0)
            if len(idf) != expected:
                raise ValueError(f"TextVectorization: {len(idf)} idf_weights for a vocabulary of "
                                 f"{expected} tokens")
            self._set_idf(idf, front=0 if found_special else self._token_start)

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start
        self._index = {t: i for i, t in enumerate(self._tokens, start=start)}

    def _set_idf(self, idf, front):
        mean = float(idf.mean()) if idf.size else 0.0
        weights = numpy.concatenate([numpy.full(front, mean, numpy.float32), idf])
        if self.pad_to_max_tokens and self.max_tokens:
            weights = numpy.pad(weights, (0, max(self.max_tokens - len(weights), 0)))
        self.idf_weights = weights

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens by index: ``['', '[UNK]', ...]`` in int mode, ``['[UNK]', ...]`` else."""
        if not include_special_tokens:
            return list(self._tokens)
        specials = [t for t in (self.mask_token, self.oov_token) if t is not None]
        return specials + self._tokens

    def vocabulary_size(self):
        """The number of indices, special tokens included."""
        return self._token_start + len(self._tokens)

    # ------------------------------------------------------------ calling

    def __call__(self, inputs):
        """Vectorize ``inputs``: int64 ``(N, L)`` in int mode, float32 ``(N, V)`` otherwise
        (without the leading axis for a single string)."""
        texts, scalar = self._batch(inputs)
        oov = self._token_start - 1
        rows = [[self._index.get(t, oov) for t in self.tokens(text)] for text in texts]
        if self.output_mode == "int":
            length = self.output_sequence_length
            if length is None:
                length = max((len(r) for r in rows), default=0)
            out = numpy.zeros((len(rows), length), dtype=numpy.int64)
            for i, r in enumerate(rows):
                r = r[:length]
                out[i, :len(r)] = r
        else:
            width = self.vocabulary_size()
            if self.pad_to_max_tokens and self.max_tokens:
                width = max(width, self.max_tokens)
            out = numpy.zeros((len(rows), width), dtype=numpy.float32)
            for i, r in enumerate(rows):
                if r:
                    numpy.add.at(out[i], r, 1.0)
            if self.output_mode == "multi_hot":
                out = numpy.minimum(out, 1.0)
            elif self.output_mode == "tf_idf":
                if self.idf_weights is None:
                    raise ValueError("TextVectorization: tf_idf needs `adapt` or `idf_weights` "
                                     "first")
                out *= self.idf_weights[:width]
        return out[0] if scalar else out

    # ------------------------------------------------------------ config

    def get_config(self):
        """Keras's config keys (``vocabulary``/``idf_weights``: the ones given, if any)."""
        def listify(x):
            return None if x is None else numpy.asarray(x).tolist()
        return {
            "name": self.name,
            "max_tokens": self.max_tokens,
            "standardize": self.standardize,
            "split": self.split,
            "ngrams": self.ngrams,
            "output_mode": self.output_mode,
            "output_sequence_length": self.output_sequence_length,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary": listify(self._input_vocabulary),
            "idf_weights": listify(self._input_idf_weights),
            "encoding": self.encoding,
            "vocabulary_size": self.vocabulary_size(),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)
