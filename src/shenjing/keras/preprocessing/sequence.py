"""``keras.preprocessing.sequence``: padding and skip-gram pairs, from ``shenjing.text``."""

from ...text import make_sampling_table, pad_sequences, skipgrams

__all__ = ["pad_sequences", "skipgrams", "make_sampling_table"]
