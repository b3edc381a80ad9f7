"""IMDB movie reviews: Keras's word-index form, and the raw texts with their labels.

The source is the Large Movie Review Dataset v1.0 (``aclImdb``): 25,000 training and
25,000 test reviews, half positive (rating 7-10, label 1) and half negative (rating 1-4,
label 0), one text file each: ``aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt``.

``load_data`` returns what ``keras.datasets.imdb.load_data`` returns, with the same
arguments and defaults, **without** Keras's ``imdb.npz`` (a pickle): the sequences are
rebuilt from the texts the way Keras made them in 2015 (``legacy_vocab``), in the order of
its file (for each split: ``pos`` then ``neg``, files sorted by name), then shuffled with
``numpy.random.RandomState(seed)`` exactly as Keras shuffles.  Checked against Keras's
published outputs: ``x_train[0]`` (218 indices), ``x_test[0]``, the last reviews of both
splits, the first 20 training labels and a dozen entries of the word index agree exactly;
the word index has Keras's 88,584 words.

>>> (x_train, y_train), (x_test, y_test) = load_data(num_words=10000)
>>> index = {i + 3: w for w, i in get_word_index().items()}
>>> " ".join(index.get(i, "?") for i in x_train[0][1:10])
'this film was just brilliant casting location scenery story'
>>> (texts, labels), _ = load_texts()   # the raw reviews, aligned with load_data's order

Maas, Daly, Pham, Huang, Ng and Potts, *Learning Word Vectors for Sentiment Analysis*,
ACL 2011.  Distributed by Stanford for research use; the texts are IMDb users' reviews.
"""

import functools
import re
import tarfile
import zlib

import numpy

from . import legacy_vocab
from ..io.atomic import atomic_path
from .fetch import DataFile, DataFileError, cache_dir, fetch, file_sha256

#: the official archive (84 MB; also holds 50,000 unlabelled reviews, not read here)
ARCHIVE = DataFile(
    "imdb", "aclImdb_v1.tar.gz",
    "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", 84125825,
    ("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
     "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"))
#: the same 50,000 labelled reviews repackaged without ``train/unsup`` (local copies only)
LABELED_ARCHIVE = DataFile(
    "imdb", "aclImdb_v1_labeled.tar.gz",
    "dad5373669b6a1983c9720a7537a3de1af6d2e23c784bb11ab7ad6deb0cd7492", 28631223)

