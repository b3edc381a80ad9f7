"""Inverted dropout: in training each element is kept with probability 1 - p and scaled by
1 / (1 - p), so that the expected activation is unchanged and evaluation needs no scaling.
One mask (already scaled) serves forward and backward: y = x * mask, dL/dx = dL/dy * mask."""

from .. import backend
from ..autograd.function import Function


class Dropout(Function):
    """y = x * mask, mask_i = (u_i >= p) / (1 - p) with u uniform in [0, 1)."""
    reads_inputs = False

    def __init__(self, p):
        self.p = p

    def forward(self, x):
        keep = backend.generator().random(x.shape, dtype="float32") >= self.p
        xp = backend.array_module(x)
        mask = xp.multiply(keep, x.dtype.type(1 / (1 - self.p)), dtype=x.dtype)
        self.mask = mask
        return x * mask

    def backward(self, gy):
        return gy * self.mask


def dropout(x, p=0.5, training=True):
    """Zero elements with probability p and scale the rest by 1/(1-p) (identity unless training)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    return Dropout(p)(x)
