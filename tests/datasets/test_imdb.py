"""IMDB: Keras's word-index form rebuilt from the aclImdb texts, checked against the
numbers Keras's own ``imdb.npz`` / ``imdb_word_index.json`` give, as published.

Reference values (Keras's outputs printed in public tutorials, books and notebooks; each
list below was found in at least one such output, the first review in several):

- ``x_train[0]`` with all words, ``len(x_train[:3]) == [218, 189, 141]``,
  ``y_train[:20]``: TensorFlow's "basic text classification" tutorial and Chollet's
  *Deep Learning with Python* (section 3.4) print them;
- ``x_train[1..4][:10]`` (``num_words=10000``), ``x_test[0]`` (all words), ``x_train[-1]``,
  ``x_test[-1]`` (``num_words=5000``) and the label heads/tails of both splits: notebook
  outputs of ``imdb.load_data``;
- the decoded first review: the same tutorials (``reverse_word_index.get(i - 3, '?')``);
- word-index entries: the first keys of ``imdb_word_index.json`` as printed from the file
  (``{"fawn": 34701, "tsukino": 52006, "nunnery": 52007, "sonja": 16816, "vani": 63951,
  "woods": 1408, "spiders": 16115, ...}``).
"""

import numpy
import pytest

from shenjing.datasets import imdb, legacy_vocab, load_sample
from shenjing.datasets.samples import load_sample_records
from tests.datasets.conftest import shared_file

X_TRAIN_0 = [
    1, 14, 22, 16, 43, 530, 973, 1622, 1385, 65, 458, 4468, 66, 3941, 4, 173, 36, 256, 5, 25,
    100, 43, 838, 112, 50, 670, 22665, 9, 35, 480, 284, 5, 150, 4, 172, 112, 167, 21631, 336,
    385, 39, 4, 172, 4536, 1111, 17, 546, 38, 13, 447, 4, 192, 50, 16, 6, 147, 2025, 19, 14, 22,
    4, 1920, 4613, 469, 4, 22, 71, 87, 12, 16, 43, 530, 38, 76, 15, 13, 1247, 4, 22, 17, 515, 17,
    12, 16, 626, 18, 19193, 5, 62, 386, 12, 8, 316, 8, 106, 5, 4, 2223, 5244, 16, 480, 66, 3785,
    33, 4, 130, 12, 16, 38, 619, 5, 25, 124, 51, 36, 135, 48, 25, 1415, 33, 6, 22, 12, 215, 28,
    77, 52, 5, 14, 407, 16, 82, 10311, 8, 4, 107, 117, 5952, 15, 256, 4, 31050, 7, 3766, 5, 723,
    36, 71, 43, 530, 476, 26, 400, 317, 46, 7, 4, 12118, 1029, 13, 104, 88, 4, 381, 15, 297, 98,
    32, 2071, 56, 26, 141, 6, 194, 7486, 18, 4, 226, 22, 21, 134, 476, 26, 480, 5, 144, 30, 5535,
    18, 51, 36, 28, 224, 92, 25, 104, 4, 226, 65, 16, 38, 1334, 88, 12, 16, 283, 5, 16, 4472, 113,
    103, 32, 15, 16, 5345, 19, 178, 32]
X_TEST_0 = [
    1, 591, 202, 14, 31, 6, 717, 10, 10, 18142, 10698, 5, 4, 360, 7, 4, 177, 5760, 394, 354, 4,
    123, 9, 1035, 1035, 1035, 10, 10, 13, 92, 124, 89, 488, 7944, 100, 28, 1668, 14, 31, 23, 27,
    7479, 29, 220, 468, 8, 124, 14, 286, 170, 8, 157, 46, 5, 27, 239, 16, 179, 15387, 38, 32, 25,
    7944, 451, 202, 14, 6, 717]
# num_words=5000
X_TRAIN_LAST_5000 = [
    1, 17, 6, 194, 337, 7, 4, 204, 22, 45, 254, 8, 106, 14, 123, 4, 2, 270, 2, 5, 2, 2, 732, 2098,
    101, 405, 39, 14, 1034, 4, 1310, 9, 115, 50, 305, 12, 47, 4, 168, 5, 235, 7, 38, 111, 699,
    102, 7, 4, 4039, 2, 9, 24, 6, 78, 1099, 17, 2345, 2, 21, 27, 2, 2, 5, 2, 1603, 92, 1183, 4,
    1310, 7, 4, 204, 42, 97, 90, 35, 221, 109, 29, 127, 27, 118, 8, 97, 12, 157, 21, 2, 2, 9, 6,
    66, 78, 1099, 4, 631, 1191, 5, 2642, 272, 191, 1070, 6, 2, 8, 2197, 2, 2, 544, 5, 383, 1271,
    848, 1468, 2, 497, 2, 8, 1597, 2, 2, 21, 60, 27, 239, 9, 43, 2, 209, 405, 10, 10, 12, 764, 40,
    4, 248, 20, 12, 16, 5, 174, 1791, 72, 7, 51, 6, 1739, 22, 4, 204, 131, 9]
