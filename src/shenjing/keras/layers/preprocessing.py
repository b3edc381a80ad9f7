"""Keras's preprocessing layers: ``TextVectorization``, ``Rescaling``, ``Normalization``,
``RandomFlip``, ``RandomRotation``, ``RandomTranslation``, ``RandomZoom``.

Each is a ``Layer`` around the computation of the same name in ``shenjing.text`` or
``shenjing.image`` (the math lives there, once), with Keras's arguments and Keras's
behaviour as a layer: it returns tensors, ``adapt`` learns its state from data, and the
random augmentations change images unless ``training=False`` (a direct call augments, as
in Keras; ``predict`` and ``evaluate`` pass images through).  Images are channels-last,
``(H, W, C)`` or ``(N, H, W, C)``.

    augment = [RandomFlip("horizontal", seed=1), RandomRotation(0.1, seed=2)]
    for layer in augment:
        images = layer(images)                  # a float32 tensor

    vectorize = TextVectorization(max_tokens=20000, output_sequence_length=200)
    vectorize.adapt(texts)
    ids = vectorize(["a great film"])           # int64 tensor (1, 200)
"""

import inspect

import numpy

from ... import image, text
from ...autograd.tensor import Tensor
from .layer import LAYER_KWARGS, Layer


def as_tensor(x):
    """A tensor for ``x`` (tensors pass through, arrays are wrapped without a copy)."""
    return x if isinstance(x, Tensor) else Tensor(numpy.asarray(x))


class _Preprocessing(Layer):
    """A layer that calls an object of ``computation``, made from the constructor's
    arguments other than the layer's own; its config is those arguments."""

    computation = None

    def __init__(self, *args, **kwargs):
        layer_kwargs = {k: kwargs.pop(k) for k in LAYER_KWARGS if k in kwargs}
        super().__init__(**layer_kwargs)
        signature = inspect.signature(self.computation)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{type(self).__name__}: {error}") from None
        bound.apply_defaults()
        self.arguments = {}
        for key, value in bound.arguments.items():
            kind = signature.parameters[key].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                self.arguments.update(value)
            elif key != "name":
                self.arguments[key] = value
        self.op = self.computation(*args, **kwargs)

    def get_config(self):
        return {**super().get_config(), **self.arguments}


class _Augmentation(_Preprocessing):
    def call(self, inputs, training=True):   # Keras's default: a direct call augments
        if not training:
            x = as_tensor(inputs)
            return x if x.dtype == numpy.float32 else x.float()
        if isinstance(inputs, Tensor) and inputs.requires_grad:
            raise ValueError(f"{self.name} ({type(self).__name__}): gradients do not flow "
                             f"through a random augmentation; use it on the input images, "
                             f"before the layers that train")
        return as_tensor(self.op(inputs, training=True))


class RandomFlip(_Augmentation):
    """Flip each image with probability 1/2: ``mode`` ``"horizontal"``, ``"vertical"`` or
    ``"horizontal_and_vertical"``; ``seed`` for a generator of its own."""
    computation = image.RandomFlip


class RandomRotation(_Augmentation):
    """Rotate each image by a random angle: ``factor`` a fraction of a full turn (0.1: up to
    +-36 degrees), or a pair (lower, upper); ``fill_mode``, ``interpolation``, ``seed``,
    ``fill_value`` as Keras's."""
    computation = image.RandomRotation


class RandomTranslation(_Augmentation):
    """Shift each image by random fractions of its height and width (``height_factor``,
    ``width_factor``: a float f for (-f, f), or a pair)."""
    computation = image.RandomTranslation


class RandomZoom(_Augmentation):
    """Zoom each image by a random factor (``height_factor`` -0.2: up to 20% larger;
    ``width_factor`` None: the same zoom on both axes)."""
    computation = image.RandomZoom


class Rescaling(_Preprocessing):
    """``x * scale + offset`` in float32 (``Rescaling(1 / 255)`` for [0, 1]);
    differentiable."""
    computation = image.Rescaling

    supports_masking = True    # the mask of a sequence passes through unchanged

    def call(self, inputs):
        return as_tensor(self.op(inputs))


class Normalization(_Preprocessing):
    """``(x - mean) / sqrt(variance)`` per index of ``axis`` (the channels by default), with
    the statistics given or learned by ``adapt(data)``; ``invert=True`` maps back."""
    computation = image.Normalization

    supports_masking = True    # the mask of a sequence passes through unchanged

    def adapt(self, data):
        """Learn the mean and variance from an array, a tensor, or an iterable of batches."""
        self.op.adapt(data)

    @property
    def mean(self):
        return self.op.mean if self.op.input_mean is None else self.op.input_mean

    @property
    def variance(self):
        return self.op.variance if self.op.input_variance is None else self.op.input_variance

    def call(self, inputs):
        return as_tensor(self.op(inputs))


class TextVectorization(_Preprocessing):
    """Strings to token indices (``output_mode="int"``, int64 ``(N, L)``) or to vectors over a
    vocabulary (``"multi_hot"``, ``"count"``, ``"tf_idf"``, float32 ``(N, V)``).  Arguments
    as Keras's: ``max_tokens``, ``standardize``, ``split``, ``ngrams``,
    ``output_sequence_length``, ``pad_to_max_tokens``, ``vocabulary``, ``idf_weights``.
    Call it on a string, a list or 1-D array of strings, or an ``(N, 1)`` array."""
    computation = text.TextVectorization

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and idf weights) from strings or an iterable of batches."""
        self.op.adapt(data, batch_size=batch_size, steps=steps)

    def get_vocabulary(self, include_special_tokens=True):
        return self.op.get_vocabulary(include_special_tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self.op.set_vocabulary(vocabulary, idf_weights)

    def vocabulary_size(self):
        return self.op.vocabulary_size()

    def call(self, inputs):
        return as_tensor(self.op(inputs))
