"""Attention: scaled dot-product attention (fused), multi-head attention, and the two
classic seq2seq scores, additive (Bahdanau) and dot/general (Luong).

Scaled dot-product attention, for queries Q (..., L, E), keys K (..., S, E) and values
V (..., S, Ev)::

    S = Q K^T * scale + B        (B: the float mask, or -inf where a bool mask is False)
    P = softmax(S)               (along the keys, per query row)
    O = dropout(P) V             (..., L, Ev)

It is one fused ``Function``: two batched GEMMs forward, four backward, and the softmax
done in place on the one (..., L, S) buffer.  Its backward is the course's derivation:

    dV = P^T dO,   dP = dO V^T,   dS = P * (dP - sum_j dP * P),
    dQ = dS K * scale,   dK = dS^T Q * scale,   dB = dS.

Measured against the same computation composed of matmul, mul, masked_fill, softmax and
matmul (float32, one BLAS thread, (N, H, L, E) from (64, 4, 32, 16) to (4, 8, 256, 64),
with and without a causal mask): the fused op is 1.0x to 2.2x faster forward and 1.1x to
4.2x faster forward + backward, because the composed graph makes several (..., L, S)
arrays per pass where this makes one or two, and runs more small ops per batch.

A query row whose keys are all masked out has no softmax: like PyTorch's math backend,
its weights, its output row and the gradients through it are zero (never NaN).
"""

import math

import numpy

from .. import backend
from ..autograd.function import Function, ShapeError
from ..autograd.tensor import Tensor
from ._helpers import expect, sum_to
from .activation import tanh
from .linalg import linear, matmul
from .shape import cat, pad, reshape, transpose

# ---------------------------------------------------------------- the safe softmax


def _masked_softmax_(s, keep=None):
    """Softmax along the last axis of the float array ``s``, in place, with -inf where the
    bool ``keep`` (broadcast to s) is False.  Rows with no finite score become all zeros."""
    xp = backend.array_module(s)
    if keep is not None:
        if numpy.broadcast_shapes(keep.shape, s.shape) == s.shape:
            xp.copyto(s, -xp.inf, where=~keep)
        else:
            s = xp.where(keep, s, s.dtype.type(-xp.inf))
    m = s.max(axis=-1, keepdims=True)
    m[m == -xp.inf] = 0           # a fully masked row: exp(-inf - 0) = 0, not NaN
    s -= m
    xp.exp(s, out=s)
    z = s.sum(axis=-1, keepdims=True)
    z[z == 0] = 1
    s /= z
    return s


def _softmax_backward(gp, p):
    """dS = P * (dP - sum(dP * P)) along the last axis; ``gp`` is used as scratch space."""
    gp *= p
    gp -= p * gp.sum(axis=-1, keepdims=True)
    return gp


class MaskedSoftmax(Function):
    """y = softmax(x) along the last axis over the positions where ``keep`` is True (zero
    elsewhere; an all-masked row gives zeros);  dL/dx = y (g - sum(g y))."""
    reads_inputs = False

    def __init__(self, keep):
        self.keep = keep

    def forward(self, x):
        self.y = y = _masked_softmax_(x.copy(), self.keep)
        return y

    def backward(self, gy):
        return _softmax_backward(gy.copy(), self.y)


def masked_softmax(x, mask=None):
    """Softmax along the last dim, over the positions where the bool ``mask`` is True."""
    keep = None
    if mask is not None:
        keep = _bool_array(mask, "masked_softmax", "mask")
        _check_broadcast(keep.shape, x.shape, "masked_softmax", "mask", "the scores")
    return MaskedSoftmax(keep)(x)


# ---------------------------------------------------------------- scaled dot-product attention


