"""``keras.preprocessing``: the legacy text and sequence utilities of Keras.

- ``text``: ``Tokenizer``, ``tokenizer_from_json``, ``text_to_word_sequence``, ``one_hot``,
  ``hashing_trick``;
- ``sequence``: ``pad_sequences``, ``skipgrams``, ``make_sampling_table``.

They are ``shenjing.text``'s functions, re-exported.
"""

from . import sequence, text

__all__ = ["text", "sequence"]
