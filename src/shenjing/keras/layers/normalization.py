"""Keras's normalization layers: ``BatchNormalization`` and ``LayerNormalization``.

Both standardise, then scale and shift, with the fused ops of the PyTorch face
(``shenjing.ops.normalization``):

    x_hat = (x - mean) / sqrt(var + epsilon)        normalize
    y = gamma * x_hat + beta                        scale and shift

Batch norm takes the mean and (biased) variance of each channel over the batch (and every
other axis); layer norm takes them over each sample's features.  Channels are last
(``axis=-1``), Keras's layout.
"""

from ... import backend
from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...ops import permute
from ...ops.normalization import batch_norm, layer_norm
from .. import initializers, regularizers
from .core import layer_input
from .layer import Layer


def _ones(shape, x):
    """A constant tensor of ones of ``shape``, in x's dtype and array module."""
    return Tensor(backend.array_module(x.array).ones(shape, x.dtype))


def _affine(layer, shape, x):
    """(gamma, beta) for the op, either None when switched off; a beta without a gamma gets
    a gamma of ones (the ops take a shift only beside a scale)."""
    gamma = layer.gamma if layer.scale else None
    beta = layer.beta if layer.center else None
    if gamma is None and beta is not None:
        gamma = _ones(shape, x)
    return gamma, beta


def _no_constraints(layer, beta_constraint, gamma_constraint):
    if beta_constraint is not None or gamma_constraint is not None:
        raise NotImplementedError(f"{layer.name} ({type(layer).__name__}): weight constraints "
                                  f"are not supported yet")


class BatchNormalization(Layer):
    """Batch normalization over every axis but ``axis`` (the channels, last by default), for
    inputs of any rank >= 2: (N, ..., C) -> the same shape.

    In training (``training=True``, or None in the layer's training mode, and the layer
    trainable) it normalizes with the batch's mean and biased variance and moves the moving
    statistics towards them:

        moving = moving * momentum + batch * (1 - momentum)

    (Keras's convention: ``momentum`` is the weight of the past, PyTorch's is 1 - that, and
    the variance moved towards is the biased one, where PyTorch's is unbiased.)  In inference,
    or when ``trainable`` is False (as in Keras, for fine-tuning), it normalizes with the
    moving statistics.  Weights, in Keras's order: gamma, beta (trainable), moving_mean,
    moving_variance (not trainable), each of shape (C,).

    A mask (N, ...) of one dim fewer than the input (True = a real step, from ``Embedding(
    mask_zero=True)`` or ``Masking``) leaves the masked steps out of the batch statistics in
    training, as Keras 3 does; the output keeps the mask.
    """

    supports_masking = True

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise NotImplementedError(f"{self.name} (BatchNormalization): one channel axis "
                                          f"is supported, got axis={list(axis)}")
            axis = axis[0]
        if synchronized:
            raise NotImplementedError(f"{self.name} (BatchNormalization): synchronized=True "
                                      f"needs several devices; there is one")
        _no_constraints(self, beta_constraint, gamma_constraint)
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def _check(self, shape):
        """The channel count for inputs of ``shape``, or a ValueError naming the layer."""
        rank = len(shape)
        if rank < 2 or not -rank <= self.axis < rank:
            raise ValueError(f"{self.name} (BatchNormalization): expected inputs of at least 2 "
                             f"dims with a channel axis {self.axis}, got shape {shape}")
        channels = shape[self.axis]
        built = getattr(self, "moving_mean", None)
        if built is not None and channels != built.shape[0]:
            raise ValueError(f"{self.name} (BatchNormalization): expected {built.shape[0]} "
                             f"channels on axis {self.axis}, got inputs of shape {shape}")
        return channels

    def build(self, input_shape):
        shape = (self._check(tuple(input_shape or ())),)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean", trainable=False,
                                           initializer=self.moving_mean_initializer)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               trainable=False,
                                               initializer=self.moving_variance_initializer)

    def call(self, inputs, training=None, mask=None):
        x = layer_input(inputs, self)
        channels = self._check(tuple(x.shape))
        if mask is not None and tuple(mask.shape) != tuple(x.shape[:-1]):
            raise ValueError(f"{self.name} (BatchNormalization): the mask must have the input's "
                             f"shape without its last axis, {tuple(x.shape[:-1])}; got mask "
                             f"shape {tuple(mask.shape)} for inputs of shape {tuple(x.shape)}")
        gamma, beta = _affine(self, (channels,), x)
        if not (self.is_training(training) and self.trainable):
            return batch_norm(x, self.moving_mean, self.moving_variance, gamma, beta,
                              training=False, eps=self.epsilon, axis=self.axis)
        if mask is not None:
            return self._masked_training(x, mask, gamma, beta)
        m = x.numel() // channels
        if m < 2:
            raise ValueError(f"{self.name} (BatchNormalization): training needs more than one "
                             f"value per channel, got inputs of shape {tuple(x.shape)}; call it "
                             f"with training=False (or eval()) to use the moving statistics")
        # With momentum 1 the op's running statistics become the batch's own: its mean and its
        # unbiased variance, m / (m - 1) times the biased one that Keras moves towards.
        batch_mean, batch_var = _ones((channels,), x), _ones((channels,), x)
        y = batch_norm(x, batch_mean, batch_var, gamma, beta, training=True, momentum=1.0,
                       eps=self.epsilon, axis=self.axis)
        momentum = self.momentum
        with no_grad():
            for moving, batch in ((self.moving_mean, batch_mean.array),
                                  (self.moving_variance, batch_var.array * ((m - 1) / m))):
                moving.array *= momentum
                moving.array += batch.astype(moving.dtype) * (1 - momentum)
                moving._version += 1
        return y

    def _masked_training(self, x, mask, gamma, beta):
        """Training with the statistics of the unmasked steps only (Keras 3's masked moments):

            mean = sum(m x) / (sum(m) + eps_k)      var = sum(m (x - mean)^2) / (sum(m) + eps_k)

        over every axis but the channels (eps_k = 1e-7, Keras's epsilon), then the same
        normalize, scale and shift, written with differentiable ops."""
        axis = self.axis % x.ndim
        reduce = tuple(a for a in range(x.ndim) if a != axis)
        xp = backend.array_module(x.array)
        m = Tensor(xp.broadcast_to(mask.array[..., None], x.shape).astype(x.dtype))
        count = m.sum(reduce, keepdim=True) + 1e-7
        mean = (x * m).sum(reduce, keepdim=True) / count
        var = (((x - mean) * m) ** 2).sum(reduce, keepdim=True) / count
        y = (x - mean) / ((var + self.epsilon) ** 0.5)
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        if gamma is not None:
            y = y * gamma.reshape(shape)
        if beta is not None:
            y = y + beta.reshape(shape)
        with no_grad():
            for moving, batch in ((self.moving_mean, mean), (self.moving_variance, var)):
                moving.array *= self.momentum
                moving.array += batch.array.reshape(-1).astype(moving.dtype) * (1 - self.momentum)
                moving._version += 1
        return y

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer":
                    initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": None, "gamma_constraint": None, "synchronized": False}

    def extra_repr(self):
        return f"name={self.name!r}, axis={self.axis}, momentum={self.momentum}, " \
               f"epsilon={self.epsilon}"