class ScaledDotProductAttention(Function):
    """O = dropout(softmax(Q K^T * scale + B)) V with a hand-derived backward (see the module
    docstring).  Inputs (q, k, v) or (q, k, v, bias); the bool ``keep`` mask (True = take
    part) is a constant.  With ``weights=True`` it also returns P (after dropout), whose
    gradient is added to dP."""

    def __init__(self, scale, keep=None, dropout_p=0.0, weights=False):
        self.scale, self.keep, self.dropout_p, self.weights = scale, keep, dropout_p, weights

    def forward(self, q, k, v, bias=None):
        xp = backend.array_module(q)
        s = q @ xp.swapaxes(k, -1, -2)
        s *= s.dtype.type(self.scale)
        if bias is not None:
            if numpy.broadcast_shapes(bias.shape, s.shape) == s.shape:
                s += bias
            else:
                s = s + bias
        p = _masked_softmax_(s, self.keep)
        mask = None
        if self.dropout_p > 0:
            kept = backend.generator().random(p.shape, dtype="float32") >= self.dropout_p
            mask = xp.multiply(kept, p.dtype.type(1 / (1 - self.dropout_p)), dtype=p.dtype)
            pd = p * mask
        else:
            pd = p
        out = pd @ v
        if self.needs_input_grad is not None:
            self.q, self.k, self.v, self.p, self.pd, self.mask = q, k, v, p, pd, mask
            self.bias_shape = None if bias is None else bias.shape
        return (out, pd) if self.weights else out

    def backward(self, go, gw=None):
        xp = backend.array_module(go)
        q, k, v, p, pd = self.q, self.k, self.v, self.p, self.pd
        needs = self.needs_input_grad
        gq = gk = gv = gb = None
        if needs[2]:
            gv = sum_to(xp.swapaxes(pd, -1, -2) @ go, v.shape)
        if needs[0] or needs[1] or (len(needs) > 3 and needs[3]):
            gp = sum_to(go @ xp.swapaxes(v, -1, -2), p.shape)  # a new array: used as scratch
            if gw is not None:
                gp += gw
            if self.mask is not None:
                gp *= self.mask
            gs = _softmax_backward(gp, p)
            if len(needs) > 3 and needs[3]:
                gb = sum_to(gs, self.bias_shape)
            scale = gs.dtype.type(self.scale)
            if needs[0]:
                gq = gs @ k
                gq *= scale
                gq = sum_to(gq, q.shape)
            if needs[1]:
                gk = xp.swapaxes(gs, -1, -2) @ q
                gk *= scale
                gk = sum_to(gk, k.shape)
        return (gq, gk, gv) if len(needs) == 3 else (gq, gk, gv, gb)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(Q K^T * scale + mask) V, PyTorch's ``F.scaled_dot_product_attention``.

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); the
    batch dims broadcast.  ``attn_mask`` broadcasts to (..., L, S): a bool mask says which
    keys each query may attend to (True = take part), a float mask is added to the scores
    (and gets a gradient when it requires one).  ``is_causal`` lets query i see keys 0..i
    (top-left aligned).  ``scale`` defaults to 1 / sqrt(E).  ``dropout_p`` drops attention
    weights (always, as PyTorch: pass 0.0 in evaluation).  ``enable_gqa`` lets the H_q
    query heads (dim -3) share H_k = H_q / G key/value heads, query head h using head h // G.

        >>> q = shenjing.randn(2, 4, 5, 8); k = v = shenjing.randn(2, 4, 7, 8)
        >>> scaled_dot_product_attention(q, k, v, is_causal=True).shape
        (2, 4, 5, 8)
    """
    out, _ = _sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa,
                   "scaled_dot_product_attention", weights=False)
    return out


def attention_with_weights(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                           scale=None, op="attention_with_weights"):
    """``scaled_dot_product_attention`` that also returns the attention weights (..., L, S)
    it used (after dropout, if any): (output, weights).  ``op`` names the caller in errors."""
    return _sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale, False, op,
                 weights=True)


def _sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa, op, weights,
          bool_means="keep"):
    """Check and run the fused attention; returns (output, weights or None).  A bool mask
    is a "keep" mask unless ``bool_means="drop"`` (PyTorch's MultiheadAttention masks)."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be floating, got {t.dtype}")
        expect(t.ndim >= 2, op, f"{name} must have at least 2 dims (..., seq, features), "
                                f"got shape {tuple(t.shape)}")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"{op}: query, key and value must have one dtype, got {query.dtype}, "
                        f"{key.dtype} and {value.dtype}")
    L, E = query.shape[-2:]
    S = key.shape[-2]
    expect(key.shape[-1] == E, op, f"key must have the query's feature size E = {E} in its "
                                   f"last dim: query {tuple(query.shape)}, key {tuple(key.shape)}")
    expect(value.shape[-2] == S, op, f"value must have as many positions as key (S = {S}): key "
                                     f"{tuple(key.shape)}, value {tuple(value.shape)}")
    if not 0 <= dropout_p < 1:
        raise ValueError(f"{op}: dropout_p must be in [0, 1), got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{op}: give either attn_mask or is_causal=True, not both")
    if scale is None:
        scale = 1 / math.sqrt(E) if E else 1.0
    groups = 1
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3 and query.shape[-3] != key.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        expect(hk > 0 and hq % hk == 0 and value.shape[-3] == hk, op,
               f"enable_gqa needs the query heads (dim -3) to be a multiple of the key and value "
               f"heads: query {tuple(query.shape)}, key {tuple(key.shape)}, value "
               f"{tuple(value.shape)}")
        groups = hq // hk
    try:
        heads = (query.shape[-3],) if groups > 1 else ()  # GQA: compare keys as if repeated
        batch = numpy.broadcast_shapes(query.shape[:-2], key.shape[:-2 - len(heads)] + heads,
                                       value.shape[:-2 - len(heads)] + heads)
    except ValueError:
        raise ShapeError(f"{op}: the batch dims of query {tuple(query.shape)}, key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)} do not broadcast")\
            from None
    scores = batch + (L, S)
    keep = bias = None
    if is_causal:
        keep = backend.array_module(query.array).tri(L, S, dtype=bool)
    elif attn_mask is not None:
        mask = attn_mask if isinstance(attn_mask, Tensor) else Tensor(attn_mask)
        _check_broadcast(mask.shape, scores, op, "attn_mask", "the scores (..., L, S)")
        if mask.dtype.kind == "b":
            keep = mask.array if bool_means == "keep" else ~mask.array
        elif mask.dtype.kind == "f":
            bias = mask if mask.dtype == query.dtype else mask.type(query.dtype)
        else:
            raise TypeError(f"{op}: attn_mask must be bool or floating, got {mask.dtype}")
    if groups > 1:  # (..., Hk*G, L, E) -> (..., Hk, G, L, E) against keys (..., Hk, 1, S, E)
        return _grouped(query, key, value, keep, bias, dropout_p, scale, groups, weights, batch)
    args = (query, key, value) if bias is None else (query, key, value, bias)
    result = ScaledDotProductAttention(scale, keep, dropout_p, weights)(*args)
    return result if weights else (result, None)


