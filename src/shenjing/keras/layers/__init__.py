"""``keras.layers``: the Keras face's layers.

- ``Layer`` (``layer.py``): the base class, a ``Module`` built lazily from its first input.
- preprocessing (``preprocessing.py``): ``TextVectorization``, ``Rescaling``,
  ``Normalization``, ``RandomFlip``, ``RandomRotation``, ``RandomTranslation``,
  ``RandomZoom``.
- core (``core.py``): ``Dense``, ``Activation``, ``Flatten``, ``Dropout``, ``Reshape``.
- normalization (``normalization.py``): ``BatchNormalization``, ``LayerNormalization``.
"""

from .core import Activation, Dense, Dropout, Flatten, Reshape
from .layer import Layer
from .normalization import BatchNormalization, LayerNormalization
from .preprocessing import (Normalization, RandomFlip, RandomRotation, RandomTranslation,
                            RandomZoom, Rescaling, TextVectorization)

__all__ = ["Layer", "TextVectorization", "Rescaling", "Normalization", "RandomFlip",
           "RandomRotation", "RandomTranslation", "RandomZoom"]
__all__ += ["Dense", "Activation", "Flatten", "Dropout", "Reshape", "BatchNormalization",
            "LayerNormalization"]