X_TEST_LAST_5000 = [
    1, 6, 52, 2, 430, 22, 9, 220, 2594, 8, 28, 2, 519, 3227, 6, 769, 15, 47, 6, 3482, 4067, 8,
    114, 5, 33, 222, 31, 55, 184, 704, 2, 2, 19, 346, 3153, 5, 6, 364, 350, 4, 184, 2, 9, 133,
    1810, 11, 2, 2, 21, 4, 2, 2, 570, 50, 2005, 2643, 9, 6, 1249, 17, 6, 2, 2, 21, 17, 6, 1211,
    232, 1138, 2249, 29, 266, 56, 96, 346, 194, 308, 9, 194, 21, 29, 218, 1078, 19, 4, 78, 173, 7,
    27, 2, 2, 3406, 718, 2, 9, 6, 2, 17, 210, 5, 3281, 2, 47, 77, 395, 14, 172, 173, 18, 2740,
    2931, 4517, 82, 127, 27, 173, 11, 6, 392, 217, 21, 50, 9, 57, 65, 12, 2, 53, 40, 35, 390, 7,
    11, 4, 3567, 7, 4, 314, 74, 6, 792, 22, 2, 19, 714, 727, 2, 382, 4, 91, 2, 439, 19, 14, 20, 9,
    1441, 2, 1118, 4, 756, 25, 124, 4, 31, 12, 16, 93, 804, 34, 2005, 2643]
DECODED_0_10000 = (
    "? this film was just brilliant casting location scenery story direction everyone's really "
    "suited the part they played and you could just imagine being there robert ? is an amazing "
    "actor and now the same being director ? father came from the same scottish island as myself "
    "so i loved the fact there was a real connection with this film the witty remarks throughout "
    "the film were great it was just brilliant so much that i bought the film as soon as it was "
    "released for ? and would recommend it to everyone to watch and the fly fishing was amazing "
    "really cried at the end it was so sad and you know what they say if you cry at a film it "
    "must have been good and this definitely was also ? to the two little boy's that played the ? "
    "of norman and paul they were just brilliant children are often left out of the ? list i "
    "think because the stars that play them all grown up are such a big profile for the whole "
    "film but these children are amazing and should be praised for what they have done don't you "
    "think the whole story was so lovely because it was true and was someone's life after all "
    "that was shared with us all")
WORD_INDEX = {"fawn": 34701, "tsukino": 52006, "nunnery": 52007, "sonja": 16816, "vani": 63951,
              "woods": 1408, "spiders": 16115, "the": 1, "and": 2, "a": 3, "br": 7, "this": 11,
              "film": 19, "brilliant": 527}


@pytest.fixture(scope="module")
def archive():
    return shared_file("imdb", "aclImdb_v1_labeled.tar.gz")


@pytest.fixture(scope="module")
def full(archive):
    return imdb.load_data(path=archive.parent)


@pytest.fixture(scope="module")
def top10000(archive, full):  # after `full`: the parsed corpus is reused
    return imdb.load_data(path=archive, num_words=10000)


@pytest.fixture(scope="module")
def word_index(archive, full):
    return imdb.get_word_index(path=archive)


def test_shapes_types_and_labels(full):
    (x_train, y_train), (x_test, y_test) = full
    assert x_train.shape == (25000,) and x_test.shape == (25000,) and x_train.dtype == object
    assert isinstance(x_train[0], list) and y_train.dtype == numpy.int64
    assert y_train.sum() == 12500 and y_test.sum() == 12500
    assert [len(x) for x in x_train[:3]] == [218, 189, 141]
    assert y_train[:20].tolist() == [1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1]
    assert y_train[-3:].tolist() == [0, 1, 0]
    assert y_test[:3].tolist() == [0, 1, 1] and y_test[-3:].tolist() == [0, 0, 0]


def test_first_reviews_match_keras_index_for_index(full):
    (x_train, _), (x_test, _) = full
    assert x_train[0] == X_TRAIN_0
    assert x_test[0] == X_TEST_0


def test_num_words_10000(top10000):
    (x_train, _), (x_test, _) = top10000
    assert x_train[0] == [w if w < 10000 else 2 for w in X_TRAIN_0]
    assert x_train[1][:10] == [1, 194, 1153, 194, 8255, 78, 228, 5, 6, 1463]
    assert x_train[2][:10] == [1, 14, 47, 8, 30, 31, 7, 4, 249, 108]
    assert x_train[3][:10] == [1, 4, 2, 2, 33, 2804, 4, 2040, 432, 111]
    assert x_train[4][:10] == [1, 249, 1323, 7, 61, 113, 10, 10, 13, 1637]
    assert max(max(x) for x in x_train) == 9999


