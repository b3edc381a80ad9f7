"""Keras's activation layers: ``ReLU``, ``LeakyReLU``, ``Softmax``, ``ELU``.

Each applies shenjing's activation op to its input (any shape -> the same shape), with
Keras's arguments and defaults (``LeakyReLU``'s slope is 0.3 as in Keras, not PyTorch's
0.01).

    ReLU(max_value=6.0)(x)          # min(max(x, 0), 6)
    Softmax(axis=1)(x, mask=keep)   # softmax over the positions where keep is True
"""

import numpy

from ... import ops
from .. import activations
from ...autograd.tensor import Tensor
from ...ops.attention import masked_softmax
from .core import layer_input
from .layer import Layer


def _number(value, what, who, minimum=0.0, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ValueError(f"{who}: {what} must be a number >= {minimum}, got {value!r}")
    return float(value)


class ReLU(Layer):
    """Keras's rectified linear unit with its three options:

        f(x) = max_value                        for x >= max_value
             = x                                for threshold < x < max_value
             = negative_slope * (x - threshold) for x <= threshold

    the function ``keras.activations.relu`` with the layer's options; the defaults are plain
    ``relu``.
    """

    supports_masking = True    # the mask of a sequence passes through unchanged

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        who = f"{self.name} (ReLU)"
        self.max_value = _number(max_value, "max_value", who, allow_none=True)
        self.negative_slope = _number(negative_slope, "negative_slope", who)
        self.threshold = _number(threshold, "threshold", who)

    def call(self, inputs):
        return activations.relu(layer_input(inputs, self), self.negative_slope,
                                self.max_value, self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(Layer):
    """x if x > 0 else negative_slope * x; Keras's default slope is 0.3 (``alpha``, Keras
    2's name, is accepted too)."""

    supports_masking = True    # the mask of a sequence passes through unchanged

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _number(negative_slope, "negative_slope", f"{self.name} (LeakyReLU)")

    def call(self, inputs):
        return ops.leaky_relu(layer_input(inputs, self), self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class Softmax(Layer):
    """exp(x) / sum(exp(x)) along ``axis`` (an int).  ``mask`` (bool, broadcast to the
    input, True = take part) leaves the masked positions out of the softmax (they get 0;
    a slice with no position left gets zeros, where Keras's -1e9 penalty gives it uniform
    weights)."""

    supports_masking = True    # the mask of a sequence passes through unchanged

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"{self.name} (Softmax): axis must be an int, got {axis!r}")
        self.axis = axis

    def call(self, inputs, mask=None):
        x = layer_input(inputs, self)
        if not -x.ndim <= self.axis < x.ndim:
            raise ValueError(f"{self.name} (Softmax): axis {self.axis} is out of range for "
                             f"inputs of shape {tuple(x.shape)}")
        if mask is None:
            return ops.softmax(x, self.axis)
        keep = mask.array if isinstance(mask, Tensor) else numpy.asarray(mask)
        try:
            keep = numpy.broadcast_to(keep.astype(bool), x.shape)
        except ValueError:
            raise ValueError(f"{self.name} (Softmax): mask of shape {keep.shape} does not "
                             f"broadcast to inputs of shape {tuple(x.shape)}") from None
        axis = self.axis % x.ndim
        if axis == x.ndim - 1:
            return masked_softmax(x, keep)
        moved = ops.swapaxes(x, axis, -1)
        return ops.swapaxes(masked_softmax(moved, numpy.swapaxes(keep, axis, -1)), axis, -1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class ELU(Layer):
    """x if x > 0 else alpha (e^x - 1)."""

    supports_masking = True    # the mask of a sequence passes through unchanged

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise ValueError(f"{self.name} (ELU): alpha must be a number, got {alpha!r}")
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.elu(layer_input(inputs, self), self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
