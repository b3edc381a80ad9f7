"""Keras's attention layers: ``MultiHeadAttention`` and ``Attention`` (Luong's dot product).

Both run the attention itself on shenjing's fused scaled dot-product op (``ops/attention.py``:
scores, masked softmax, dropout of the probabilities and the product with the values in one
``Function``); the layers only project, reshape and build the masks.

Masks are Keras's: bool, True = may attend.  Where Keras and shenjing differ: a query row
whose keys are all masked gets zero weights and a zero output here (the op's rule, as
PyTorch's math backend), where Keras's softmax with a -1e9 penalty gives it uniform weights.

    mha = MultiHeadAttention(num_heads=2, key_dim=8)
    y = mha(x, x)                   # x (B, T, 16) -> (B, T, 16); self-attention
    y, scores = mha(q, v, return_attention_scores=True)     # scores (B, 2, T, S)
"""

import contextlib

import numpy

from ... import ops
from ...autograd.tensor import Tensor
from ...ops.attention import (attention_with_weights, masked_softmax,
                              scaled_dot_product_attention)
from ...ops.dropout import dropout as dropout_op
from ...ops.linalg import dense, matmul
from .. import initializers, regularizers
from .core import _drawing_from, layer_input
from .layer import Layer


def _bool_mask(mask, who, what):
    """``mask`` (a tensor, array or nested list) as a NumPy-compatible bool array."""
    array = mask.array if isinstance(mask, Tensor) else numpy.asarray(mask)
    if array.dtype.kind not in "biu":
        raise TypeError(f"{who}: {what} must be bool (True = may attend) or 0/1 ints, got "
                        f"dtype {array.dtype}")
    return array.astype(bool, copy=False)


def _and(a, b):
    return b if a is None else (a if b is None else a & b)


def _check_rate(rate, who):
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"{who}: dropout must be a number in [0, 1), got {rate!r}")
    return float(rate)


