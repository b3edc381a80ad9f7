"""ONNX nodes of multi-head attention (Keras's ``MultiHeadAttention``, PyTorch's
``MultiheadAttention``), written out from MatMul and Softmax as the course has it:

    Q_h, K_h, V_h = x W_q,h + b, ...      head_h = softmax(Q_h K_h^T / sqrt(d_k) + mask) V_h
    output = concat(head_1 .. head_H) W_o + b_o

The projections are ``core.linear``; the heads are a reshape (B, T, H d) -> (B, H, T, d).
"""

import math

import numpy

from .. import nn
from ..keras import layers as kl
from .core import linear
from .registry import builds


def _split_heads(g, x, heads, size, perm):
    return g.add("Transpose", [g.add("Reshape", [x, g.ints([0, 0, heads, size])])], perm=perm)


def attend(ex, q, k, v, heads, key_size, value_size, causal=None):
    """(B, T, H dk), (B, S, H dk), (B, S, H dv) values -> (merged (B, T, H dv), weights
    (B, H, T, S)); ``causal``: (T, S) for a mask where query i sees keys 0..i."""
    g = ex.g
    q = _split_heads(g, q, heads, key_size, [0, 2, 1, 3])          # (B, H, T, dk)
    k = _split_heads(g, k, heads, key_size, [0, 2, 3, 1])          # (B, H, dk, S)
    v = _split_heads(g, v, heads, value_size, [0, 2, 1, 3])        # (B, H, S, dv)
    scores = g.add("Mul", [g.add("MatMul", [q, k]), g.scalar(1 / math.sqrt(key_size))])
    if causal is not None:
        t, s = causal
        blocked = numpy.where(numpy.tri(t, s, dtype=bool), 0.0, -numpy.inf)
        scores = g.add("Add", [scores, g.weight(blocked, "causal_mask")])
    weights = g.add("Softmax", [scores], axis=-1)
    heads_out = g.add("Transpose", [g.add("MatMul", [weights, v])], perm=[0, 2, 1, 3])
    return g.add("Reshape", [heads_out, g.ints([0, 0, -1])]), weights


@builds(kl.MultiHeadAttention)
def _keras_mha(ex, call):
    m = call.module
    names = ("query", "value", "key", "query_mask", "value_mask", "key_mask", "attention_mask",
             "return_attention_scores", "training", "use_causal_mask")
    given = dict(zip(names, call.args))
    given.update(call.kwargs)
    for mask in ("query_mask", "value_mask", "key_mask", "attention_mask"):
        if given.get(mask) is not None:
            raise ex.unsupported(call, mask, "only use_causal_mask is exported")
    query, value = given["query"], given["value"]
    key = given.get("key")
    key = value if key is None else key
    h, kd, vd = m.num_heads, m.key_dim, m.value_dim

    def project(what, tensor):
        kernel = ex.array(getattr(m, f"{what}_kernel"))
        bias = getattr(m, f"{what}_bias")
        return linear(ex, ex.value(tensor, call, what), kernel.reshape(kernel.shape[0], -1),
                      None if bias is None else ex.array(bias).reshape(-1))
    causal = (query.shape[1], key.shape[1]) if given.get("use_causal_mask") else None
    merged, weights = attend(ex, project("query", query), project("key", key),
                             project("value", value), h, kd, vd, causal)
    out_kernel = ex.array(m.output_kernel)
    output = linear(ex, merged, out_kernel.reshape(h * vd, -1), m.output_bias)
    if given.get("return_attention_scores"):
        ex.bind(call.output[0], output)
        ex.bind(call.output[1], weights)
    else:
        ex.bind(call.output, output)


@builds(nn.MultiheadAttention)
def _torch_mha(ex, call):
    m, g = call.module, ex.g
    names = ("query", "key", "value", "key_padding_mask", "need_weights", "attn_mask",
             "average_attn_weights", "is_causal")
    given = {"need_weights": True, "average_attn_weights": True}
    given.update(zip(names, call.args))
    given.update(call.kwargs)
    for option in ("key_padding_mask", "attn_mask"):
        if given.get(option) is not None:
            raise ex.unsupported(call, option, "only is_causal is exported")
    if m.bias_k is not None or m.add_zero_attn:
        raise ex.unsupported(call, "add_bias_kv / add_zero_attn")
    e, h = m.embed_dim, m.num_heads
    if m._qkv_same_embed_dim:
        w = ex.array(m.in_proj_weight)
        weights = [w[:e], w[e:2 * e], w[2 * e:]]
    else:
        weights = [ex.array(p) for p in (m.q_proj_weight, m.k_proj_weight, m.v_proj_weight)]
    bias = None if m.in_proj_bias is None else ex.array(m.in_proj_bias)
    values = []
    for i, what in enumerate(("query", "key", "value")):
        x = ex.value(given[what], call, what)
        if not m.batch_first:                 # (L, N, E) -> (N, L, E)
            x = g.add("Transpose", [x], perm=[1, 0, 2])
        values.append(linear(ex, x, weights[i].T,
                             None if bias is None else bias[i * e:(i + 1) * e]))
    seq = 0 if not m.batch_first else 1
    causal = (given["query"].shape[seq], given["key"].shape[seq]) if given.get("is_causal") \
        else None
    merged, probabilities = attend(ex, *values, h, e // h, e // h, causal)
    output = linear(ex, merged, ex.array(m.out_proj.weight).T, m.out_proj.bias)
    if not m.batch_first:
        output = g.add("Transpose", [output], perm=[1, 0, 2])
    out, attn = call.output
    ex.bind(out, output)
    if attn is not None:
        if given["average_attn_weights"]:
            probabilities = g.reduce("ReduceMean", probabilities, [1], False)
        ex.bind(attn, probabilities)


@builds(kl.Attention)
def _keras_dot_attention(ex, call):
    """Luong's dot attention: softmax(scale q k^T) v, (B, T, d), (B, S, dv) -> (B, T, dv)."""
    m, g = call.module, ex.g
    if m.score_mode != "dot":
        raise ex.unsupported(call, f"score_mode={m.score_mode!r}", "only 'dot' is exported")
    if call.kwargs.get("mask") is not None:
        raise ex.unsupported(call, "mask", "only use_causal_mask is exported")
    tensors = list(call.args[0])
    q, v = (ex.value(t, call) for t in tensors[:2])
    k = ex.value(tensors[2], call) if len(tensors) == 3 else v
    if m.scale is not None:
        q = g.add("Mul", [q, ex.weight(m.scale, "scale")])
    scores = g.add("MatMul", [q, g.add("Transpose", [k], perm=[0, 2, 1])])
    if call.kwargs.get("use_causal_mask"):
        t, s = tensors[0].shape[1], tensors[1].shape[1]
        blocked = numpy.where(numpy.tri(t, s, dtype=bool), 0.0, -numpy.inf)
        scores = g.add("Add", [scores, g.weight(blocked, "causal_mask")])
    weights = g.add("Softmax", [scores], axis=-1)
    output = g.add("MatMul", [weights, v])
    if call.kwargs.get("return_attention_scores"):
        ex.bind(call.output[0], output)
        ex.bind(call.output[1], weights)
    else:
        ex.bind(call.output, output)
