"""Attention ops (ops/attention.py): gradcheck in float64, parity with PyTorch in float64
and float32, through the shared harness; then masks, dropout and bad input by hand."""

import math

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError, gradcheck
from shenjing.ops.attention import (additive_attention, attention_with_weights, dot_attention,
                                    masked_softmax, scaled_dot_product_attention)

from .harness import OpInfo, S, op_tests

_rng = np.random.default_rng(1234)
BOOL_LS = _rng.random((4, 6)) < 0.6
BOOL_LS[:, 0] = True                                  # every row keeps a key
BOOL_DEAD = BOOL_LS.copy()
BOOL_DEAD[2] = False                                  # query 2 may attend to nothing
BOOL_NHLS = _rng.random((2, 3, 4, 6)) < 0.5
BOOL_NHLS[..., 1] = True
FLOAT_DEAD = np.where(BOOL_DEAD, 0.0, -np.inf)
KEY_MASK = np.array([[True] * 6, [True, True, True, False, False, False]])
KEY_MASK_DEAD = np.array([[True] * 6, [False] * 6])


def _torch():
    import torch
    return torch


def sdpa_ref(*args, **kwargs):
    return _torch().nn.functional.scaled_dot_product_attention(*args, **kwargs)


def sdpa_float_mask(q, k, v, m, **kwargs):
    return scaled_dot_product_attention(q, k, v, attn_mask=m, **kwargs)


def sdpa_float_mask_ref(q, k, v, m, **kwargs):
    return sdpa_ref(q, k, v, attn_mask=m, **kwargs)


def _masked_softmax_ref(scores, mask):
    torch = _torch()
    if mask is not None:
        if mask.ndim == 2 and scores.ndim == 3:
            mask = mask[:, None, :]
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, -1)


def additive_ref(query, keys, values, W_q, W_k, v, mask=None):
    torch = _torch()
    qp, kp = query @ W_q.T, keys @ W_k.T
    e = torch.tanh(qp.unsqueeze(-2) + (kp if query.ndim == 2 else kp.unsqueeze(1)))
    w = _masked_softmax_ref(e @ v, mask)
    context = (w.unsqueeze(1) @ values).squeeze(1) if query.ndim == 2 else w @ values
    return context, w


def dot_ref(query, keys, values, W=None, mask=None):
    if W is not None:
        query = query @ W
    q = query.unsqueeze(1) if query.ndim == 2 else query
    scores = q @ keys.transpose(1, 2)
    if query.ndim == 2:
        scores = scores.squeeze(1)
    w = _masked_softmax_ref(scores, mask)
    context = (w.unsqueeze(1) @ values).squeeze(1) if query.ndim == 2 else w @ values
    return context, w


def masked_softmax_ref(x, mask=None):
    return _masked_softmax_ref(x, mask).nan_to_num(0.0)


