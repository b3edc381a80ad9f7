"""Text preprocessing, Keras's rules: tokenizing, padding, vectorizing, skip-grams.

Framework-neutral (NumPy in, NumPy out); the Keras face re-exports these as
``keras.preprocessing.text``, ``keras.preprocessing.sequence``, ``keras.utils
.pad_sequences`` and wraps ``TextVectorization`` as a layer.

- ``Tokenizer``, ``tokenizer_from_json``, ``text_to_word_sequence``, ``one_hot``,
  ``hashing_trick`` (``tokenizer.py``): Keras's legacy ``keras.preprocessing.text``.
- ``pad_sequences``, ``skipgrams``, ``make_sampling_table`` (``sequence.py``).
- ``TextVectorization`` (``vectorization.py``): ``keras.layers.TextVectorization``'s
  computation: standardize, split, n-grams, vocabulary from ``adapt``, int / multi_hot /
  count / tf_idf output.
- ``ngrams``, ``create_ngram_set``, ``add_ngram`` (``ngrams.py``): n-gram features.
- ``vocabulary``, ``encode``, ``encode_split``, ``decode``, ``next_char_blocks``,
  ``unigram_cross_entropy``
  (``characters.py``): character-level language-model data and its baseline.
- ``token_probabilities``, ``sample_logits``, ``generate`` (``sampling.py``): a language
  model's next token by temperature and top-k, and the generation loop.
"""

from .characters import (decode, encode, encode_split, next_char_blocks, unigram_cross_entropy,
                         vocabulary)
from .ngrams import add_ngram, create_ngram_set, ngrams
from .sampling import generate, sample_logits, token_probabilities
from .sequence import make_sampling_table, pad_sequences, skipgrams
from .tokenizer import (DEFAULT_FILTERS, Tokenizer, hashing_trick, one_hot, text_to_word_sequence,
                        tokenizer_from_json)
from .vectorization import TextVectorization

__all__ = ["Tokenizer", "tokenizer_from_json", "text_to_word_sequence", "one_hot",
           "hashing_trick", "DEFAULT_FILTERS", "pad_sequences", "skipgrams",
           "make_sampling_table", "TextVectorization", "ngrams", "create_ngram_set", "add_ngram",
           "token_probabilities", "sample_logits", "generate", "vocabulary", "encode",
           "encode_split", "decode",
           "next_char_blocks", "unigram_cross_entropy"]
