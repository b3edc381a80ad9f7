"""Tokenizer and friends against Keras's documented behaviour, case by case.

Each expected value below is worked out by hand from the rules of
``keras.preprocessing.text`` (keras-preprocessing 1.1 / tf.keras 2.x): words split by
``text_to_word_sequence`` (lowercase, the filters -- ASCII punctuation but ``'``, tab and
newline -- become spaces), ranked by count, ties by first occurrence, rank 1 first,
``oov_token`` at 1, ``num_words`` applied when converting only.
"""

import hashlib
import json
import math

import numpy
import pytest

from shenjing.datasets import load_sample
from shenjing.text import (Tokenizer, hashing_trick, one_hot, text_to_word_sequence,
                           tokenizer_from_json)

WORDS = [
    # (text, kwargs, words)
    ("The cat sat on the mat.", {}, ["the", "cat", "sat", "on", "the", "mat"]),
    ("Don't stop-believing!", {}, ["don't", "stop", "believing"]),
    ("tab\tand\nnewline", {}, ["tab", "and", "newline"]),
    ("  many   spaces  ", {}, ["many", "spaces"]),
    ("MiXeD Case", {"lower": False}, ["MiXeD", "Case"]),
    ("a-b_c", {"filters": "-"}, ["a", "b_c"]),
    ("one,two three", {"split": ","}, ["one", "two three"]),
    ("x@y#z", {"filters": ""}, ["x@y#z"]),
    ("Ça va? Très bien.", {}, ["ça", "va", "très", "bien"]),
    ("", {}, []),
]


@pytest.mark.parametrize("text, kwargs, words", WORDS)
def test_text_to_word_sequence(text, kwargs, words):
    assert text_to_word_sequence(text, **kwargs) == words


def fitted(texts, **kwargs):
    t = Tokenizer(**kwargs)
    t.fit_on_texts(texts)
    return t


TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "Cat, cat, CAT"]


def test_word_index_by_count_then_first_occurrence():
    t = fitted(TEXTS)
    assert t.word_index == {"cat": 1, "the": 2, "sat": 3, "on": 4, "mat": 5, "dog": 6, "ate": 7,
                            "my": 8, "homework": 9}
    assert t.index_word[1] == "cat" and t.index_word[9] == "homework"
    assert dict(t.word_counts) == {"the": 3, "cat": 4, "sat": 1, "on": 1, "mat": 1, "dog": 1,
                                   "ate": 1, "my": 1, "homework": 1}
    assert list(t.word_counts) == ["the", "cat", "sat", "on", "mat", "dog", "ate", "my",
                                   "homework"]  # first-occurrence order
    assert t.word_docs["the"] == 2 and t.word_docs["cat"] == 2 and t.word_docs["dog"] == 1
    assert t.index_docs[1] == 2 and t.index_docs[2] == 2 and t.index_docs[6] == 1
    assert t.document_count == 3
    assert t.texts_to_sequences(["the cat ate a fish"]) == [[2, 1, 7]]  # unknown words dropped


def test_fitting_twice_accumulates():
    t = fitted(["b b"])
    t.fit_on_texts(["a a a"])
    assert t.word_index == {"a": 1, "b": 2} and t.document_count == 2


def test_oov_token_takes_index_1():
    t = fitted(["a b a"], oov_token="<OOV>")
    assert t.word_index == {"<OOV>": 1, "a": 2, "b": 3}
    assert t.texts_to_sequences(["a c b", ""]) == [[2, 1, 3], []]
    assert t.sequences_to_texts([[2, 1, 3, 99]]) == ["a <OOV> b <OOV>"]


def test_num_words_limits_conversion_not_the_index():
    t = fitted(["a a a b b c"], num_words=3)
    assert t.word_index == {"a": 1, "b": 2, "c": 3}
    assert t.texts_to_sequences(["a b c d"]) == [[1, 2]]
    assert t.sequences_to_texts([[1, 2, 3]]) == ["a b"]
    t = fitted(["a a a b b c"], num_words=3, oov_token="<unk>")
    assert t.word_index == {"<unk>": 1, "a": 2, "b": 3, "c": 4}
    assert t.texts_to_sequences(["a b c d"]) == [[2, 1, 1, 1]]
    assert t.sequences_to_texts([[2, 3, 4]]) == ["a <unk> <unk>"]


def test_char_level_and_pre_split_texts():
    t = fitted(["abcA"], char_level=True)
    assert t.word_index == {"a": 1, "b": 2, "c": 3}
    assert t.texts_to_sequences(["cab!"]) == [[3, 1, 2]]
    t = fitted([["Hello", "World"], ["hello"]])
    assert t.word_index == {"hello": 1, "world": 2}
    assert t.texts_to_sequences([["WORLD", "x"]]) == [[2]]


