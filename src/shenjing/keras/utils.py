"""``keras.utils``: ``pad_sequences``, ``to_categorical``, ``normalize``, ``set_random_seed``."""

import random

import numpy

from .. import backend
from ..image import normalize, to_categorical
from ..text import pad_sequences

__all__ = ["pad_sequences", "to_categorical", "normalize", "set_random_seed"]


def set_random_seed(seed):
    """Seed everything random that a Keras program uses: shenjing's generator (weights,
    dropout, augmentation, shuffling), Python's ``random`` and NumPy's global generator."""
    seed = int(seed)
    backend.manual_seed(seed)
    random.seed(seed)
    numpy.random.seed(seed)
