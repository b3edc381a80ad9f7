"""``keras.preprocessing.text``: ``shenjing.text``'s tokenizer and its helpers."""

from ...text import Tokenizer, hashing_trick, one_hot, text_to_word_sequence, tokenizer_from_json

__all__ = ["Tokenizer", "tokenizer_from_json", "text_to_word_sequence", "one_hot",
           "hashing_trick"]
