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

from ... import ops
from ...ops.attention import masked_softmax
from ...ops.dropout import dropout as dropout_op
from ...ops.linalg import matmul
from .attention import Attention


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

    def _attend(self, q, k, v, keep, rate, with_weights):
        """Attention's masking, dropout and shapes, with the additive scores of the module
        docstring: (output (B, T, dim_v), weights (B, T, S))."""
        if self.scale is not None and self.scale.shape[0] != q.shape[-1]:
            raise ValueError(f"{self.who}: expected query and key of last axis "
                             f"{self.scale.shape[0]} (the size it was built for), got "
                             f"{q.shape[-1]}")
        energy = ops.tanh(q.unsqueeze(2) + k.unsqueeze(1))          # (B, T, S, dim)
        if self.scale is not None:
            energy = energy * self.scale
        weights = masked_softmax(energy.sum(-1), keep)              # (B, T, S)
        return matmul(dropout_op(weights, rate) if rate else weights, v), weights

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
