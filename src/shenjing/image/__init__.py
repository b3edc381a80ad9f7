"""Image helpers on channels-last NumPy arrays (or shenjing tensors): one-hot labels,
normalisation and the augmentations of Keras's preprocessing layers.

- ``to_categorical``, ``normalize`` (``utils.py``)
- ``Rescaling``, ``Normalization`` with ``adapt`` (``normalization.py``)
- ``RandomFlip``, ``RandomRotation``, ``RandomTranslation``, ``RandomZoom``, ``RandomRot90``
  (``augment.py``), drawing from shenjing's process generator or their own ``seed``
- the transforms themselves (``transform.py``): ``flip_left_right``, ``flip_up_down``,
  ``rot90``, ``rotate``, ``translate``, ``zoom``, ``affine_transform`` with nearest /
  bilinear sampling and Keras's fill modes

The Keras face wraps the classes as layers of the same names.
"""

from .augment import RandomFlip, RandomRot90, RandomRotation, RandomTranslation, RandomZoom
from .normalization import Normalization, Rescaling
from .transform import (affine_transform, flip_left_right, flip_up_down, rot90, rotate,
                        rotation_transform, translate, translation_transform, zoom,
                        zoom_transform)
from .utils import normalize, to_categorical

__all__ = ["to_categorical", "normalize", "Rescaling", "Normalization", "RandomFlip",
           "RandomRotation", "RandomTranslation", "RandomZoom", "RandomRot90",
           "affine_transform", "flip_left_right", "flip_up_down", "rot90", "rotate",
           "translate", "zoom", "rotation_transform", "translation_transform", "zoom_transform"]