def _grouped(query, key, value, keep, bias, dropout_p, scale, groups, weights, batch):
    hk = key.shape[-3]
    split = batch[:-1] + (hk, groups)
    q = reshape(query.expand(*batch, *query.shape[-2:]), *split, *query.shape[-2:])
    k = key.unsqueeze(-3)
    v = value.unsqueeze(-3)
    L, S = query.shape[-2], key.shape[-2]
    if keep is not None:
        keep = backend.array_module(keep).broadcast_to(keep, batch + (L, S)).reshape(split + (L, S))
    if bias is not None:
        bias = reshape(bias.expand(*batch, L, S), *split, L, S)
    args = (q, k, v) if bias is None else (q, k, v, bias)
    result = ScaledDotProductAttention(scale, keep, dropout_p, weights)(*args)
    out, w = result if weights else (result, None)
    out = reshape(out, *batch, L, value.shape[-1])
    return out, (reshape(w, *batch, L, S) if w is not None else None)


# ---------------------------------------------------------------- multi-head attention


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False,
                                 batch_first=False, _op="multi_head_attention_forward"):
    """Multi-head attention, PyTorch's ``F.multi_head_attention_forward``.

    Shapes (sequence first, as PyTorch's default; ``batch_first=True`` takes (N, L, E)):
    query (L, N, E), key (S, N, kdim), value (S, N, vdim), or unbatched (L, E), (S, kdim),
    (S, vdim).  ``key_padding_mask`` (N, S): True (or -inf) marks padding to ignore;
    ``attn_mask`` (L, S) or (N*num_heads, L, S): True (or -inf) = may not attend, floats
    are added to the scores.  Returns ``(output (L, N, E), weights)`` with weights
    (N, L, S) averaged over heads, (N, num_heads, L, S) when ``average_attn_weights`` is
    False, and None when ``need_weights`` is False.

    Each head h attends with its slice of the projections:
    head_h = softmax(Q_h K_h^T / sqrt(E/H) + mask) V_h;  output = concat(heads) W_o^T + b_o.
    """
    def fail(message):
        raise ShapeError(f"{_op}: {message}" if _op else message)

    if static_k is not None or static_v is not None:
        raise NotImplementedError(f"{_op or 'MultiheadAttention'}: static_k and static_v are "
                                  f"not supported")
    batched = query.ndim == 3
    if query.ndim not in (2, 3):
        fail(f"query must be 3-d (L, N, E) or 2-d unbatched (L, E), got shape {tuple(query.shape)}")
    if key.ndim != query.ndim or value.ndim != query.ndim:
        fail(f"for a {query.ndim}-d query, key and value must be {query.ndim}-d too: got query "
             f"{tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}")
    if not batched:
        query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
    elif not batch_first:
        query, key, value = (transpose(t, 0, 1) for t in (query, key, value))
    # now (N, L, E), (N, S, kdim), (N, S, vdim)
    n, L, e = query.shape
    S = key.shape[1]
    H = num_heads
    if e != embed_dim_to_check:
        fail(f"expected the query to have embed_dim {embed_dim_to_check} features in its last "
             f"dim, got shape {_shape(query, batched, batch_first)}")
    if key.shape[:2] != value.shape[:2] or key.shape[0] != n:
        shapes = [_shape(t, batched, batch_first) for t in (query, key, value)]
        fail(f"key and value must have the query's batch size and the same sequence length: "
             f"query {shapes[0]}, key {shapes[1]}, value {shapes[2]}")
    if e % H:
        fail(f"embed_dim {e} is not divisible by num_heads {H}")
    hd = e // H

    # ---- projections: one GEMM for self-attention, two when key is value
    if not use_separate_proj_weight:
        for name, t, want in (("key", key, e), ("value", value, e)):
            if t.shape[-1] != want:
                fail(f"{name} has {t.shape[-1]} features but the packed in_proj_weight "
                     f"{tuple(in_proj_weight.shape)} expects {want}; pass kdim/vdim")
        b = in_proj_bias
        if query is key and key is value:
            q, k, v = linear(query, in_proj_weight, b).chunk(3, dim=-1)
        elif key is value:
            q = linear(query, in_proj_weight[:e], None if b is None else b[:e])
            k, v = linear(key, in_proj_weight[e:], None if b is None else b[e:]).chunk(2, dim=-1)
        else:
            w_q, w_k, w_v = in_proj_weight.chunk(3)
            b_q, b_k, b_v = (None,) * 3 if b is None else b.chunk(3)
            q, k, v = linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    else:
        for name, t, w in (("query", query, q_proj_weight), ("key", key, k_proj_weight),
                           ("value", value, v_proj_weight)):
            if t.shape[-1] != w.shape[1]:
                fail(f"{name} has {t.shape[-1]} features, expected {w.shape[1]} "
                     f"(the {name[0]}_proj_weight {tuple(w.shape)})")
        b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        q = linear(query, q_proj_weight, b_q)
        k = linear(key, k_proj_weight, b_k)
        v = linear(value, v_proj_weight, b_v)

    # ---- masks: attn_mask as (L, S) or (N, H, L, S), key padding as (N, 1, 1, S)
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{_op or 'MultiheadAttention'}: is_causal=True is only a hint and "
                           f"needs attn_mask too (the causal mask: True above the diagonal)")
    if attn_mask is not None:
        attn_mask = _canonical(attn_mask, "attn_mask", query.dtype, fail)
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (L, S):
                fail(f"the 2-d attn_mask should have shape (L, S) = {(L, S)}, got "
                     f"{tuple(attn_mask.shape)}")
        elif attn_mask.ndim == 3:
            want = (n * H, L, S) if batched else (H, L, S)
            if tuple(attn_mask.shape) != want:
                form = "(N*num_heads, L, S)" if batched else "(num_heads, L, S)"
                fail(f"the 3-d attn_mask should have shape {form} = {want}, got "
                     f"{tuple(attn_mask.shape)}")
            attn_mask = reshape(attn_mask, n, H, L, S)
        else:
            fail(f"attn_mask must be 2-d (L, S) or 3-d (N*num_heads, L, S), got shape "
                 f"{tuple(attn_mask.shape)}")
    if key_padding_mask is not None:
        key_padding_mask = _canonical(key_padding_mask, "key_padding_mask", query.dtype, fail)
        want = (n, S) if batched else (S,)
        if tuple(key_padding_mask.shape) != want:
            form = "(N, S)" if batched else "(S,)"
            fail(f"key_padding_mask should have shape {form} = {want}, got "
                 f"{tuple(key_padding_mask.shape)}")
        key_padding_mask = reshape(key_padding_mask, n, 1, 1, S)

    if bias_k is not None or bias_v is not None:
        if bias_k is None or bias_v is None:
            fail("bias_k and bias_v must be given together")
        k = cat([k, bias_k.reshape(1, 1, e).expand(n, 1, e)], dim=1)
        v = cat([v, bias_v.reshape(1, 1, e).expand(n, 1, e)], dim=1)
        attn_mask, key_padding_mask = _pad_key(attn_mask), _pad_key(key_padding_mask)
        S += 1

    # ---- heads: (N, S, E) -> (N, H, S, hd)
    q = reshape(q, n, L, H, hd).permute(0, 2, 1, 3)
    k = reshape(k, n, S, H, hd).permute(0, 2, 1, 3)
    v = reshape(v, n, S, H, hd).permute(0, 2, 1, 3)
    if add_zero_attn:
        zeros = Tensor(backend.xp().zeros((n, H, 1, hd), q.dtype))
        k, v = cat([k, zeros], dim=2), cat([v, zeros], dim=2)
        attn_mask, key_padding_mask = _pad_key(attn_mask), _pad_key(key_padding_mask)
        S += 1

    mask = _merge(attn_mask, key_padding_mask)
    if not training:
        dropout_p = 0.0
    out, weights = _sdpa(q, k, v, mask, dropout_p, False, None, False, _op, need_weights,
                         bool_means="drop")
    out = reshape(out.permute(0, 2, 1, 3), n, L, e)
    out = linear(out, out_proj_weight, out_proj_bias)
    if not batched:
        out = out.squeeze(0)
    elif not batch_first:
        out = transpose(out, 0, 1)
    if weights is not None:
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            weights = weights.squeeze(0)
    return out, weights