class MultiHeadAttention(Layer):
    """Multi-head attention as Keras 3 builds it, with Keras's weights:
    query/key/value kernels (dim, num_heads, key_dim|value_dim) with biases
    (num_heads, key_dim|value_dim), output kernel (num_heads, value_dim, output_dim) and bias
    (output_dim,); ``weights`` lists them in Keras's order (query, key, value, output; kernel
    then bias), so ``set_weights`` takes a Keras model's arrays.

    Shapes: query (B, T, dim_q), value (B, S, dim_v), key (B, S, dim_k) (default: value)
    -> (B, T, output_dim), output_dim = dim_q unless ``output_shape`` (an int) is given.
    ``attention_mask`` (B, T, S) bool, True = may attend; ``query_mask`` (B, T),
    ``value_mask``/``key_mask`` (B, S) and ``use_causal_mask`` (query i sees keys 0..i) are
    and-ed with it, as in Keras.

        head_h = dropout(softmax(Q_h K_h^T / sqrt(key_dim) + mask)) V_h
        output = sum_h head_h W_o[h] + b_o

    The heads run in one call of the fused ``scaled_dot_product_attention`` op (dropout in
    training is the op's ``dropout_p``).  ``return_attention_scores=True`` also returns the
    probabilities (B, num_heads, T, S), taken from the same fused op (its ``weights`` output,
    ``ops.attention.attention_with_weights``); in training with dropout these are the
    probabilities after dropout (those multiplied with the values), where Keras returns them
    before dropout.  Only ``attention_axes=None`` (attention over the sequence axis) is
    supported.

    Masks attached to the inputs (``Embedding(mask_zero=True)``, ``Masking``) are Keras's
    ``query_mask``/``value_mask``/``key_mask`` when those are not given, and the output
    carries the query's mask on.
    """

    supports_masking = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        who = f"{self.name} (MultiHeadAttention)"
        for what, n in (("num_heads", num_heads), ("key_dim", key_dim),
                        ("value_dim", key_dim if value_dim is None else value_dim)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"{who}: {what} must be a positive int, got {n!r}")
        if attention_axes is not None:
            raise NotImplementedError(f"{who}: only attention_axes=None (attention over the "
                                      f"sequence axis of (B, T, dim) inputs) is supported, got "
                                      f"{attention_axes!r}")
        if activity_regularizer is not None:
            raise NotImplementedError(f"{who}: activity_regularizer is not supported yet")
        if kernel_constraint is not None or bias_constraint is not None:
            raise NotImplementedError(f"{who}: kernel/bias constraints are not supported yet")
        if isinstance(output_shape, (tuple, list)):
            if len(output_shape) != 1:
                raise NotImplementedError(f"{who}: output_shape must be an int (or a 1-tuple), "
                                          f"got {output_shape!r}")
            output_shape = output_shape[0]
        if output_shape is not None and (isinstance(output_shape, bool)
                                         or not isinstance(output_shape, int) or output_shape < 1):
            raise ValueError(f"{who}: output_shape must be a positive int, got {output_shape!r}")
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = key_dim if value_dim is None else value_dim
        self.dropout = _check_rate(dropout, who)
        self.use_bias, self.output_shape = bool(use_bias), output_shape
        self.flash_attention, self.seed = flash_attention, seed
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self._rng = None if seed is None else numpy.random.default_rng(seed)

    @property
    def who(self):
        return f"{self.name} (MultiHeadAttention)"

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Make the weights for (B, T, dim_q), (B, S, dim_v) and (B, S, dim_k) inputs.  The
        lazy first-call build sees only the query; the weights then wait for the first call,
        which has the value and key too."""
        if value_shape is None:
            return
        key_shape = value_shape if key_shape is None else key_shape
        for what, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if shape is None or len(shape) != 3 or shape[-1] is None:
                raise ValueError(f"{self.who}: expected {what} of shape (batch, seq, features) "
                                 f"with known features, got shape {shape}")
        h, k, v = self.num_heads, self.key_dim, self.value_dim
        out = query_shape[-1] if self.output_shape is None else self.output_shape
        for what, dim, size in (("query", query_shape[-1], k), ("key", key_shape[-1], k),
                                ("value", value_shape[-1], v)):
            self._add(what, (dim, h, size), (h, size))
        self._add("output", (h, v, out), (out,))
        self.built = True

    def _add(self, what, kernel_shape, bias_shape):
        self.add_weight(shape=kernel_shape, initializer=self.kernel_initializer,
                        regularizer=self.kernel_regularizer, name=f"{what}_kernel")
        if self.use_bias:
            self.add_weight(shape=bias_shape, initializer=self.bias_initializer,
                            regularizer=self.bias_regularizer, name=f"{what}_bias")
        else:
            setattr(self, f"{what}_bias", None)

    def _project(self, x, what):
        """(B, T, dim) -> (B, heads, T, size) with the kernel (dim, heads, size)."""
        kernel, bias = getattr(self, f"{what}_kernel"), getattr(self, f"{what}_bias")
        dim, h, size = kernel.shape
        if x.ndim != 3 or x.shape[-1] != dim:
            raise ValueError(f"{self.who}: expected {what} of shape (batch, seq, {dim}), got "
                             f"shape {tuple(x.shape)}")
        y = dense(x, kernel.reshape(dim, h * size), None if bias is None else bias.reshape(-1))
        return y.reshape(x.shape[0], x.shape[1], h, size).permute(0, 2, 1, 3)

    def _mask(self, b, t, s, attention_mask, query_mask, value_mask, key_mask, causal):
        """The (B, 1, T, S) keep-mask of Keras's _compute_attention_mask, or None."""
        keep = None
        for what, mask, shape, expand in (("query_mask", query_mask, (b, t), (slice(None), None)),
                                          ("value_mask", value_mask, (b, s), (None, slice(None))),
                                          ("key_mask", key_mask, (b, s), (None, slice(None)))):
            if mask is not None:
                mask = _bool_mask(mask, self.who, what)
                if mask.shape != shape:
                    raise ValueError(f"{self.who}: expected {what} of shape {shape}, got "
                                     f"{mask.shape}")
                keep = _and(keep, mask[(slice(None),) + expand])
        if causal:
            keep = _and(keep, numpy.tri(t, s, dtype=bool))
        if attention_mask is not None:
            mask = _bool_mask(attention_mask, self.who, "attention_mask")
            if mask.ndim == 2:
                mask = mask[None]
            if mask.shape[1:] != (t, s) or mask.shape[0] not in (1, b):
                raise ValueError(f"{self.who}: expected attention_mask of shape (B, T, S) = "
                                 f"{(b, t, s)}, got {mask.shape}")
            keep = _and(keep, mask)
        if keep is None:
            return None
        return numpy.broadcast_to(keep, (b, t, s))[:, None]

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        query, value = layer_input(query, self), layer_input(value, self)
        key = value if key is None else layer_input(key, self)
        if self._parameters.get("query_kernel") is None:
            self.build(tuple(query.shape), tuple(value.shape), tuple(key.shape))
        q = self._project(query, "query")
        k = self._project(key, "key")
        v = self._project(value, "value")
        if k.shape[0] != q.shape[0] or k.shape[2] != v.shape[2]:
            raise ValueError(f"{self.who}: query, key and value need one batch size and key and "
                             f"value one length: query {tuple(query.shape)}, key "
                             f"{tuple(key.shape)}, value {tuple(value.shape)}")
        b, t, s = q.shape[0], q.shape[2], k.shape[2]
        keep = self._mask(b, t, s, attention_mask, query_mask, value_mask, key_mask,
                          use_causal_mask)
        rate = self.dropout if self.is_training(training) else 0.0
        with _drawing_from(self._rng) if self._rng is not None and rate else \
                contextlib.nullcontext():
            if return_attention_scores:
                heads, scores = attention_with_weights(q, k, v, keep, rate, op=self.who)
            else:
                heads = scaled_dot_product_attention(q, k, v, keep, rate)
        h, vd, out = self.output_kernel.shape
        merged = heads.permute(0, 2, 1, 3).reshape(b, t, h * vd)
        output = dense(merged, self.output_kernel.reshape(h * vd, out), self.output_bias)
        return (output, scores) if return_attention_scores else output

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self.output_shape, "attention_axes": None,
                "flash_attention": self.flash_attention,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": None, "kernel_constraint": None,
                "bias_constraint": None, "seed": self.seed}

    def extra_repr(self):
        return (f"name={self.name!r}, num_heads={self.num_heads}, key_dim={self.key_dim}, "
                f"value_dim={self.value_dim}")


