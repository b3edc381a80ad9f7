"""Reuters newswires labelled over 46 topics, as ``keras.datasets.reuters`` gives them.

Keras's ``reuters.npz`` holds object arrays, that is pickles, which shenjing never loads.
Its numbers were made in 2015 from the classic Reuters-21578 collection by a script that
Keras shipped at the time (``keras/datasets/reuters.py``, ``make_reuters_dataset``); this
module runs the same steps on the original SGML files (``reuters21578.tar.gz``), so no
pickle is needed:

1. For the ``reut2-*.sgm`` files in name order, each ``<TOPICS>`` element with at least one
   topic gives a wire labelled with its *first* topic; its text is what follows the next
   ``<BODY>`` tag up to the next ``</`` (quirks kept: a wire without a body borrows the
   next one's, as the original string search did).  Entities stay as they are, so every
   body ends in ``Reuter &#3;``, the words ``reuter 3``.
2. Topics with fewer than 15 wires are dropped (46 remain); a topic's label is its rank
   of first appearance (0 ``cocoa``, 1 ``grain``, ... as ``get_label_names()``).
3. ``Tokenizer().fit_on_texts`` on the kept bodies, word ranks as in ``legacy_vocab``
   (Python 2 byte-string words, ties in Python 2 dict order).
4. ``load_data`` then shuffles with ``RandomState(seed)``, prepends ``start_char``, shifts
   by ``index_from``, filters and splits at ``1 - test_split`` as Keras's ``load_data``.

Unlike IMDB, this could not be checked here against Keras's published numbers: the
archive is not in the test data (``tests/datasets/test_reuters.py`` holds those numbers
and runs when a copy is present).  The label names are those Keras documents.

Lewis, *Reuters-21578 text categorization test collection*, Distribution 1.0 (1997);
the copyright of the texts is Reuters Ltd's, the collection is free for research use.
"""

import functools
import tarfile
import zlib

import numpy

from . import legacy_vocab
from .fetch import DataFile, DataFileError, fetch
from .imdb import keras_postprocess

ARCHIVE = DataFile(
    "reuters", "reuters21578.tar.gz",
    "3bae43c9b14e387f76a61b6d82bf98a4fb5d3ef99ef7e7075ff2ccbcf59f9d30", 8150596,
    ("https://kdd.ics.uci.edu/databases/reuters21578/reuters21578.tar.gz",
     "http://www.daviddlewis.com/resources/testcollections/reuters21578/reuters21578.tar.gz"))

#: ``keras.datasets.reuters.get_label_names()``: label ``i`` is ``LABEL_NAMES[i]``
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead")

MIN_SAMPLES_PER_TOPIC = 15