def _shape(t, batched, batch_first):
    """The shape of an input as the caller gave it (undoing the moves made here)."""
    s = tuple(t.shape)
    if not batched:
        return s[1:]
    return s if batch_first else (s[1], s[0]) + s[2:]


def _canonical(mask, name, dtype, fail):
    if not isinstance(mask, Tensor):
        mask = Tensor(mask)
    if mask.dtype.kind == "b":
        return mask
    if mask.dtype.kind != "f":
        fail(f"only bool and floating {name}s are supported, got {mask.dtype}")
    return mask if mask.dtype == dtype else mask.type(dtype)


def _pad_key(mask):
    """One more key position that everyone may attend to (False / 0 in the new column)."""
    if mask is None:
        return None
    if mask.dtype.kind == "b":
        xp = backend.array_module(mask.array)
        return Tensor(xp.pad(mask.array, [(0, 0)] * (mask.ndim - 1) + [(0, 1)]))
    return pad(mask, (0, 1))


def _merge(attn_mask, key_padding_mask):
    """One mask for the scores: bool "drop" masks are or-ed; if either is float, the bool
    one becomes -inf where True and they are added."""
    if attn_mask is None or key_padding_mask is None:
        return attn_mask if key_padding_mask is None else key_padding_mask
    if attn_mask.dtype.kind == "b" and key_padding_mask.dtype.kind == "b":
        return Tensor(attn_mask.array | key_padding_mask.array)
    dtype = attn_mask.dtype if attn_mask.dtype.kind == "f" else key_padding_mask.dtype
    return _to_float(attn_mask, dtype) + _to_float(key_padding_mask, dtype)


