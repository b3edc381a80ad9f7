"""Keras 3's neural-network ops: activations, cross-entropies, attention and
normalization, each a thin adapter over the op of the same meaning in ``shenjing.ops``
(or the Keras face's ``activations`` and ``losses``, which already follow Keras).
Convolution and pooling are in ``convolution``.

Conventions kept from Keras: ``gelu`` is the tanh approximation by default here
(``keras.ops.gelu``, unlike ``keras.activations.gelu``), ``leaky_relu``'s slope is 0.2,
and attention tensors are (batch, seq, heads, head_dim).
"""

import numpy

from ... import ops
from ...ops.attention import scaled_dot_product_attention
from ...ops.normalization import layer_norm as _layer_norm
from .. import activations, losses
from .core import axis_tuple, fail, floating, keras_op, tensor
from .creation import one_hot
from .math import logsumexp

__all__ = ["relu", "relu6", "sigmoid", "tanh", "softplus", "softsign", "silu", "swish",
           "elu", "selu", "gelu", "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish",
           "log_sigmoid", "celu", "glu", "hard_tanh", "squareplus", "sparse_plus",
           "soft_shrink", "hard_shrink", "tanh_shrink", "softmax", "log_softmax", "multi_hot",
           "one_hot", "logsumexp",
           "categorical_crossentropy", "sparse_categorical_crossentropy",
           "binary_crossentropy", "dot_product_attention", "moments",
           "batch_normalization", "layer_normalization", "rms_normalization", "normalize"]


def _activation(name, fn, doc):
    def op(x):
        return fn(floating(x))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return keras_op(op)


relu = _activation("relu", ops.relu, "max(x, 0).")
relu6 = _activation("relu6", ops.relu6, "min(max(x, 0), 6).")
sigmoid = _activation("sigmoid", ops.sigmoid, "1 / (1 + e^-x).")
tanh = _activation("tanh", ops.tanh, "(e^x - e^-x) / (e^x + e^-x).")
softplus = _activation("softplus", ops.softplus, "log(1 + e^x), computed stably.")
softsign = _activation("softsign", ops.softsign, "x / (1 + |x|).")
silu = _activation("silu", ops.silu, "x sigmoid(x).")
swish = silu
selu = _activation("selu", ops.selu, "scale * elu(x, alpha) with SELU's constants.")
hard_sigmoid = _activation("hard_sigmoid", activations.hard_sigmoid, "relu6(x + 3) / 6.")
hard_silu = _activation("hard_silu", activations.hard_silu, "x relu6(x + 3) / 6.")
hard_swish = hard_silu
log_sigmoid = _activation("log_sigmoid", ops.logsigmoid, "log(sigmoid(x)) = -softplus(-x).")


@keras_op
def elu(x, alpha=1.0):
    """x for x > 0, else alpha (e^x - 1)."""
    return ops.elu(floating(x), alpha)


