"""``keras.layers``: the Keras face's layers.

- ``Layer`` (``layer.py``): the base class, a ``Module`` built lazily from its first input.
- preprocessing (``preprocessing.py``): ``TextVectorization``, ``Rescaling``,
  ``Normalization``, ``RandomFlip``, ``RandomRotation``, ``RandomTranslation``,
  ``RandomZoom``.
"""

from .layer import Layer
from .preprocessing import (Normalization, RandomFlip, RandomRotation, RandomTranslation,
                            RandomZoom, Rescaling, TextVectorization)

__all__ = ["Layer", "TextVectorization", "Rescaling", "Normalization", "RandomFlip",
           "RandomRotation", "RandomTranslation", "RandomZoom"]