class LayerNormalization(Layer):
    """Layer normalization: each sample standardised over the feature axes ``axis`` (an int,
    the last by default, or a list, taken in increasing order), then scaled by gamma and
    shifted by beta, both of the normalized axes' shape: (..., d) -> (..., d).  The same in
    training and inference; a sequence's mask passes through unchanged."""

    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        if rms_scaling:
            raise NotImplementedError(f"{self.name} (LayerNormalization): rms_scaling=True is "
                                      f"not supported yet")
        _no_constraints(self, beta_constraint, gamma_constraint)
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def _axes(self, shape):
        """The normalized axes as sorted non-negative indices, checked against ``shape``."""
        rank = len(shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if not axes or any(not -rank <= a < rank for a in axes) or \
                len({a % rank for a in axes}) != len(axes):
            raise ValueError(f"{self.name} (LayerNormalization): axis {self.axis} does not fit "
                             f"inputs of shape {shape}")
        return sorted(a % rank for a in axes)

    def build(self, input_shape):
        shape = tuple(input_shape or ())
        features = tuple(shape[a] for a in self._axes(shape))
        if self.scale:
            self.gamma = self.add_weight(shape=features, name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer)
        if self.center:
            self.beta = self.add_weight(shape=features, name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer)
        self.normalized_shape = features

    def call(self, inputs):
        x = layer_input(inputs, self)
        shape = tuple(x.shape)
        axes = self._axes(shape)
        features = tuple(shape[a] for a in axes)
        if features != self.normalized_shape:
            raise ValueError(f"{self.name} (LayerNormalization): expected {self.normalized_shape} "
                             f"on axes {axes}, got inputs of shape {shape}")
        gamma, beta = _affine(self, features, x)
        rest = [a for a in range(len(shape)) if a not in axes]
        if axes == list(range(len(rest), len(shape))):   # trailing axes: the op's layout
            return layer_norm(x, features, gamma, beta, self.epsilon)
        order = rest + axes                               # move the axes last and back
        y = layer_norm(permute(x, order), features, gamma, beta, self.epsilon)
        inverse = sorted(range(len(order)), key=order.__getitem__)
        return permute(y, inverse)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": False,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": None, "gamma_constraint": None}