class Attention(Layer):
    """Luong-style attention (Keras's ``Attention``), called on ``[query, value]`` or
    ``[query, value, key]`` (key defaults to value):

        scores = scale * query key^T                               ("dot")
        scores = c * sum(tanh(scale * (query_i + key_j)), -1)      ("concat")
        output = dropout(softmax(scores)) value

    Shapes: query (B, T, dim), value (B, S, dim_v), key (B, S, dim) -> (B, T, dim_v).
    ``use_scale`` makes ``scale`` a trained scalar (initialised to 1; otherwise 1), and
    "concat" has the trained scalar ``concat_score_weight`` c.  ``mask=[query_mask,
    value_mask]`` ((B, T), (B, S) bool; either may be None): value positions that are False
    take no part, output rows whose query is False are zero.  ``use_causal_mask`` lets
    query i see keys 0..i.  "dot" runs on the fused ``scaled_dot_product_attention`` op (the
    scale is applied to the query first, so that it stays a trained weight); "concat"
    scores are composed from ops and go through the op family's masked softmax.
    ``return_attention_scores`` also returns the probabilities (B, T, S).  Masks attached
    to the inputs (``Embedding(mask_zero=True)``) are the ``mask`` when it is not given, and
    the output carries the query's mask on; a third (key) mask is ignored, as in Keras.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{self.who}: score_mode must be 'dot' or 'concat', got "
                             f"{score_mode!r}")
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        self.dropout = _check_rate(dropout, self.who)
        self.seed = seed
        self._rng = None if seed is None else numpy.random.default_rng(seed)

    @property
    def who(self):
        return f"{self.name} (Attention)"

    def build(self, input_shape):
        if self.use_scale:
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        else:
            self.scale = None
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(shape=(), initializer="ones",
                                                       name="concat_score_weight")

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{self.who}: expected inputs [query, value] or [query, value, "
                             f"key], got {type(inputs).__name__}"
                             + (f" of length {len(inputs)}" if isinstance(inputs, (list, tuple))
                                else ""))
        q, v = layer_input(inputs[0], self), layer_input(inputs[1], self)
        k = v if len(inputs) == 2 else layer_input(inputs[2], self)
        if (q.ndim != 3 or v.ndim != 3 or k.ndim != 3 or k.shape[:2] != v.shape[:2]
                or q.shape[0] != k.shape[0] or q.shape[-1] != k.shape[-1]):
            raise ValueError(f"{self.who}: expected query (B, T, dim), value (B, S, dim_v) and "
                             f"key (B, S, dim), got query {tuple(q.shape)}, value "
                             f"{tuple(v.shape)}, key {tuple(k.shape)}")
        b, t, s = q.shape[0], q.shape[1], k.shape[1]
        query_mask = value_mask = None
        if mask is not None:
            if not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3):
                raise ValueError(f"{self.who}: mask must be a list [query_mask, value_mask] "
                                 f"(or [query_mask, value_mask, key_mask]), got "
                                 f"{type(mask).__name__}")
            query_mask, value_mask = mask[0], mask[1]
        keep = None
        if value_mask is not None:
            value_mask = _bool_mask(value_mask, self.who, "value_mask")
            if value_mask.shape != (b, s):
                raise ValueError(f"{self.who}: expected value_mask of shape {(b, s)}, got "
                                 f"{value_mask.shape}")
            keep = value_mask[:, None, :]
        if use_causal_mask:
            keep = _and(keep, numpy.tri(t, s, dtype=bool)[None])
        rate = self.dropout if self.is_training(training) else 0.0
        with _drawing_from(self._rng) if self._rng is not None and rate else \
                contextlib.nullcontext():
            out, weights = self._attend(q, k, v, keep, rate, return_attention_scores)
        if query_mask is not None:
            query_mask = _bool_mask(query_mask, self.who, "query_mask")
            if query_mask.shape != (b, t):
                raise ValueError(f"{self.who}: expected query_mask of shape {(b, t)}, got "
                                 f"{query_mask.shape}")
            out = out * Tensor(query_mask[:, :, None].astype(out.dtype))
        return (out, weights) if return_attention_scores else out

    def _attend(self, q, k, v, keep, rate, with_weights):
        """(output (B, T, dim_v), weights (B, T, S) or None when not ``with_weights``) from
        query (B, T, dim), key (B, S, dim) and value (B, S, dim_v) by ``score_mode``'s
        scores; ``keep`` (broadcastable to (B, T, S)) masks keys, ``rate`` drops weights."""
        if self.score_mode == "dot":
            scaled = q if self.scale is None else q * self.scale
            if with_weights:
                return attention_with_weights(scaled, k, v, keep, rate, scale=1.0, op=self.who)
            return scaled_dot_product_attention(scaled, k, v, keep, rate, scale=1.0), None
        summed = q.unsqueeze(2) + k.unsqueeze(1)          # (B, T, S, dim)
        if self.scale is not None:
            summed = summed * self.scale
        scores = self.concat_score_weight * ops.tanh(summed).sum(-1)
        weights = masked_softmax(scores, keep)
        return matmul(dropout_op(weights, rate) if rate else weights, v), weights

    def compute_mask(self, inputs, mask=None):
        """The query's mask (the output has the query's steps), or None."""
        if isinstance(mask, (list, tuple)) and mask:
            return mask[0]
        return None

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}
