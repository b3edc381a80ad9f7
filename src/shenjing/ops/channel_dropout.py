"""Dropout variants that draw one mask and multiply: whole-channel dropout (dropout1d/2d/3d,
Tompson et al. 2015) and SELU's alpha dropout (Klambauer et al. 2017).

Channel dropout draws one keep/drop per (sample, channel) and broadcasts it over the
positions, so feature maps whose neighbouring pixels are correlated are dropped whole:

    y = x * k / (1 - p),   k ~ Bernoulli(1 - p) of shape (N, C, 1, ..., 1)

Alpha dropout sets a dropped unit to SELU's negative saturation alpha' = -lambda alpha
instead of 0, and an affine map keeps inputs of mean 0 and variance 1 there:

    y = a (x k + alpha' (1 - k)) + b,   a = ((1 - p) (1 + p alpha'^2))^(-1/2),   b = -a alpha' p

so dL/dx = a k.  Both are products and sums of x with constant arrays: their gradients
come from ``mul`` and ``add``.  The draws come from shenjing's generator (``u >= p`` keeps,
as ``ops.dropout``).
"""

import numpy

from .. import backend
from ..autograd.tensor import Tensor
from .activation import SELU_ALPHA, SELU_SCALE

#: SELU's negative saturation value -lambda alpha
ALPHA_PRIME = -SELU_ALPHA * SELU_SCALE


def _check_p(op, p):
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"{op}: p must be a probability in [0, 1], got {p!r}")


def keep_mask(shape, p):
    """A boolean array of ``shape``: True (keep) with probability 1 - p."""
    return backend.generator().random(shape, dtype=numpy.float32) >= p


def _channel_shape(x, spatial, op):
    """(N, C, 1, ...) for a batched input, (C, 1, ...) for an unbatched one."""
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(f"{op}: expected a {spatial + 1}-d (C, ...) or {spatial + 2}-d "
                         f"(N, C, ...) input, got shape {tuple(x.shape)}")
    lead = x.ndim - spatial
    return tuple(x.shape[:lead]) + (1,) * spatial


def channel_dropout(x, p=0.5, training=True, spatial=2, op="dropout2d"):
    """Zero whole channels with probability p and scale the rest by 1 / (1 - p):
    (N, C, *S) or (C, *S) with ``spatial`` = len(S); the identity unless ``training``."""
    _check_p(op, p)
    shape = _channel_shape(x, spatial, op)
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    keep = keep_mask(shape, p)
    return x * Tensor((keep * (1.0 / (1.0 - p))).astype(x.array.dtype))


def alpha_dropout(x, p=0.5, training=True, mask_shape=None, op="alpha_dropout"):
    """SELU's dropout (see the module docstring); ``mask_shape`` broadcasts to x's shape
    (one draw shared along its axes of size 1; x's shape when None).  p in [0, 1)."""
    _check_p(op, p)
    if p == 1:
        raise ValueError(f"{op}: p must be below 1 (p = 1 leaves no unit to rescale)")
    if not training or p == 0:
        return x
    keep = keep_mask(tuple(x.shape) if mask_shape is None else tuple(mask_shape), p)
    a = ((1 - p) * (1 + p * ALPHA_PRIME ** 2)) ** -0.5
    b = -a * ALPHA_PRIME * p
    k = keep.astype(x.array.dtype)
    # y = a (x k + alpha' (1 - k)) + b as one scale and one shift of x
    return x * Tensor(a * k) + Tensor((a * ALPHA_PRIME * (1 - k) + b).astype(x.array.dtype))


def feature_alpha_dropout(x, p=0.5, training=True, op="feature_alpha_dropout"):
    """Alpha dropout of whole channels: one draw per (sample, channel) of (N, C, ...)."""
    if x.ndim < 2:
        raise ValueError(f"{op}: expected an (N, C, ...) input, got shape {tuple(x.shape)}")
    return alpha_dropout(x, p, training, tuple(x.shape[:2]) + (1,) * (x.ndim - 2), op)
