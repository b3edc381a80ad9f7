"""TextVectorization: Keras's rules for standardizing, splitting, the vocabulary and the
four output modes, worked out by hand (and Keras's own docstring example)."""

import math

import numpy
import pytest

from shenjing.datasets import load_sample
from shenjing.text import TextVectorization


def adapted(data, **kwargs):
    v = TextVectorization(**kwargs)
    v.adapt(data)
    return v


def test_kerass_docstring_example():
    v = adapted(["foo bar", "bar baz", "baz bada boom"], max_tokens=5000,
                output_sequence_length=4)
    # counts bar 2, baz 2, foo/bada/boom 1; ties in descending string order
    assert v.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    out = v([["foo qux bar"], ["qux baz"]])
    assert out.dtype == numpy.int64
    assert out.tolist() == [[4, 1, 3, 0], [1, 2, 0, 0]]


def test_given_vocabulary_example():
    v = TextVectorization(max_tokens=5000, output_sequence_length=4,
                          vocabulary=["earth", "wind", "and", "fire"])
    assert v.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert v.get_vocabulary(include_special_tokens=False) == ["earth", "wind", "and", "fire"]
    assert v.vocabulary_size() == 6
    assert v(["Earth, wind & FIRE!!"]).tolist() == [[2, 3, 5, 0]]
    same = TextVectorization(vocabulary=["", "[UNK]", "earth", "wind"])  # specials accepted
    assert same.get_vocabulary() == ["", "[UNK]", "earth", "wind"]
    with pytest.raises(ValueError, match="cannot adapt"):
        v.adapt(["x"])


def test_standardize_and_split():
    v = adapted(["Don't STOP! Ça-va? École"])
    # ASCII lowercase, the 32 ASCII punctuation marks deleted (apostrophe and hyphen too),
    # non-ASCII letters left as they are (tf.strings.lower)
    assert v.tokens("Don't STOP! Ça-va? École") == ["dont", "stop", "Çava", "École"]
    assert adapted(["a b"], standardize="lower").tokens("A-b C") == ["a-b", "c"]
    assert adapted(["a"], standardize=None).tokens("A-b") == ["A-b"]
    assert adapted(["a"], standardize="strip_punctuation").tokens("A-b!") == ["Ab"]
    assert adapted(["a"], standardize=str.upper).tokens("ab") == ["AB"]
    assert adapted(["a"], split="character").tokens("ab c") == ["a", "b", " ", "c"]
    assert adapted(["a"], split=None).tokens("Hello World") == ["hello world"]
    assert adapted(["a"], split=lambda s: s.split("x")).tokens("axb") == ["a", "b"]
    assert adapted(["a"]).tokens(" \t many \n spaces ") == ["many", "spaces"]


def test_ngrams():
    v = adapted(["a b c"], ngrams=2)
    assert v.tokens("a b c") == ["a", "b", "c", "a b", "b c"]
    assert adapted(["a"], ngrams=(2,)).tokens("a b c") == ["a b", "b c"]
    assert v(["a b c"]).shape == (1, 5)
    with pytest.raises(ValueError, match="ngrams"):
        TextVectorization(ngrams="2")


def test_max_tokens_and_lengths():
    data = ["a a a b b c d", "c e"]
    v = adapted(data, max_tokens=4)  # '' and '[UNK]' + the 2 most frequent
    assert v.get_vocabulary() == ["", "[UNK]", "a", "c"]  # a 3, then b 2 / c 2 -> 'c' first
    assert v(["a b c e"]).tolist() == [[2, 1, 3, 1]]
    v = adapted(data, output_sequence_length=2)
    assert v(["a b c", "e"]).tolist() == [[2, 4], [5, 0]]  # truncated after, padded after
    assert adapted(data)(["", "a"]).tolist() == [[0], [2]]
    single = adapted(data)("a b")
    assert single.shape == (2,) and single.tolist() == [2, 4]


def test_multi_hot_and_count():
    data = ["a b", "b c c"]  # b 2, c 2, a 1 -> ['[UNK]', 'c', 'b', 'a']
    v = adapted(data, output_mode="multi_hot")
    assert v.get_vocabulary() == ["[UNK]", "c", "b", "a"]
    out = v(["a d d", "c c"])
    assert out.dtype == numpy.float32
    assert out.tolist() == [[1, 0, 0, 1], [0, 1, 0, 0]]
    assert adapted(data, output_mode="count")(["a d d", "c c"]).tolist() == [[2, 0, 0, 1],
                                                                            [0, 2, 0, 0]]
    padded = adapted(data, output_mode="binary", max_tokens=6, pad_to_max_tokens=True)
    assert padded(["a"]).shape == (1, 6)


def test_tf_idf():
    data = ["a b", "b c c"]
    v = adapted(data, output_mode="tf_idf")
    # idf = log(1 + N / (1 + df)), N = 2; df c 1, b 2, a 1; '[UNK]' gets the mean
    idf = {"c": math.log(2), "b": math.log(1 + 2 / 3), "a": math.log(2)}
    unk = sum(idf.values()) / 3
    numpy.testing.assert_allclose(v.idf_weights, [unk, idf["c"], idf["b"], idf["a"]], rtol=1e-6)
    numpy.testing.assert_allclose(v(["a d d", "c c"]),
                                  [[2 * unk, 0, 0, idf["a"]], [0, 2 * idf["c"], 0, 0]], rtol=1e-6)
    given = TextVectorization(output_mode="tf-idf", vocabulary=["x", "y"], idf_weights=[0.5, 1.5])
    numpy.testing.assert_allclose(given.idf_weights, [1.0, 0.5, 1.5])
    numpy.testing.assert_allclose(given(["x y y z"]), [[1.0, 0.5, 3.0]])
    with pytest.raises(ValueError, match="needs `idf_weights`"):
        TextVectorization(output_mode="tf_idf", vocabulary=["x"])


def test_argument_errors():
    with pytest.raises(ValueError, match="output_mode"):
        TextVectorization(output_mode="bogus")
    with pytest.raises(ValueError, match="`output_sequence_length` must not be set"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="special token '\\[UNK\\]'"):
        TextVectorization(vocabulary=["a", "[UNK]"])
    with pytest.raises(ValueError, match="repeated"):
        TextVectorization(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="\\(N, 1\\)"):
        adapted(["a"])(numpy.array([["a", "b"]]))


def test_adapt_on_batches_equals_adapt_on_all():
    texts, _ = load_sample("imdb")
    whole = adapted(list(texts[:300]), max_tokens=500)
    batched = TextVectorization(max_tokens=500)
    batched.adapt(texts[i:min(i + 64, 300)] for i in range(0, 300, 64))
    assert batched.get_vocabulary() == whole.get_vocabulary()
    assert whole.get_vocabulary()[2:5] == ["the", "and", "a"]
    assert whole.vocabulary_size() == 500


def test_config_round_trip():
    v = TextVectorization(max_tokens=10, ngrams=(1, 2), output_sequence_length=5,
                          vocabulary=["a", "b"])
    config = v.get_config()
    assert config["vocabulary"] == ["a", "b"] and config["vocabulary_size"] == 4
    back = TextVectorization.from_config(config)
    assert back.get_vocabulary() == v.get_vocabulary()
    assert back(["a b c"]).tolist() == v(["a b c"]).tolist() == [[2, 3, 1, 1, 1]]
