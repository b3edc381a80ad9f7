"""N-grams: of a token list, and the n-gram features of Keras's fastText example.

``ngrams(tokens, n)`` lists the runs of ``n`` consecutive tokens, joined with a space for
string tokens (as ``TextVectorization(ngrams=...)`` and ``tf.strings.ngrams`` make them)
and as tuples otherwise.  ``create_ngram_set`` and ``add_ngram`` are the helpers of
Keras's ``imdb_fasttext`` example (Joulin et al., *Bag of Tricks for Efficient Text
Classification*, 2016): collect the n-grams of index sequences, give each a new index,
and append those indices to the sequences.

>>> ngrams(["the", "cat", "sat"], (1, 2))
['the', 'cat', 'sat', 'the cat', 'cat sat']
>>> add_ngram([[1, 3, 4, 5]], {(1, 3): 1337, (4, 5): 2017})
[[1, 3, 4, 5, 1337, 2017]]
"""


def ngrams(tokens, ngram_width, separator=" "):
    """All n-grams of ``tokens`` for each width in ``ngram_width`` (an int or a tuple),
    widths in the order given, positions left to right; widths longer than the sequence
    give nothing."""
    widths = (ngram_width,) if isinstance(ngram_width, int) else tuple(ngram_width)
    tokens = list(tokens)
    text = all(isinstance(t, str) for t in tokens)
    out = []
    for n in widths:
        if n < 1:
            raise ValueError(f"ngrams: widths must be >= 1, got {n}")
        for i in range(len(tokens) - n + 1):
            gram = tuple(tokens[i:i + n])
            out.append(separator.join(gram) if text else (gram if n > 1 else gram[0]))
    return out


def create_ngram_set(input_list, ngram_value=2):
    """The set of ``ngram_value``-tuples of consecutive items of ``input_list``.

    >>> sorted(create_ngram_set([1, 4, 9, 4, 1, 4], ngram_value=2))
    [(1, 4), (4, 1), (4, 9), (9, 4)]
    """
    return set(zip(*[input_list[i:] for i in range(ngram_value)]))


def add_ngram(sequences, token_indice, ngram_range=2):
    """Append to each sequence the index (``token_indice[ngram]``) of each of its known
    n-grams, for n = 2 .. ``ngram_range``, in order of position (Keras's example, as is:
    longer n-grams are looked for in the sequence already extended)."""
    new_sequences = []
    for input_list in sequences:
        new_list = list(input_list)
        for ngram_value in range(2, ngram_range + 1):
            for i in range(len(new_list) - ngram_value + 1):
                ngram = tuple(new_list[i:i + ngram_value])
                if ngram in token_indice:
                    new_list.append(token_indice[ngram])
        new_sequences.append(new_list)
    return new_sequences
