"""Gradient clipping: rescale gradients whose norm explodes (RNNs, deep nets)."""

import math

from ... import backend
from ...autograd.tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients by max_norm / total_norm when the total norm exceeds max_norm.

    total_norm = (sum_i ||g_i||_p^p)^(1/p) over every gradient together (p = inf: the max).
    Returns the total norm (before clipping) as a tensor.
    """
    grads = _grads(parameters)
    if not grads:
        return Tensor(0.0)
    xp = backend.array_module(grads[0].array)
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(xp.abs(g.array).max()) for g in grads)
    else:
        total = sum(float((xp.abs(g.array.astype("float64")) ** norm_type).sum())
                    for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total gradient norm is {total}; set "
                           f"error_if_nonfinite=False to clip anyway")
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g.array *= g.array.dtype.type(coef)
    return Tensor(total, dtype=grads[0].dtype)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value] in place."""
    for g in _grads(parameters):
        backend.array_module(g.array).clip(g.array, -clip_value, clip_value, out=g.array)
