"""Character-level data: vocabulary, encode/decode, next-character blocks, the unigram
baseline."""

import math

import numpy as np
import pytest

from shenjing.text import decode, encode, next_char_blocks, unigram_cross_entropy, vocabulary


def test_encode_decode_round_trip():
    text = "First Citizen:\nBefore we proceed any further, hear me speak.\n"
    chars = vocabulary(text)
    assert chars == sorted(set(text)) and len(chars) == len(set(chars))
    ids = encode(text, chars)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert [chars[i] for i in ids] == list(text)
    assert decode(ids, chars) == text


def test_encode_beyond_latin1_and_unknown_characters():
    text = "神经 net"
    chars = vocabulary(text)
    assert decode(encode(text, chars), chars) == text
    with pytest.raises(ValueError, match=r"not in the vocabulary of 3: 'z'"):
        encode("abz", ["a", "b", "c"])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        encode("a神", ["a"])
    with pytest.raises(ValueError, match="non-empty str"):
        vocabulary("")


def test_next_char_blocks_shift_by_one():
    ids = np.arange(20)
    x, y = next_char_blocks(ids, 6)
    assert x.shape == y.shape == (3, 6)
    np.testing.assert_array_equal(y, x + 1)
    np.testing.assert_array_equal(x.reshape(-1), np.arange(18))
    x, y = next_char_blocks(ids, 6, offset=5)
    assert x.shape == (2, 6) and x[0, 0] == 5 and y[-1, -1] == 17
    with pytest.raises(ValueError, match="next_char_blocks"):
        next_char_blocks(ids.reshape(4, 5), 2)


def test_unigram_cross_entropy():
    train, test = np.array([0, 0, 0, 1]), np.array([0, 1, 2])
    # add-one counts 4, 2, 1 of 7
    expected = -(math.log(4 / 7) + math.log(2 / 7) + math.log(1 / 7)) / 3
    assert unigram_cross_entropy(train, test, 3) == pytest.approx(expected, rel=1e-12)
    uniform = np.arange(10)
    assert unigram_cross_entropy(uniform, uniform, 10) == pytest.approx(math.log(10))


def test_encode_split_cuts_the_encoded_text_at_the_train_share():
    from shenjing.text import decode, encode_split
    train, val, chars = encode_split("abcabcabca", 0.9)
    assert chars == ["a", "b", "c"] and len(train) == 9 and len(val) == 1
    assert decode(train, chars) + decode(val, chars) == "abcabcabca"
