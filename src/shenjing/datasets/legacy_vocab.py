"""How Keras built the word indices of its IMDB and Reuters files, redone from the texts.

Keras's ``imdb.npz`` and ``reuters.npz`` hold lists of word ranks made in 2015 by its own
``Tokenizer`` running on Python 2 (``keras/datasets/reuters.py`` of that time still shows
the script: ``Tokenizer().fit_on_texts(texts)`` then ``texts_to_sequences``).  Those files
are NumPy object arrays, that is pickles, which shenjing never loads; the same numbers are
rebuilt here from the original texts by doing what that code did:

1. **Words.**  Each text is a *byte string* (Python 2 ``str``): ``lower()`` lowers ASCII
   letters only, the filter characters ``!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\\t\\n`` become
   spaces, and the text is split on single spaces, empty pieces dropped.  The apostrophe
   is kept (``don't``), ``<br />`` becomes the word ``br``, and a word with a non-ASCII
   capital stays distinct from its lowercase twin (Python 2 left those bytes alone).
2. **Counts.**  ``word_counts`` is a plain Python 2 ``dict`` filled in text order.
3. **Ranks.**  ``sorted(word_counts.items(), key=count, reverse=True)``: most frequent
   first, and -- Python's sort being stable -- words of equal count in the iteration
   order of that ``dict``.  CPython 2.7's dict iterates in hash-table slot order, which
   depends only on the 64-bit string hash (no randomisation by default) and on the
   insertion history, so it is reproduced exactly by ``py2_dict_order`` below.

Checked against Keras's published outputs (see ``tests/datasets/test_imdb.py``): the
88,584-word IMDB index and the first training and test reviews come out index for index.
"""

import collections
import itertools

import numpy

#: ``keras.preprocessing.text.base_filter()`` of 2015 (= today's ``Tokenizer`` default)
FILTERS = b'!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_TABLE = bytes.maketrans(FILTERS, b" " * len(FILTERS))
_MASK = (1 << 64) - 1


def words(text):
    """The words of ``text`` (bytes) as Keras's 2015 ``text_to_word_sequence`` saw them."""
    return [w for w in text.lower().translate(_TABLE).split(b" ") if w]


def py2_hash(word):
    """CPython 2.7's ``hash(str)`` on a 64-bit build, as an unsigned 64-bit integer."""
    if not word:
        return 0
    x = word[0] << 7
    for byte in word:
        x = ((1000003 * x) & _MASK) ^ byte
    x ^= len(word)
    if x == _MASK:  # -1 is reserved for errors in C: CPython returns -2 instead
        x = _MASK - 1
    return x


def py2_dict_order(keys):
    """The order in which a CPython 2.7 ``dict`` iterates ``keys`` inserted in this order.

    The table starts with 8 slots; a key goes to slot ``hash & mask`` or, when taken, along
    the probe sequence ``i = 5*i + 1 + perturb; perturb >>= 5``.  After an insertion that
    fills 2/3 of the table, it is rebuilt at the smallest power of two above 4x (2x past
    50,000 keys) the number of keys, re-inserting them in slot order (dictobject.c).
    """
    size, slots, used = 8, [None] * 8, 0
    for key in keys:
        _insert(slots, size - 1, key, py2_hash(key))
        used += 1
        if used * 3 >= size * 2:
            new = 8
            while new <= (2 if used > 50000 else 4) * used:
                new <<= 1
            old, size, slots = slots, new, [None] * new
            for k in old:
                if k is not None:
                    _insert(slots, size - 1, k[0], k[1])
    return [entry[0] for entry in slots if entry is not None]


def _insert(slots, mask, key, h):
    i = h & mask
    perturb = h
    while slots[i & mask] is not None:
        i = (i << 2) + i + perturb + 1
        perturb >>= 5
    slots[i & mask] = (key, h)


def corpus_words(texts):
    """The words of all ``texts`` (bytes) in one list, and each text's number of words.

    One ``split`` over the whole corpus is several times faster than one per text; texts
    are joined with a control byte (never a filter character) that marks their ends.
    """
    marker = b"\x01"
    if any(marker in t for t in texts):
        per_text = [words(t) for t in texts]
        return [w for ws in per_text for w in ws], numpy.array([len(ws) for ws in per_text])
    joined = (b" " + marker + b" ").join(texts).lower().translate(_TABLE) + b" " + marker
    if any(c in joined for c in (b"\r", b"\x0b", b"\x0c")):
        tokens = [w for w in joined.split(b" ") if w]
    else:  # no other ASCII whitespace: split() gives the same words, faster
        tokens = joined.split()
    words_only, lengths, begin = [], [], 0
    for _ in range(len(texts)):
        end = tokens.index(marker, begin)
        words_only += tokens[begin:end]
        lengths.append(end - begin)
        begin = end + 1
    return words_only, numpy.array(lengths, dtype=numpy.int64)


def rank_words(texts):
    """Words of ``texts`` (bytes) ranked as Keras's ``Tokenizer.fit_on_texts`` ranked them.

    Returns ``(ranked, counts)``: the words most frequent first (ties in Python 2 dict
    order), and their counts.  Rank ``r`` (1-based) is the word's index in Keras's files.
    """
    tokens, _ = corpus_words(texts)
    counts = collections.Counter(tokens)  # a dict: keys in first-occurrence order
    order = py2_dict_order(counts)
    ranked = sorted(order, key=counts.__getitem__, reverse=True)  # stable: ties keep order
    return ranked, counts


def to_sequences(texts, word_index):
    """``texts_to_sequences`` as a ragged array: ``(flat ranks, lengths)``, int64.

    Each text's words become their ranks; words not in ``word_index`` are dropped.
    """
    tokens, lengths = corpus_words(texts)
    ranks = numpy.fromiter(map(word_index.get, tokens, itertools.repeat(0)),
                           dtype=numpy.int64, count=len(tokens))
    known = ranks > 0
    doc = numpy.repeat(numpy.arange(len(lengths)), lengths)
    return ranks[known], numpy.bincount(doc[known], minlength=len(lengths)).astype(numpy.int64)


def decode_word(word):
    """A byte word as text: UTF-8, else Latin-1 (a few Reuters bytes are not UTF-8)."""
    try:
        return word.decode("utf-8")
    except UnicodeDecodeError:
        return word.decode("latin-1")
