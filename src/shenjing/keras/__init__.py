"""The Keras face: ``from shenjing import keras`` for code written against ``tf.keras``.

What it has so far:

- ``keras.layers``: the base ``Layer`` (``build``/``call``, built on the first input) and
  the preprocessing layers ``TextVectorization``, ``Rescaling``, ``Normalization``,
  ``RandomFlip``, ``RandomRotation``, ``RandomTranslation``, ``RandomZoom``;
- ``keras.datasets``: ``mnist``, ``fashion_mnist``, ``cifar10``, ``imdb``, ``reuters``
  with Keras's ``load_data()``;
- ``keras.preprocessing.text`` / ``keras.preprocessing.sequence``: ``Tokenizer``,
  ``pad_sequences``, ``skipgrams`` and their kin;
- ``keras.utils``: ``pad_sequences``, ``to_categorical``, ``normalize``,
  ``set_random_seed``.

The face adapts, the engine computes: everything here calls ``shenjing.text``,
``shenjing.image``, ``shenjing.datasets`` and the ops, never math of its own.
"""

from . import datasets, layers, preprocessing, utils
from .layers import Layer

__all__ = ["datasets", "layers", "preprocessing", "utils", "Layer"]
