"""``keras.preprocessing.text`` / ``.sequence``: Keras's import paths, shenjing's functions."""

import numpy

from shenjing import text
from shenjing.keras import preprocessing
from shenjing.keras.preprocessing.sequence import make_sampling_table, pad_sequences, skipgrams
from shenjing.keras.preprocessing.text import (Tokenizer, hashing_trick, one_hot,
                                               text_to_word_sequence, tokenizer_from_json)


def test_the_names_are_shenjing_texts():
    assert (Tokenizer, tokenizer_from_json, text_to_word_sequence, one_hot, hashing_trick) == (
        text.Tokenizer, text.tokenizer_from_json, text.text_to_word_sequence, text.one_hot,
        text.hashing_trick)
    assert (pad_sequences, skipgrams, make_sampling_table) == (
        text.pad_sequences, text.skipgrams, text.make_sampling_table)
    assert preprocessing.text.Tokenizer is Tokenizer


def test_a_course_pipeline_runs_with_keras_imports():
    # the course's form: Tokenizer -> texts_to_sequences -> pad_sequences
    texts = ["The cat sat on the mat.", "The dog ate my homework!", "Cats and dogs"]
    tokenizer = Tokenizer(num_words=100)
    tokenizer.fit_on_texts(texts)
    sequences = tokenizer.texts_to_sequences(texts)
    # "the" (3 times) first, then the others in order of first appearance
    assert sequences == [[1, 2, 3, 4, 1, 5], [1, 6, 7, 8, 9], [10, 11, 12]]
    data = pad_sequences(sequences, maxlen=5)   # pre-padding, pre-truncating
    assert data.dtype == numpy.int32
    numpy.testing.assert_array_equal(data, [[2, 3, 4, 1, 5], [1, 6, 7, 8, 9], [0, 0, 10, 11, 12]])