def test_num_words_5000_last_reviews(archive, full):
    (x_train, _), (x_test, _) = imdb.load_data(path=archive, num_words=5000)
    assert x_train[-1] == X_TRAIN_LAST_5000
    assert x_test[-1] == X_TEST_LAST_5000


def test_decoded_first_review(top10000, word_index):
    (x_train, _), _ = top10000
    reverse = {i: w for w, i in word_index.items()}
    assert " ".join(reverse.get(i - 3, "?") for i in x_train[0]) == DECODED_0_10000


def test_word_index(word_index):
    assert len(word_index) == 88584
    for word, rank in WORD_INDEX.items():
        assert word_index[word] == rank, word
    assert sorted(word_index.values()) == list(range(1, 88585))


def test_load_texts_is_aligned_with_load_data(archive, full):
    (texts, labels), (test_texts, test_labels) = imdb.load_texts(path=archive)
    assert texts.shape == (25000,) and isinstance(texts[0], str)
    assert texts[0].startswith("this film was just brilliant,casting,location scenery")
    numpy.testing.assert_array_equal(labels, full[0][1])
    numpy.testing.assert_array_equal(test_labels, full[1][1])
    (raw, raw_labels), _ = imdb.load_texts(path=archive, seed=None)  # archive order
    assert raw_labels[:12500].all() and not raw_labels[12500:].any()
    # every review's words, ranked by the word index, give its sequence back
    index = {w.encode(): i for w, i in imdb.get_word_index(path=archive).items()}
    for i in (0, 1, 24999):
        seq = [r for r in map(index.get, legacy_vocab.words(texts[i].encode())) if r]
        assert [1] + [r + 3 for r in seq] == full[0][0][i]


def test_keras_options_on_the_real_data(archive, full):
    (x_train, y_train), (x_test, y_test) = imdb.load_data(
        path=archive, num_words=2000, skip_top=10, maxlen=100, oov_char=None, start_char=None,
        index_from=0)
    lengths = numpy.array([len(x) for x in full[0][0]])
    assert len(x_train) == int((lengths - 1 < 100).sum())  # no start character here
    flat = [w for x in x_train for w in x]
    assert min(flat) >= 10 and max(flat) < 2000


def test_keras_postprocess_semantics():
    # ragged (flat ranks, lengths): train [[5, 1], [2, 9, 3]], test [[7]]
    train = (numpy.array([5, 1, 2, 9, 3]), numpy.array([2, 3]))
    test = (numpy.array([7]), numpy.array([1]))
    (x_train, y_train), (x_test, y_test) = imdb.keras_postprocess(
        train, [1, 0], test, [0], seed=0, num_words=10)
    perm = numpy.arange(2)
    numpy.random.RandomState(0).shuffle(perm)
    expected = [[[1, 8, 4], [1, 5, 2, 6]][p] for p in perm]
    assert [list(x) for x in x_train] == [[w if w < 10 else 2 for w in x] for x in expected]
    assert x_test.tolist() == [[1, 2]]  # 7 + 3 = 10 >= num_words -> oov_char
    with pytest.raises(ValueError, match="no sequence was kept"):
        imdb.keras_postprocess(train, [1, 0], test, [0], maxlen=1)


def test_legacy_vocab_is_python2():
    assert legacy_vocab.py2_hash(b"a") == 12416037344  # hash('a') on a 64-bit Python 2
    assert legacy_vocab.py2_dict_order([b"a", b"b", b"c"]) == [b"a", b"c", b"b"]  # {'a','c','b'}
    assert legacy_vocab.words(b"Don't-stop!<br />\xc3\x89T\xc3\xa9 ABC") == [
        b"don't", b"stop", b"br", b"\xc3\x89t\xc3\xa9", b"abc"]  # only ASCII is lowered


def test_embedded_sample():
    texts, labels = load_sample("imdb")
    assert texts.shape == (2000,) and labels.tolist()[:4] == [1, 0, 1, 0]
    assert labels.sum() == 1000 and labels.dtype == numpy.int64
    records = load_sample_records("imdb")
    assert records[0]["file"] == "aclImdb/test/pos/0_10.txt" and records[0]["rating"] == 10
    assert records[1]["file"] == "aclImdb/test/neg/0_2.txt" and records[1]["label"] == 0
    assert all((r["rating"] >= 7) == (r["label"] == 1) for r in records)
    assert texts[0].startswith("I went and saw this movie last night")


def test_embedded_sample_matches_the_archive(archive, full):
    corpus = imdb._corpus(str(archive))  # the archive as read by `full`
    by_name = dict(zip(corpus.names["test"], corpus.texts["test"]))
    for record in load_sample_records("imdb")[::97]:
        assert by_name[record["file"][len("aclImdb/"):]].decode("utf-8") == record["text"]