_REVIEW = re.compile(r"^(?:\./)?aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


def load_data(path=None, num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    """The IMDB reviews as word-index sequences: ``(x_train, y_train), (x_test, y_test)``.

    Word ``w`` of rank ``r`` (1 = most frequent in the training texts) is ``r + index_from``;
    each sequence starts with ``start_char``; ranks ``< skip_top`` or ``>= num_words`` (after
    the shift) become ``oov_char`` (or are dropped when it is None); sequences of
    ``maxlen`` or more indices are removed.  Test-set words never seen in training are
    skipped.  ``x_*``: object arrays of Python lists; ``y_*``: int64 arrays of 0/1.
    ``path``: a folder with ``aclImdb_v1.tar.gz`` (or ``imdb/`` with it), or the archive.
    """
    if "nb_words" in kwargs:  # Keras 1 name, still accepted by Keras
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"imdb.load_data: unexpected keyword arguments {sorted(kwargs)}")
    corpus = _corpus(str(fetch(ARCHIVE, LABELED_ARCHIVE, path=path)))
    (train, y_train), (test, y_test) = corpus.sequences()
    return keras_postprocess(train, y_train, test, y_test, num_words=num_words,
                             skip_top=skip_top, maxlen=maxlen, seed=seed,
                             start_char=start_char, oov_char=oov_char, index_from=index_from)


def get_word_index(path=None):
    """``{word: rank}`` for the 88,584 words of the training reviews (1 = most frequent).

    As ``keras.datasets.imdb.get_word_index()``: add ``index_from`` (3) to a rank to get the
    index used in ``load_data``'s sequences.
    """
    corpus = _corpus(str(fetch(ARCHIVE, LABELED_ARCHIVE, path=path)))
    return {legacy_vocab.decode_word(w): i for i, w in enumerate(corpus.ranked, start=1)}


def load_texts(path=None, seed=113):
    """The raw reviews: ``(texts_train, y_train), (texts_test, y_test)``.

    ``texts_*``: object arrays of ``str`` (the files' text, HTML line breaks ``<br />``
    included); ``y_*``: int64, 1 positive / 0 negative.  With the default ``seed`` the
    order is ``load_data``'s, so ``texts_train[i]`` is the review ``x_train[i]`` encodes;
    ``seed=None`` keeps the archive's order (``pos`` then ``neg``, files sorted by name).
    """
    corpus = _corpus(str(fetch(ARCHIVE, LABELED_ARCHIVE, path=path)))
    out = []
    for split, perm in zip(("train", "test"), _permutations(corpus, seed)):
        texts, labels = corpus.texts[split], corpus.labels[split]
        array = numpy.empty(len(texts), dtype=object)
        array[:] = [t.decode("utf-8") for t in texts]
        out.append((array[perm], labels[perm]))
    return tuple(out)


def keras_postprocess(train, y_train, test, y_test, num_words=None, skip_top=0, maxlen=None,
                      seed=113, start_char=1, oov_char=2, index_from=3, test_split=None):
    """What ``keras.datasets.imdb.load_data`` does after reading ``imdb.npz``, vectorised.

    ``train``/``test``: ragged ``(flat ranks, lengths)`` in file order.  Shuffles both
    splits with one ``RandomState(seed)`` (train first), prepends ``start_char``, shifts by
    ``index_from``, drops sequences of ``maxlen`` or more, maps ranks outside
    ``[skip_top, num_words)`` to ``oov_char`` -- line for line Keras's semantics.
    ``test_split`` (Reuters): ``test`` is None; ``train`` is shuffled and split there.
    """
    rng = numpy.random.RandomState(seed)
    parts = []
    for ragged, labels in ((train, y_train), (test, y_test)):
        if ragged is None:
            continue
        perm = numpy.arange(len(ragged[1]))
        rng.shuffle(perm)
        flat, lengths = _shift(*ragged_take(*ragged, perm), start_char, index_from)
        labels = numpy.asarray(labels)[perm]
        if maxlen:
            keep = numpy.flatnonzero(lengths < maxlen)
            flat, lengths = ragged_take(flat, lengths, keep)
            labels = labels[keep]
        parts.append((flat, lengths, labels))
    if maxlen and (len(parts) == 1 and not len(parts[0][1])
                   or len(parts) == 2 and (not len(parts[0][1]) or not len(parts[1][1]))):
        raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                         f"sequence was kept. Increase maxlen.")
    flat = numpy.concatenate([p[0] for p in parts])
    if not num_words:
        num_words = int(flat.max()) if flat.size else 0
    inside = (flat >= skip_top) & (flat < num_words)
    out = []
    start = 0
    for part_flat, lengths, labels in parts:
        stop = start + len(part_flat)
        inside_part = inside[start:stop]
        if oov_char is not None:
            part_flat = numpy.where(inside_part, part_flat, oov_char)
        else:
            doc = numpy.repeat(numpy.arange(len(lengths)), lengths)
            part_flat = part_flat[inside_part]
            lengths = numpy.bincount(doc[inside_part], minlength=len(lengths))
        out.append((ragged_to_lists(part_flat, lengths), labels))
        start = stop
    if test_split is not None:
        (xs, labels), = out
        n = int(len(xs) * (1 - test_split))
        return (xs[:n], labels[:n]), (xs[n:], labels[n:])
    return tuple(out)


def ragged_take(flat, lengths, index):
    """The rows ``index`` of the ragged array ``(flat, lengths)``, in that order."""
    lengths = numpy.asarray(lengths, dtype=numpy.int64)
    starts = numpy.concatenate([[0], numpy.cumsum(lengths)[:-1]]).astype(numpy.int64)
    new_lengths = lengths[index]
    total = int(new_lengths.sum())
    # position j of the output reads flat[start of its row + offset within the row]
    row_begin = numpy.concatenate([[0], numpy.cumsum(new_lengths)[:-1]]).astype(numpy.int64)
    gather = numpy.arange(total, dtype=numpy.int64) + numpy.repeat(
        starts[index] - row_begin, new_lengths)
    return flat[gather], new_lengths


def ragged_to_lists(flat, lengths):
    """A 1-D object array holding each row of ``(flat, lengths)`` as a Python list."""
    values = flat.tolist()
    ends = numpy.cumsum(lengths).tolist()
    out = numpy.empty(len(ends), dtype=object)
    begin = 0
    for i, end in enumerate(ends):
        out[i] = values[begin:end]
        begin = end
    return out


def _shift(flat, lengths, start_char, index_from):
    flat = flat + index_from
    if start_char is None:
        return flat, lengths
    new_lengths = lengths + 1
    out = numpy.empty(int(new_lengths.sum()), dtype=flat.dtype)
    heads = numpy.concatenate([[0], numpy.cumsum(new_lengths)[:-1]]).astype(numpy.int64)
    body = numpy.ones(len(out), dtype=bool)
    body[heads] = False
    out[heads] = start_char
    out[body] = flat
    return out, new_lengths


def _permutations(corpus, seed):
    if seed is None:
        return [numpy.arange(len(corpus.texts[s])) for s in ("train", "test")]
    rng = numpy.random.RandomState(seed)
    perms = []
    for split in ("train", "test"):
        perm = numpy.arange(len(corpus.texts[split]))
        rng.shuffle(perm)
        perms.append(perm)
    return perms