def test_lower_false_and_split():
    assert fitted(["Hello hello HELLO"], lower=False).word_index == {"Hello": 1, "hello": 2,
                                                                     "HELLO": 3}
    assert fitted(["a;b c;a"], split=";", filters="").word_index == {"a": 1, "b c": 2}


def test_oov_token_also_in_texts_gets_its_frequency_rank():
    # Keras builds word_index with dict(zip(...)): the later entry wins
    t = fitted(["unk a unk unk"], oov_token="unk")
    assert t.word_index == {"unk": 2, "a": 3}


def test_texts_to_matrix_modes():
    t = fitted(["a a b", "b c"])  # a: 2, b: 2 (ties: first occurrence), c: 1
    assert t.word_index == {"a": 1, "b": 2, "c": 3}
    texts = ["a a b", "c"]
    numpy.testing.assert_array_equal(t.texts_to_matrix(texts, "binary"),
                                     [[0, 1, 1, 0], [0, 0, 0, 1]])
    numpy.testing.assert_array_equal(t.texts_to_matrix(texts, "count"),
                                     [[0, 2, 1, 0], [0, 0, 0, 1]])
    numpy.testing.assert_allclose(t.texts_to_matrix(texts, "freq"),
                                  [[0, 2 / 3, 1 / 3, 0], [0, 0, 0, 1]])
    # tfidf: (1 + ln c) * ln(1 + N / (1 + docs)), N = 2; docs a 1, b 2, c 1
    expected = [[0, (1 + math.log(2)) * math.log(2), math.log(1 + 2 / 3), 0],
                [0, 0, 0, math.log(2)]]
    numpy.testing.assert_allclose(t.texts_to_matrix(texts, "tfidf"), expected)
    assert t.texts_to_matrix(texts).dtype == numpy.float64
    t.num_words = 3  # width num_words, ranks >= 3 ignored
    numpy.testing.assert_array_equal(t.texts_to_matrix(texts, "count"), [[0, 2, 1], [0, 0, 0]])


def test_matrix_errors():
    with pytest.raises(ValueError, match="Specify a dimension"):
        Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        fitted(["a"]).texts_to_matrix(["a"], mode="bogus")
    t = Tokenizer(num_words=5)
    with pytest.raises(ValueError, match="tfidf"):
        t.sequences_to_matrix([[1]], mode="tfidf")
    t.fit_on_sequences([[1, 2, 2], [2]])
    assert t.document_count == 2 and t.index_docs == {1: 1, 2: 2}
    numpy.testing.assert_allclose(t.sequences_to_matrix([[2]], "tfidf")[0, 2], math.log(1 + 2 / 3))


def test_json_round_trip():
    t = fitted(TEXTS, num_words=5, oov_token="<unk>")
    config = json.loads(t.to_json())
    assert config["class_name"] == "Tokenizer"
    assert set(config["config"]) == {"num_words", "filters", "lower", "split", "char_level",
                                     "oov_token", "document_count", "word_counts", "word_docs",
                                     "index_docs", "index_word", "word_index"}
    assert json.loads(config["config"]["word_index"]) == t.word_index
    back = tokenizer_from_json(t.to_json())
    assert back.word_index == t.word_index and back.index_word == t.index_word
    assert back.document_count == 3 and back.num_words == 5 and back.oov_token == "<unk>"
    assert back.index_docs == t.index_docs
    texts = ["the cat and a dog", "my mat"]
    assert back.texts_to_sequences(texts) == t.texts_to_sequences(texts)
    numpy.testing.assert_array_equal(back.texts_to_matrix(texts, "tfidf"),
                                     t.texts_to_matrix(texts, "tfidf"))
    back.fit_on_texts(["new words"])  # keeps working after loading
    assert "new" in back.word_index and back.document_count == 4


def test_hashing_trick_and_one_hot():
    seq = hashing_trick("The cat, the hat", 10, hash_function="md5")
    expected = [int(hashlib.md5(w.encode()).hexdigest(), 16) % 9 + 1
                for w in ["the", "cat", "the", "hat"]]
    assert seq == expected and seq[0] == seq[2]
    assert all(1 <= i < 10 for i in one_hot("a b c a", 5))
    assert hashing_trick("x y", 7, hash_function=len) == [2, 2]


def test_keyword_errors_and_legacy_name():
    with pytest.raises(TypeError, match="unrecognized keyword"):
        Tokenizer(bogus=1)
    assert Tokenizer(nb_words=7).num_words == 7


def test_on_real_reviews():
    texts, _ = load_sample("imdb")
    t = fitted(texts[:500], num_words=1000)
    counts = [t.word_counts[w] for w in sorted(t.word_index, key=t.word_index.get)]
    assert counts == sorted(counts, reverse=True)  # ranked by count
    assert list(t.word_index)[:3] == ["the", "and", "a"]
    assert t.word_index["br"] < 20  # "<br />" leaves the word "br", as in Keras's IMDB
    seqs = t.texts_to_sequences(texts[:5])
    assert all(0 < i < 1000 for s in seqs for i in s)