@keras_op
def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, else negative_slope x (Keras's default slope 0.2)."""
    return ops.leaky_relu(floating(x), negative_slope)


@keras_op
def gelu(x, approximate=True):
    """x Phi(x); ``approximate=True`` (Keras's default here) uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return ops.gelu(floating(x), "tanh" if approximate else "none")


hard_tanh = _activation("hard_tanh", ops.hardtanh, "x limited to [-1, 1].")
tanh_shrink = _activation("tanh_shrink", lambda x: x - ops.tanh(x), "x - tanh(x).")
sparse_plus = _activation(
    "sparse_plus", lambda x: ops.where(ops.le(x, -1.0), 0.0,
                                       ops.where(ops.lt(x, 1.0), ops.square(x + 1.0) / 4.0, x)),
    "0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1.")


@keras_op
def celu(x, alpha=1.0):
    """max(x, 0) + alpha (e^(min(x, 0) / alpha) - 1) = alpha elu(x / alpha)."""
    return ops.elu(floating(x) / alpha) * alpha


@keras_op
def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2, a smooth ReLU."""
    x = floating(x)
    return (x + ops.sqrt(ops.square(x) + float(b))) / 2.0


@keras_op
def soft_shrink(x, threshold=0.5):
    """x - threshold above it, x + threshold below -threshold, 0 between."""
    x = floating(x)
    return ops.where(ops.gt(x, threshold), x - threshold,
                     ops.where(ops.lt(x, -threshold), x + threshold, 0.0))


@keras_op
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = floating(x)
    return ops.where(ops.gt(ops.abs(x), threshold), x, 0.0)


@keras_op
def glu(x, axis=-1):
    """a sigmoid(b), with a and b the two halves of x along ``axis`` (which must be even)."""
    x = floating(x)
    a = axis_tuple(axis, x.ndim, "glu")[0]
    if x.shape[a] % 2:
        fail("glu", f"axis {a} of shape {x.shape} must have an even size")
    first, second = ops.split(x, x.shape[a] // 2, a)
    return first * ops.sigmoid(second)


def _single_axis(x, axis, op):
    if not isinstance(axis, (int, numpy.integer)):
        axes = axis_tuple(axis, x.ndim, op)
        if len(axes) != 1:
            fail(op, f"only one axis is supported, got axis={axis}", NotImplementedError)
        axis = axes[0]
    return axis_tuple(axis, x.ndim, op)[0]


@keras_op
def softmax(x, axis=-1):
    """e^x / sum(e^x) along ``axis``: each slice along it sums to 1."""
    x = floating(x)
    return ops.softmax(x, _single_axis(x, axis, "softmax"))


@keras_op
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``: the log of the softmax, computed stably."""
    x = floating(x)
    return ops.log_softmax(x, _single_axis(x, axis, "log_softmax"))


@keras_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Integer labels (..., k) -> (..., num_classes) with a 1 at every label of the last
    axis (the class axis at ``axis``)."""
    num_classes = kwargs.pop("num_tokens", num_classes)
    if num_classes is None:
        fail("multi_hot", "num_classes is required", ValueError)
    hot = one_hot(inputs, num_classes, dtype=dtype, sparse=sparse)
    out = ops.amax(hot, hot.ndim - 2) if hot.ndim > 1 else hot
    a = axis_tuple(axis, out.ndim, "multi_hot")[0]
    return out if a == out.ndim - 1 else ops.permute(
        out, tuple(range(a)) + (out.ndim - 1,) + tuple(range(a, out.ndim - 1)))


# ------------------------------------------------------------------ cross-entropies


def _classes_last(x, axis, op):
    a = _single_axis(x, axis, op)
    return x if a == x.ndim - 1 else ops.permute(
        x, tuple(i for i in range(x.ndim) if i != a) + (a,))


@keras_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum_c target_c log p_c over the class ``axis``: (..., C) -> (...).  From
    probabilities, ``output`` is renormalised and clipped to [1e-7, 1 - 1e-7] first."""
    t, y = tensor(target), floating(output)
    if t.shape != y.shape:
        fail("categorical_crossentropy", f"target of shape {t.shape} and output of shape "
                                         f"{y.shape} must have the same shape")
    op = "categorical_crossentropy"
    return losses.categorical_crossentropy(_classes_last(t, axis, op), _classes_last(y, axis, op),
                                           from_logits=from_logits)


@keras_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-log p[label] for integer labels ``target`` (...) and class scores ``output``
    (..., C) -> (...)."""
    y = floating(output)
    t = numpy.asarray(tensor(target))
    if t.ndim == y.ndim and t.shape[-1] == 1:
        t = t.reshape(t.shape[:-1])
    y = _classes_last(y, axis, "sparse_categorical_crossentropy")
    if t.shape != y.shape[:-1]:
        fail("sparse_categorical_crossentropy",
             f"target of shape {t.shape} does not fit output of shape {tuple(output.shape)}: "
             f"it needs the output's shape without the class axis, {y.shape[:-1]}")
    return losses.sparse_categorical_crossentropy(t, y, from_logits=from_logits)


@keras_op
def binary_crossentropy(target, output, from_logits=False):
    """-(t log p + (1 - t) log(1 - p)) elementwise, same shape in and out (no mean); from
    probabilities, p is clipped to [1e-7, 1 - 1e-7]."""
    y = floating(output)
    t = tensor(target, y.dtype)
    if t.shape != y.shape:
        fail("binary_crossentropy", f"target of shape {t.shape} and output of shape {y.shape} "
                                    f"must have the same shape")
    if from_logits:
        return ops.binary_cross_entropy_with_logits(y, t, reduction="none")
    return ops.binary_cross_entropy(ops.clamp(y, losses.EPSILON, 1.0 - losses.EPSILON), t,
                                    reduction="none")


# ------------------------------------------------------------------ attention


@keras_op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """softmax(Q K^T scale + bias, masked) V per head: query (B, T, N, H), key and value
    (B, S, K, H) with N a multiple of K (grouped heads) -> (B, T, N, H).  ``bias`` is
    added to the scores and ``mask`` (bool, True = attend) and ``is_causal`` keep scores;
    both broadcast to (B, N, T, S).  ``scale`` defaults to 1 / sqrt(H)."""
    op = "dot_product_attention"
    if attn_logits_soft_cap is not None:
        fail(op, "attn_logits_soft_cap is not supported", NotImplementedError)
    q, k, v = floating(query), floating(key), floating(value)
    for name, t in (("query", q), ("key", k), ("value", v)):
        if t.ndim != 4:
            fail(op, f"{name} must be (batch, seq, heads, head_dim), got shape {t.shape}")
    if k.shape != v.shape or q.shape[0] != k.shape[0] or q.shape[3] != k.shape[3] \
            or q.shape[2] % k.shape[2]:
        fail(op, f"query {q.shape}, key {k.shape} and value {v.shape} do not fit: key and "
                 f"value need one shape (B, S, K, H) with the query's B and H, and K must "
                 f"divide the query's heads")
    keep = None if mask is None else numpy.asarray(tensor(mask)).astype(bool)
    if is_causal:
        causal = numpy.tri(q.shape[1], k.shape[1], dtype=bool)
        keep = causal if keep is None else keep & causal
    attn_mask = None if keep is None else tensor(keep)
    if bias is not None:
        bias = tensor(bias, q.dtype)
        if keep is not None:   # Keras's large negative number, not -inf: no NaN rows
            bias = ops.where(attn_mask, bias, -0.7 * float(numpy.finfo(q.dtype).max))
        attn_mask = bias
    heads_first = (0, 2, 1, 3)
    out = scaled_dot_product_attention(
        ops.permute(q, heads_first), ops.permute(k, heads_first), ops.permute(v, heads_first),
        attn_mask=attn_mask, scale=scale, enable_gqa=q.shape[2] != k.shape[2])
    return ops.permute(out, heads_first)


# ------------------------------------------------------------------ normalization


@keras_op
def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) of ``x`` over ``axes``; the variance divides by n."""
    x = floating(x)
    axes = axis_tuple(axes, x.ndim, "moments")
    return ops.mean(x, axes, keepdims), ops.var(x, axes, keepdim=keepdims, correction=0)


@keras_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, with mean, variance, scale
    and offset (C,) along ``axis`` of x (or broadcastable to x); differentiable in all."""
    x = floating(x)
    a = axis_tuple(axis, x.ndim, "batch_normalization")[0]

    def along(v, name):
        v = tensor(v, x.dtype)
        if v.ndim == 1:
            if v.shape[0] != x.shape[a]:
                fail("batch_normalization", f"{name} of shape {v.shape} does not match axis "
                                            f"{a} of x, shape {x.shape}")
            v = ops.reshape(v, tuple(x.shape[a] if i == a else 1 for i in range(x.ndim)))
        return v
    inv = ops.rsqrt(along(variance, "variance") + epsilon)
    if scale is not None:
        inv = inv * along(scale, "scale")
    y = (x - along(mean, "mean")) * inv
    return y if offset is None else y + along(offset, "offset")


@keras_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta over ``axis`` (the last by default;
    epsilon 1e-7 unless given); the last axes run shenjing's fused layer-norm op."""
    x = floating(x)
    epsilon = losses.EPSILON if epsilon is None else epsilon
    axes = axis_tuple(axis, x.ndim, "layer_normalization")
    trailing = axes == tuple(range(x.ndim - len(axes), x.ndim))
    if trailing and not (gamma is None and beta is not None):
        normalized = tuple(x.shape[a] for a in axes)
        params = [None if p is None else ops.reshape(tensor(p, x.dtype), normalized)
                  for p in (gamma, beta)]
        return _layer_norm(x, normalized, params[0], params[1], epsilon)
    mean, var = moments(x, axes, keepdims=True)
    y = (x - mean) * ops.rsqrt(var + epsilon)
    if gamma is not None:
        y = y * tensor(gamma, x.dtype)
    return y if beta is None else y + tensor(beta, x.dtype)


@keras_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x^2) + epsilon) * scale over ``axis`` (epsilon 1e-7 unless given)."""
    x = floating(x)
    epsilon = losses.EPSILON if epsilon is None else epsilon
    axes = axis_tuple(axis, x.ndim, "rms_normalization")
    y = x * ops.rsqrt(ops.mean(ops.square(x), axes, True) + epsilon)
    return y if scale is None else y * tensor(scale, x.dtype)


@keras_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(norm(x, order, axis), epsilon): unit vectors along ``axis`` (epsilon 1e-7
    unless given); order 2 is x * min(1 / sqrt(sum x^2), 1 / epsilon), as Keras."""
    from .linalg import norm
    if not isinstance(order, int) or order < 1:
        fail("normalize", f"order must be an int >= 1, got {order!r}", ValueError)
    x = floating(x)
    epsilon = losses.EPSILON if epsilon is None else epsilon
    if order == 2:
        inv = ops.rsqrt(ops.sum(ops.square(x), axis_tuple(axis, x.ndim, "normalize"), True))
        return x * ops.clamp(inv, max=1.0 / epsilon)
    return x / ops.clamp(norm(x, order, axis, keepdims=True), min=epsilon)