# ---------------------------------------------------------------- the archive

class _Corpus:
    """The reviews of one archive; the word ranks and sequences are cached on disk.

    Tokenising 50,000 reviews takes seconds; the result (a few int32 arrays) is saved
    beside the downloads as ``imdb/keras-form-<archive SHA-256 prefix>.npz`` (plain
    arrays, ``allow_pickle=False``) and reused by later processes.
    """

    def __init__(self, archive):
        self.archive = archive
        self._texts = self._ranked = self._sequences = None

    def _read(self):
        if self._texts is None:
            self._texts, self._labels, self._names = read_archive(self.archive)

    @property
    def names(self):
        """``split -> ["train/pos/0_9.txt", ...]``: each text's file, in corpus order."""
        self._read()
        return self._names

    @property
    def texts(self):
        self._read()
        return self._texts

    @property
    def labels(self):
        self._read()
        return self._labels

    @property
    def ranked(self):
        if self._ranked is None:
            self._load_cache()
        if self._ranked is None:
            self._ranked, _ = legacy_vocab.rank_words(self.texts["train"])
        return self._ranked

    def sequences(self):
        """Both splits as ragged ``(flat ranks, lengths)`` in file order, with labels."""
        if self._sequences is None:
            self._load_cache()
        if self._sequences is None:
            index = {w: i for i, w in enumerate(self.ranked, start=1)}
            self._sequences = tuple(
                (legacy_vocab.to_sequences(self.texts[s], index), self.labels[s])
                for s in ("train", "test"))
            self._save_cache()
        return self._sequences

    def _cache_path(self):
        return cache_dir() / "imdb" / f"keras-form-{file_sha256(self.archive)[:16]}.npz"

    def _load_cache(self):
        try:
            with numpy.load(self._cache_path(), allow_pickle=False) as f:
                ranked = f["vocabulary"].tobytes().split(b"\n")
                seqs = tuple(((f[s + "_flat"].astype(numpy.int64),
                               f[s + "_lengths"].astype(numpy.int64)), f[s + "_labels"])
                             for s in ("train", "test"))
        except (OSError, KeyError, ValueError):
            return  # no cache yet, or an unreadable one: compute
        self._ranked, self._sequences = ranked, seqs

    def _save_cache(self):
        arrays = {"vocabulary": numpy.frombuffer(b"\n".join(self.ranked), dtype=numpy.uint8)}
        for split, ((flat, lengths), labels) in zip(("train", "test"), self._sequences):
            arrays.update({split + "_flat": flat.astype(numpy.int32),
                           split + "_lengths": lengths.astype(numpy.int32),
                           split + "_labels": labels.astype(numpy.int8)})
        try:
            target = self._cache_path()
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(target) as tmp:
                with open(tmp, "wb") as f:
                    numpy.savez(f, **arrays)
        except OSError:
            pass  # a read-only cache only costs time


@functools.lru_cache(maxsize=2)
def _corpus(archive):
    return _Corpus(archive)


def read_archive(archive):
    """``(texts, labels, names)``, each a dict ``split -> list/array``, from an aclImdb tar.

    Only ``{train,test}/{pos,neg}/*.txt`` are read.  Order: ``pos`` then ``neg``, files
    sorted by name (``"0_9.txt" < "10000_8.txt" < "10001_10.txt"``), the order of Keras's
    ``imdb.npz``.  Texts are bytes, exactly as stored.
    """
    found = {(s, p): [] for s in ("train", "test") for p in ("pos", "neg")}
    try:
        with tarfile.open(archive, "r|*") as tar:
            for member in tar:
                match = _REVIEW.match(member.name)
                if match and member.isfile():
                    name = member.name.rsplit("/", 1)[1]
                    found[match.group(1), match.group(2)].append(
                        (name, tar.extractfile(member).read()))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise DataFileError(f"{archive}: cannot read the aclImdb archive, truncated or corrupt "
                            f"({type(e).__name__}: {e})") from None
    texts, labels, names = {}, {}, {}
    for split in ("train", "test"):
        pos, neg = sorted(found[split, "pos"]), sorted(found[split, "neg"])
        if not pos or not neg:
            raise DataFileError(f"{archive}: no aclImdb/{split}/pos or aclImdb/{split}/neg "
                                f"reviews in this archive")
        texts[split] = [t for _, t in pos] + [t for _, t in neg]
        names[split] = [f"{split}/pos/{n}" for n, _ in pos] + [f"{split}/neg/{n}" for n, _ in neg]
        labels[split] = numpy.array([1] * len(pos) + [0] * len(neg), dtype=numpy.int64)
    return texts, labels, names