def load_data(path=None, num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Reuters wires as word-index sequences: ``(x_train, y_train), (x_test, y_test)``.

    Arguments as ``keras.datasets.reuters.load_data``; 11,228 wires split 8,982 / 2,246 by
    default.  ``x_*``: object arrays of lists; ``y_*``: int64 labels 0-45.
    ``path``: a folder with ``reuters21578.tar.gz`` (or ``reuters/`` with it), or the file.
    """
    if "nb_words" in kwargs:
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"reuters.load_data: unexpected keyword arguments {sorted(kwargs)}")
    corpus = _corpus(str(fetch(ARCHIVE, path=path)))
    return keras_postprocess(corpus.sequences, corpus.labels, None, None,
                             num_words=num_words, skip_top=skip_top, maxlen=maxlen, seed=seed,
                             start_char=start_char, oov_char=oov_char, index_from=index_from,
                             test_split=test_split)


def get_word_index(path=None):
    """``{word: rank}`` of the words of the kept wires (1 = most frequent)."""
    corpus = _corpus(str(fetch(ARCHIVE, path=path)))
    return {legacy_vocab.decode_word(w): i for i, w in enumerate(corpus.ranked, start=1)}


def get_label_names():
    """The 46 topic names, label ``i`` first (Keras's tuple)."""
    return LABEL_NAMES


def load_texts(path=None, test_split=0.2, seed=113):
    """The kept wires' raw body texts with labels, in ``load_data``'s order and split."""
    corpus = _corpus(str(fetch(ARCHIVE, path=path)))
    texts = numpy.empty(len(corpus.bodies), dtype=object)
    texts[:] = [legacy_vocab.decode_word(b) for b in corpus.bodies]
    perm = numpy.arange(len(texts))
    numpy.random.RandomState(seed).shuffle(perm)
    texts, labels = texts[perm], corpus.labels[perm]
    n = int(len(texts) * (1 - test_split))
    return (texts[:n], labels[:n]), (texts[n:], labels[n:])


# ---------------------------------------------------------------- the SGML files

def parse_wires(sgml_files):
    """``(topics, bodies)`` from ``[(name, bytes), ...]`` as ``make_reuters_dataset`` read them.

    Files whose name contains ``sgm`` are read in name order.  The string searches are the
    original's (``s.find('</')`` and friends, ``-1`` results included), done with indices
    instead of slicing the rest of the file at every tag.
    """
    topics, bodies = [], []
    for name, s in sorted(sgml_files):
        if "sgm" not in name.rsplit("/", 1)[-1]:
            continue
        pos = 0
        while True:
            found = s.find(b"<TOPICS>", pos)
            if found < 0:
                break
            pos = found + len(b"<TOPICS>")
            topic = _until_close(s, pos)
            if not topic or b"</D><D>" in topic:  # the second test never fires: kept as is
                continue
            topics.append(topic.replace(b"<D>", b"").replace(b"</D>", b""))
            body = s.find(b"<BODY>", pos)
            bodies.append(_until_close(s, body + len(b"<BODY>") if body >= 0 else pos + 5))
    return topics, bodies


def _until_close(s, start):
    """``rest[:rest.find('</')]`` for ``rest = s[start:]`` (``find`` = -1 drops the last byte)."""
    end = s.find(b"</", start)
    return s[start:end] if end >= 0 else s[start:len(s) - 1]


def build(topics, bodies, min_samples_per_topic=MIN_SAMPLES_PER_TOPIC):
    """Keep frequent topics; returns ``(bodies, labels, topic_names, ranked_words)``."""
    counts = {}
    for t in topics:
        counts[t] = counts.get(t, 0) + 1
    label_of, kept, labels = {}, [], []
    for t, b in zip(topics, bodies):
        if counts[t] >= min_samples_per_topic:
            labels.append(label_of.setdefault(t, len(label_of)))
            kept.append(b)
    ranked, _ = legacy_vocab.rank_words(kept)
    names = tuple(legacy_vocab.decode_word(t) for t in label_of)
    return kept, numpy.array(labels, dtype=numpy.int64), names, ranked


def read_archive(archive):
    """``[(name, bytes)]`` of the ``reut2-*.sgm`` files in a ``reuters21578.tar.gz``."""
    files = []
    try:
        with tarfile.open(archive, "r|*") as tar:
            for member in tar:
                if member.isfile() and "sgm" in member.name.rsplit("/", 1)[-1]:
                    files.append((member.name, tar.extractfile(member).read()))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise DataFileError(f"{archive}: cannot read the Reuters-21578 archive, truncated or "
                            f"corrupt ({type(e).__name__}: {e})") from None
    if not files:
        raise DataFileError(f"{archive}: no reut2-*.sgm files in this archive")
    return files


class _Corpus:
    def __init__(self, archive):
        topics, bodies = parse_wires(read_archive(archive))
        self.bodies, self.labels, self.topic_names, self.ranked = build(topics, bodies)
        index = {w: i for i, w in enumerate(self.ranked, start=1)}
        self.sequences = legacy_vocab.to_sequences(self.bodies, index)


@functools.lru_cache(maxsize=2)
def _corpus(archive):
    return _Corpus(archive)
