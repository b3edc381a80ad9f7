"""N-gram helpers: token n-grams and the fastText example's create_ngram_set / add_ngram."""

from shenjing.text import add_ngram, create_ngram_set, ngrams


def test_ngrams_of_words_and_of_indices():
    assert ngrams(["a", "b", "c"], 2) == ["a b", "b c"]
    assert ngrams(["a", "b", "c"], (1, 3)) == ["a", "b", "c", "a b c"]
    assert ngrams(["a"], 2) == []
    assert ngrams([1, 2, 3], (1, 2)) == [1, 2, 3, (1, 2), (2, 3)]
    assert ngrams(["x", "y"], 2, separator="_") == ["x_y"]


def test_fasttext_example_from_keras():
    # the docstring examples of keras/examples/imdb_fasttext.py
    assert create_ngram_set([1, 4, 9, 4, 1, 4], ngram_value=2) == {(4, 9), (4, 1), (1, 4), (9, 4)}
    assert create_ngram_set([1, 4, 9, 4, 1, 4], ngram_value=3) == {(1, 4, 9), (4, 9, 4),
                                                                  (9, 4, 1), (4, 1, 4)}
    sequences = [[1, 3, 4, 5], [1, 3, 7, 9, 2]]
    token_indice = {(1, 3): 1337, (9, 2): 42, (4, 5): 2017}
    assert add_ngram(sequences, token_indice, ngram_range=2) == [[1, 3, 4, 5, 1337, 2017],
                                                                 [1, 3, 7, 9, 2, 1337, 42]]
    token_indice = {(1, 3): 1337, (9, 2): 42, (4, 5): 2017, (7, 9, 2): 2018}
    assert add_ngram(sequences, token_indice, ngram_range=3) == [
        [1, 3, 4, 5, 1337, 2017], [1, 3, 7, 9, 2, 1337, 42, 2018]]
    assert sequences == [[1, 3, 4, 5], [1, 3, 7, 9, 2]]  # inputs untouched
