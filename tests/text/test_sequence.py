"""pad_sequences, skipgrams and make_sampling_table, against Keras's definitions."""

import numpy
import pytest

import shenjing
from shenjing.text import make_sampling_table, pad_sequences, skipgrams

SEQS = [[1], [2, 3], [4, 5, 6]]
PADS = [
    # (kwargs, expected) -- worked out from Keras's rules: truncating keeps the last
    # ('pre') or first ('post') maxlen items, padding puts `value` before/after
    ({}, [[0, 0, 1], [0, 2, 3], [4, 5, 6]]),
    ({"padding": "post"}, [[1, 0, 0], [2, 3, 0], [4, 5, 6]]),
    ({"maxlen": 2}, [[0, 1], [2, 3], [5, 6]]),
    ({"maxlen": 2, "truncating": "post"}, [[0, 1], [2, 3], [4, 5]]),
    ({"maxlen": 2, "padding": "post", "truncating": "post"}, [[1, 0], [2, 3], [4, 5]]),
    ({"maxlen": 4, "value": -1}, [[-1, -1, -1, 1], [-1, -1, 2, 3], [-1, 4, 5, 6]]),
    ({"maxlen": 1}, [[1], [3], [6]]),
]


@pytest.mark.parametrize("kwargs, expected", PADS)
def test_pad_sequences_table(kwargs, expected):
    out = pad_sequences(SEQS, **kwargs)
    assert out.dtype == numpy.int32
    assert out.tolist() == expected


def test_pad_sequences_dtypes_and_shapes():
    out = pad_sequences([[1.5, 2.5], [3.5]], dtype="float32", value=0.25)
    assert out.dtype == numpy.float32 and out.tolist() == [[1.5, 2.5], [0.25, 3.5]]
    assert pad_sequences([[1.7, 2.2]]).tolist() == [[1, 2]]  # cast to int32
    assert pad_sequences([[], [1, 2]]).tolist() == [[0, 0], [1, 2]]
    assert pad_sequences([numpy.array([7, 8]), (9,)]).tolist() == [[7, 8], [0, 9]]
    vectors = pad_sequences([[[1, 2]], [[3, 4], [5, 6]]])
    assert vectors.shape == (2, 2, 2) and vectors[0].tolist() == [[0, 0], [1, 2]]
    words = pad_sequences([["a", "b"], ["c"]], dtype=object, value="")
    assert words.tolist() == [["a", "b"], ["", "c"]]
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)
    assert pad_sequences([]).shape == (0, 0)


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match='padding type "middle"'):
        pad_sequences(SEQS, padding="middle")
    with pytest.raises(ValueError, match='truncating type "x"'):
        pad_sequences(SEQS, truncating="x")
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"]], value="pad")
    with pytest.raises(ValueError, match="non-iterable 5"):
        pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="shape of sample \\(3,\\) of sequence at position 1"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])


def test_skipgrams_positive_pairs_in_kerass_order():
    couples, labels = skipgrams([1, 2, 3], 4, window_size=1, negative_samples=0, shuffle=False)
    assert couples == [[1, 2], [2, 1], [2, 3], [3, 2]] and labels == [1, 1, 1, 1]
    couples, _ = skipgrams([5, 0, 6, 7], 8, window_size=2, negative_samples=0, shuffle=False)
    assert couples == [[5, 6], [6, 5], [6, 7], [7, 6]]  # 0 is skipped as word and context
    couples, _ = skipgrams([1, 2, 3, 4, 5, 6], 7, negative_samples=0, shuffle=False)
    # window 4 (default): the ends see 4 others, the 4 middle words all 5
    assert couples[:4] == [[1, 2], [1, 3], [1, 4], [1, 5]] and len(couples) == 4 + 5 * 4 + 4


def test_skipgrams_negative_sampling():
    seq = numpy.arange(1, 31)
    couples, labels = skipgrams(seq, 100, window_size=2, negative_samples=1.5, seed=3)
    couples, labels = numpy.array(couples), numpy.array(labels)
    positives, negatives = couples[labels == 1], couples[labels == 0]
    assert len(negatives) == int(len(positives) * 1.5)
    assert set(negatives[:, 0]) <= set(positives[:, 0])
    assert negatives[:, 1].min() >= 1 and negatives[:, 1].max() <= 99
    assert numpy.all(numpy.abs(positives[:, 0] - positives[:, 1]) <= 2)
    again = skipgrams(seq, 100, window_size=2, negative_samples=1.5, seed=3)
    assert again == (couples.tolist(), labels.tolist())  # same seed, same pairs


def test_skipgrams_categorical_and_process_generator():
    _, labels = skipgrams([1, 2], 5, window_size=1, categorical=True, shuffle=False)
    assert labels == [[0, 1], [0, 1], [1, 0], [1, 0]]
    shenjing.manual_seed(7)
    first = skipgrams(list(range(1, 20)), 50)
    shenjing.manual_seed(7)
    assert skipgrams(list(range(1, 20)), 50) == first


def test_skipgrams_sampling_table():
    seq = [1, 2, 3, 4]
    assert skipgrams(seq, 5, sampling_table=numpy.zeros(5), negative_samples=0) == ([], [])
    keep_all = skipgrams(seq, 5, sampling_table=numpy.ones(5), negative_samples=0,
                         shuffle=False)
    assert keep_all == skipgrams(seq, 5, negative_samples=0, shuffle=False)


def test_make_sampling_table():
    table = make_sampling_table(4, sampling_factor=1e-5)
    rank = numpy.array([1, 1, 2, 3])
    f = 1e-5 * (rank * (numpy.log(rank) + 0.577) + 0.5 - 1 / (12 * rank))
    numpy.testing.assert_allclose(table, numpy.sqrt(f))
    numpy.testing.assert_allclose(table[:3], [0.00315225, 0.00315225, 0.00547597], rtol=1e-5)
    assert make_sampling_table(10, sampling_factor=1.0).max() == 1.0  # clipped at 1