def _to_float(mask, dtype):
    if mask.dtype.kind == "f":
        return mask
    xp = backend.array_module(mask.array)
    return Tensor(xp.where(mask.array, dtype.type(-numpy.inf), dtype.type(0)))


# ---------------------------------------------------------------- seq2seq attention


def additive_attention(query, keys, values, W_q, W_k, v, mask=None):
    """Bahdanau (additive) attention: score_s = v^T tanh(W_q q + W_k k_s), softmax over s.

    Shapes: query (N, Dq) - one decoder state per sequence - or (N, L, Dq); keys (N, S, Dk);
    values (N, S, Dv); W_q (H, Dq), W_k (H, Dk), v (H,); ``mask`` bool, True = take part,
    (N, S) or broadcastable to the weights.  Returns ``(context, weights)``: context (N, Dv)
    or (N, L, Dv) = weights @ values, weights (N, S) or (N, L, S).  A query whose keys are
    all masked gets zero weights and a zero context.
    """
    _check_seq2seq(query, keys, values, "additive_attention")
    expect(W_q.ndim == 2 and W_q.shape[1] == query.shape[-1], "additive_attention",
           f"W_q must be (H, Dq) = (H, {query.shape[-1]}), got {tuple(W_q.shape)}")
    expect(W_k.ndim == 2 and W_k.shape[1] == keys.shape[-1] and W_k.shape[0] == W_q.shape[0],
           "additive_attention", f"W_k must be (H, Dk) = ({W_q.shape[0]}, {keys.shape[-1]}), got "
                                 f"{tuple(W_k.shape)}")
    expect(v.shape == (W_q.shape[0],), "additive_attention",
           f"v must be (H,) = ({W_q.shape[0]},), got {tuple(v.shape)}")
    qp = linear(query, W_q)                  # (N, [L,] H)
    kp = linear(keys, W_k)                   # (N, S, H)
    if query.ndim == 2:
        e = tanh(qp.unsqueeze(1) + kp)       # (N, S, H)
    else:
        e = tanh(qp.unsqueeze(2) + kp.unsqueeze(1))  # (N, L, S, H)
    scores = matmul(e, v)                    # (N, [L,] S)
    return _attend(scores, values, mask, query.ndim, "additive_attention")


