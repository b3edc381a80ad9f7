"""Keras's ``AdditiveAttention``: Bahdanau-style attention, called on ``[query, value]`` or
``[query, value, key]`` (key defaults to value):

    scores[b, i, j] = sum_d scale_d * tanh(query[b, i, d] + key[b, j, d])
    weights = softmax_j(scores)          (value positions that are masked take no part)
    output  = dropout(weights) value

Shapes: query (B, T, dim), key (B, S, dim), value (B, S, dim_v) -> (B, T, dim_v); the weights
are (B, T, S).  ``use_scale=True`` (the default, as in Keras 3) makes ``scale`` a trained
vector (dim,) started from Glorot-uniform; otherwise the scores are the plain sum.

Bahdanau's score v^T tanh(W_1 q + W_2 k) is this layer on projected inputs, as Keras
intends: ``AdditiveAttention()([Dense(u)(q), value, Dense(u)(value)])`` (``scale`` is v).

    attend = AdditiveAttention()
    context, weights = attend([decoder_states, encoder_states], return_attention_scores=True)
"""

import contextlib

import numpy

from ... import ops
from ...autograd.tensor import Tensor
from ...ops.attention import masked_softmax
from ...ops.dropout import dropout as dropout_op
from ...ops.linalg import matmul
from .attention import Attention, _and, _bool_mask
from .core import _drawing_from, layer_input


class AdditiveAttention(Attention):
    """Additive (Bahdanau) attention with Keras 3's arguments and weight (see the module
    docstring for the formula and shapes).

    ``mask=[query_mask, value_mask]`` ((B, T), (B, S) bool; either may be None): value
    positions that are False get no weight, output rows whose query is False are zero;
    ``use_causal_mask`` lets query i see keys 0..i; ``return_attention_scores`` also returns
    the weights (B, T, S).  Masks attached to the inputs (``Embedding(mask_zero=True)``)
    are the ``mask`` when it is not given.  Where Keras and shenjing differ: a query row
    whose keys are all masked gets zero weights here, uniform ones in Keras.
    """

    def __init__(self, use_scale=True, dropout=0.0, seed=None, **kwargs):
        kwargs.pop("score_mode", None)     # not an argument of Keras's AdditiveAttention
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    @property
    def who(self):
        return f"{self.name} (AdditiveAttention)"

    def build(self, input_shape):
        """Make ``scale`` (dim,) from the query's last axis, when ``use_scale``."""
        if not isinstance(input_shape, (list, tuple)) or not input_shape \
                or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"{self.who}: expected inputs [query, value] or [query, value, "
                             f"key], got a single input of shape {input_shape}")
        dim = input_shape[0][-1]
        if dim is None:
            raise ValueError(f"{self.who}: the query's last axis must be known, got shape "
                             f"{tuple(input_shape[0])}")
        self.scale = (self.add_weight(shape=(dim,), initializer="glorot_uniform", name="scale")
                      if self.use_scale else None)

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
                or q.shape[0] != k.shape[0] or q.shape[-1] != k.shape[-1]
                or (self.scale is not None and self.scale.shape[0] != q.shape[-1])):
            raise ValueError(f"{self.who}: expected query (B, T, dim), value (B, S, dim_v) and "
                             f"key (B, S, dim), got query {tuple(q.shape)}, value "
                             f"{tuple(v.shape)}, key {tuple(k.shape)}")
        b, t, s = q.shape[0], q.shape[1], k.shape[1]
        query_mask, keep = self._masks(mask, b, t, s, use_causal_mask)

        energy = ops.tanh(q.unsqueeze(2) + k.unsqueeze(1))          # (B, T, S, dim)
        if self.scale is not None:
            energy = energy * self.scale
        weights = masked_softmax(energy.sum(-1), keep)              # (B, T, S)
        rate = self.dropout if self.is_training(training) else 0.0
        if rate:
            with _drawing_from(self._rng) if self._rng is not None else \
                    contextlib.nullcontext():
                out = matmul(dropout_op(weights, rate), v)
        else:
            out = matmul(weights, v)
        if query_mask is not None:
            out = out * Tensor(query_mask[:, :, None].astype(out.dtype))
        return (out, weights) if return_attention_scores else out

    def _masks(self, mask, b, t, s, causal):
        """(query_mask (B, T) or None, keep mask broadcastable to (B, T, S) or None)."""
        query_mask = value_mask = keep = None
        if mask is not None:
            if not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3):
                raise ValueError(f"{self.who}: mask must be a list [query_mask, value_mask] "
                                 f"(or [query_mask, value_mask, key_mask]), got "
                                 f"{type(mask).__name__}")
            query_mask, value_mask = mask[0], mask[1]
        for what, m, shape in (("query_mask", query_mask, (b, t)),
                               ("value_mask", value_mask, (b, s))):
            if m is not None and _bool_mask(m, self.who, what).shape != shape:
                raise ValueError(f"{self.who}: expected {what} of shape {shape}, got "
                                 f"{_bool_mask(m, self.who, what).shape}")
        if value_mask is not None:
            keep = _bool_mask(value_mask, self.who, "value_mask")[:, None, :]
        if causal:
            keep = _and(keep, numpy.tri(t, s, dtype=bool)[None])
        if query_mask is not None:
            query_mask = _bool_mask(query_mask, self.who, "query_mask")
        return query_mask, keep

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