QKV = ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7))
TABLE = [
    OpInfo("sdpa", scaled_dot_product_attention, sdpa_ref, [
        S(*QKV),
        S((4, 5), (6, 5), (6, 3)),
        S((3, 4, 5), (3, 6, 5), (3, 6, 2), scale=0.3),
        S(*QKV, attn_mask=BOOL_LS),
        S(*QKV, attn_mask=BOOL_NHLS),
        S(*QKV, attn_mask=BOOL_DEAD),                      # a fully masked query row
        S(*QKV, is_causal=True),
        S((2, 3, 6, 5), (2, 3, 4, 5), (2, 3, 4, 7), is_causal=True),  # L > S
        S((2, 3, 4, 5), (6, 5), (6, 7)),                    # key and value broadcast
        S((2, 4, 4, 5), (2, 2, 6, 5), (2, 2, 6, 3), enable_gqa=True),
        S((2, 4, 4, 5), (2, 2, 6, 5), (2, 2, 6, 3), enable_gqa=True, attn_mask=BOOL_LS),
    ]),
    OpInfo("sdpa_float_mask", sdpa_float_mask, sdpa_float_mask_ref, [
        S(*QKV, (4, 6)),
        S(*QKV, (2, 1, 4, 6), scale=0.5),
        S(*QKV, (2, 3, 4, 6)),
    ]),
    OpInfo("sdpa_dead_float_mask", sdpa_float_mask, sdpa_float_mask_ref,
           [S(*QKV, FLOAT_DEAD)]),
    OpInfo("additive_attention", additive_attention, additive_ref, [
        S((2, 5), (2, 6, 4), (2, 6, 3), (7, 5), (7, 4), (7,)),
        S((2, 5), (2, 6, 4), (2, 6, 3), (7, 5), (7, 4), (7,), mask=KEY_MASK),
        S((2, 3, 5), (2, 6, 4), (2, 6, 3), (7, 5), (7, 4), (7,), mask=KEY_MASK),
    ]),
    OpInfo("dot_attention", dot_attention, dot_ref, [
        S((2, 4), (2, 6, 4), (2, 6, 3)),
        S((2, 3, 4), (2, 6, 4), (2, 6, 3), mask=KEY_MASK),
        S((2, 5), (2, 6, 4), (2, 6, 3), (5, 4), mask=KEY_MASK),
        S((2, 3, 5), (2, 6, 4), (2, 6, 3), (5, 4)),
    ]),
    OpInfo("masked_softmax", masked_softmax, masked_softmax_ref, [
        S((4, 6), mask=BOOL_LS), S((2, 3, 4, 6), mask=BOOL_LS), S((3, 5))]),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


# ------------------------------------------------------------------ masks by hand


def _qkv(dtype="float64", seed=0, shapes=QKV):
    rng = np.random.default_rng(seed)
    return [sj.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]


def test_fully_masked_rows_give_zeros_not_nan():
    q, k, v = _qkv()
    out = scaled_dot_product_attention(q, k, v, attn_mask=sj.tensor(BOOL_DEAD))
    assert np.all(out.numpy()[:, :, 2] == 0) and np.isfinite(out.numpy()).all()
    out.sum().backward()
    for t in (q, k, v):
        assert np.isfinite(t.grad.numpy()).all()
    assert np.all(q.grad.numpy()[:, :, 2] == 0)
    context, w = additive_attention(*_qkv(shapes=((2, 5), (2, 6, 4), (2, 6, 3), (7, 5), (7, 4),
                                                  (7,))), mask=sj.tensor(KEY_MASK_DEAD))
    assert np.all(w.numpy()[1] == 0) and np.all(context.numpy()[1] == 0)


def test_causal_equals_a_lower_triangular_bool_mask():
    q, k, v = _qkv()
    a = scaled_dot_product_attention(q, k, v, is_causal=True)
    b = scaled_dot_product_attention(q, k, v, attn_mask=sj.tensor(np.tril(np.ones((4, 6), bool))))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_bool_mask_equals_minus_inf_float_mask():
    q, k, v = _qkv()
    a = scaled_dot_product_attention(q, k, v, attn_mask=sj.tensor(BOOL_LS))
    b = scaled_dot_product_attention(q, k, v, attn_mask=sj.tensor(np.where(BOOL_LS, 0.0, -np.inf)))
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_default_scale_is_one_over_sqrt_e():
    q, k, v = _qkv()
    a = scaled_dot_product_attention(q, k, v)
    b = scaled_dot_product_attention(q, k, v, scale=1 / math.sqrt(5))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# ------------------------------------------------------------------ dropout


def test_dropout_uses_one_mask_forward_and_backward():
    q, k, v = _qkv()
    sj.manual_seed(3)
    out = scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    node = out.grad_fn
    p, mask = node.p.copy(), node.mask.copy()
    assert set(np.unique(mask)) <= {0.0, np.float64(1 / 0.6)} and (mask == 0).any()
    np.testing.assert_allclose(out.numpy(), (p * mask) @ v.numpy(), rtol=1e-12)
    sj.manual_seed(3)
    again = scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    np.testing.assert_array_equal(out.numpy(), again.numpy())


def test_dropout_gradcheck_with_a_fixed_seed():
    def fn(q, k, v):
        sj.manual_seed(11)
        return scaled_dot_product_attention(q, k, v, dropout_p=0.3, attn_mask=sj.tensor(BOOL_LS))
    gradcheck(fn, tuple(_qkv()))


def test_float_mask_gets_a_gradient_and_bool_mask_none():
    q, k, v = _qkv()
    m = sj.tensor(np.zeros((4, 6)), requires_grad=True)
    scaled_dot_product_attention(q, k, v, attn_mask=m).sum().backward()
    assert m.grad is not None and m.grad.shape == (4, 6)


def test_no_graph_under_no_grad():
    q, k, v = _qkv()
    with sj.no_grad():
        out = scaled_dot_product_attention(q, k, v)
    assert out.grad_fn is None and not out.requires_grad


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("shapes,kwargs,words", [
    (((2, 4, 5), (2, 6, 3), (2, 6, 7)), {}, ["key", "E = 5", "(2, 6, 3)"]),
    (((2, 4, 5), (2, 6, 5), (2, 7, 7)), {}, ["value", "S = 6", "(2, 7, 7)"]),
    (((2, 4, 5), (3, 6, 5), (3, 6, 7)), {}, ["batch dims", "(2, 4, 5)", "(3, 6, 5)"]),
    (((2, 4, 5), (2, 6, 5), (2, 6, 7)), {"attn_mask": np.ones((4, 5), bool)},
     ["attn_mask", "(4, 5)", "(2, 4, 6)"]),
    (((5,), (6, 5), (6, 7)), {}, ["query", "at least 2 dims", "(5,)"]),
])
def test_sdpa_shape_errors_name_the_op_and_shapes(shapes, kwargs, words):
    q, k, v = _qkv(shapes=shapes)
    kwargs = {key: sj.tensor(val) for key, val in kwargs.items()}
    with pytest.raises(ShapeError) as info:
        scaled_dot_product_attention(q, k, v, **kwargs)
    message = str(info.value)
    assert message.startswith("scaled_dot_product_attention:")
    for w in words:
        assert w in message, message


def test_sdpa_refuses_mask_and_causal_together_and_int_masks():
    q, k, v = _qkv()
    with pytest.raises(ValueError, match="not both"):
        scaled_dot_product_attention(q, k, v, attn_mask=sj.tensor(BOOL_LS), is_causal=True)
    with pytest.raises(TypeError, match="bool or floating"):
        scaled_dot_product_attention(q, k, v, attn_mask=sj.tensor(BOOL_LS.astype("int64")))
    with pytest.raises(TypeError, match="one dtype"):
        scaled_dot_product_attention(q, k.float(), v)


def test_seq2seq_errors():
    q, k, v = _qkv(shapes=((2, 5), (2, 6, 4), (2, 6, 3)))
    with pytest.raises(ShapeError, match=r"dot_attention: .*pass W"):
        dot_attention(q, k, v)
    with pytest.raises(ShapeError, match=r"additive_attention: W_q must be \(H, Dq\)"):
        additive_attention(q, k, v, sj.zeros(7, 4), sj.zeros(7, 4), sj.zeros(7))
    with pytest.raises(TypeError, match="mask must be bool"):
        dot_attention(q, k, v, W=sj.zeros(5, 4), mask=sj.ones(2, 6))


def test_attention_with_weights_returns_the_softmax_it_used():
    rng = np.random.default_rng(3)
    q, k, v = (sj.tensor(rng.standard_normal(s)) for s in ((2, 3, 4, 5), (2, 3, 6, 5),
                                                           (2, 3, 6, 2)))
    out, weights = attention_with_weights(q, k, v, is_causal=True)
    np.testing.assert_allclose(out.numpy(), scaled_dot_product_attention(
        q, k, v, is_causal=True).numpy(), rtol=1e-12)
    scores = q.numpy() @ k.numpy().swapaxes(-1, -2) / np.sqrt(5)
    scores[..., ~np.tri(4, 6, dtype=bool)] = -np.inf
    expected = np.exp(scores - scores.max(-1, keepdims=True))
    np.testing.assert_allclose(weights.numpy(), expected / expected.sum(-1, keepdims=True),
                                  rtol=1e-12)