def dot_attention(query, keys, values, W=None, mask=None):
    """Luong attention: score_s = q . k_s ("dot"), or q^T W k_s ("general") when W is given.

    Shapes: query (N, Dq) or (N, L, Dq); keys (N, S, Dk) (Dk = Dq for "dot"); values
    (N, S, Dv); W (Dq, Dk); ``mask`` bool, True = take part, (N, S) or broadcastable to the
    weights.  Returns ``(context, weights)``: context (N, Dv) or (N, L, Dv), weights (N, S)
    or (N, L, S).  No 1/sqrt(d) scaling (that is ``scaled_dot_product_attention``).
    """
    _check_seq2seq(query, keys, values, "dot_attention")
    if W is not None:
        expect(W.ndim == 2 and W.shape == (query.shape[-1], keys.shape[-1]), "dot_attention",
               f"W must be (Dq, Dk) = {(query.shape[-1], keys.shape[-1])}, got {tuple(W.shape)}")
        query = matmul(query, W)
    else:
        expect(query.shape[-1] == keys.shape[-1], "dot_attention",
               f"query and keys need one feature size for dot scores: query "
               f"{tuple(query.shape)}, keys {tuple(keys.shape)}; pass W for the general score")
    q = query.unsqueeze(1) if query.ndim == 2 else query
    scores = matmul(q, transpose(keys, 1, 2))  # (N, L, S)
    if query.ndim == 2:
        scores = scores.squeeze(1)
    return _attend(scores, values, mask, query.ndim, "dot_attention")


def _check_seq2seq(query, keys, values, op):
    expect(query.ndim in (2, 3), op, f"query must be (N, Dq) or (N, L, Dq), got "
                                     f"{tuple(query.shape)}")
    expect(keys.ndim == 3 and values.ndim == 3 and keys.shape[:2] == values.shape[:2], op,
           f"keys (N, S, Dk) and values (N, S, Dv) must share N and S: keys "
           f"{tuple(keys.shape)}, values {tuple(values.shape)}")
    expect(keys.shape[0] == query.shape[0], op,
           f"query and keys must have one batch size: query {tuple(query.shape)}, keys "
           f"{tuple(keys.shape)}")


def _attend(scores, values, mask, query_ndim, op):
    keep = None
    if mask is not None:
        keep = _bool_array(mask, op, "mask")
        if query_ndim == 3 and keep.ndim == 2:  # a key mask (N, S) for every query
            keep = keep[:, None, :]
        _check_broadcast(keep.shape, scores.shape, op, "mask", "the weights")
    weights = MaskedSoftmax(keep)(scores)
    if query_ndim == 2:
        context = matmul(weights.unsqueeze(1), values).squeeze(1)
    else:
        context = matmul(weights, values)
    return context, weights


# ---------------------------------------------------------------- helpers


def _bool_array(mask, op, name):
    array = mask.array if isinstance(mask, Tensor) else numpy.asarray(mask)
    if array.dtype.kind != "b":
        raise TypeError(f"{op}: {name} must be bool (True = take part), got {array.dtype}")
    return array


def _check_broadcast(shape, target, op, name, what):
    try:
        ok = numpy.broadcast_shapes(tuple(shape), tuple(target)) == tuple(target)
    except ValueError:
        ok = False
    expect(ok, op, f"{name} of shape {tuple(shape)} does not broadcast to {what} "
                   f"{tuple(target)}")
