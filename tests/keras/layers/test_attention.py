"""Keras's MultiHeadAttention and Attention (keras/layers/attention.py): parity with PyTorch
computed from the same weights (forward and every gradient, with and without masks),
gradcheck, attention scores, a self-attention model trained on MNIST rows, configs and
errors."""

import numpy
import pytest

import shenjing
from shenjing.autograd.gradcheck import gradcheck
from shenjing.keras.layers.attention import Attention, MultiHeadAttention


def random_mask(rng, b, t, s):
    mask = rng.random((b, t, s)) > 0.4
    mask[:, :, 0] = True          # no fully masked row (PyTorch gives NaN there)
    return mask


def torch_mha(torch, weights, q, v, k, keep, upstream):
    """Keras's MultiHeadAttention in torch ops from Keras-layout weights; returns the output
    and the gradients of sum(output * upstream) for query, value, key and each weight."""
    ts = [torch.tensor(w, requires_grad=True) for w in weights]
    qt, vt, kt = (torch.tensor(a, requires_grad=True) for a in (q, v, k))
    wq, bq, wk, bk, wv, bv, wo, bo = ts
    Q = torch.einsum("btd,dhk->bhtk", qt, wq) + bq[None, :, None]
    K = torch.einsum("bsd,dhk->bhsk", kt, wk) + bk[None, :, None]
    V = torch.einsum("bsd,dhv->bhsv", vt, wv) + bv[None, :, None]
    mask = None if keep is None else torch.tensor(keep)[:, None]
    heads = torch.nn.functional.scaled_dot_product_attention(Q, K, V, attn_mask=mask)
    out = torch.einsum("bhtv,hvo->bto", heads, wo) + bo
    (out * torch.tensor(upstream)).sum().backward()
    return out.detach().numpy(), [a.grad.numpy() for a in (qt, vt, kt)] + [w.grad.numpy()
                                                                          for w in ts]


@pytest.mark.parametrize("masking", ["none", "attention_mask", "causal", "both"])
@pytest.mark.parametrize("dtype,tol", [("float32", 1e-5), ("float64", 1e-11)])
def test_multi_head_attention_matches_torch(masking, dtype, tol):
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(0)
    b, t, s = 2, 5, 6 if masking in ("none", "attention_mask") else 5
    q = rng.standard_normal((b, t, 6)).astype(dtype)
    v = rng.standard_normal((b, s, 4)).astype(dtype)
    k = rng.standard_normal((b, s, 3)).astype(dtype)
    layer = MultiHeadAttention(3, 4, value_dim=5, output_shape=7, dtype=dtype)
    layer(q, v, k)
    weights = [(rng.standard_normal(tuple(w.shape)) * 0.5).astype(dtype) for w in layer.weights]
    layer.set_weights(weights)
    assert [w.shape for w in weights] == [(6, 3, 4), (3, 4), (3, 3, 4), (3, 4), (4, 3, 5),
                                          (3, 5), (3, 5, 7), (7,)]
    mask = random_mask(rng, b, t, s) if masking in ("attention_mask", "both") else None
    causal = masking in ("causal", "both")
    keep = mask
    if causal:
        tri = numpy.tri(t, s, dtype=bool)
        keep = tri[None].repeat(b, 0) if mask is None else mask & tri
    upstream = rng.standard_normal((b, t, 7)).astype(dtype)
    qs, vs, ks = (shenjing.tensor(a, requires_grad=True) for a in (q, v, k))
    out = layer(qs, vs, ks, attention_mask=mask, use_causal_mask=causal)
    (out * shenjing.tensor(upstream)).sum().backward()
    grads = [a.grad.numpy() for a in (qs, vs, ks)] + [w.grad.numpy() for w in layer.weights]
    ref_out, ref_grads = torch_mha(torch, weights, q, v, k, keep, upstream)
    assert out.dtype == numpy.dtype(dtype)
    numpy.testing.assert_allclose(out.numpy(), ref_out, rtol=tol, atol=tol)
    for g, ref in zip(grads, ref_grads):
        numpy.testing.assert_allclose(g, ref, rtol=tol, atol=10 * tol)


def test_multi_head_attention_gradcheck_float64():
    rng = numpy.random.default_rng(1)
    layer = MultiHeadAttention(2, 3, dtype="float64")
    q = shenjing.tensor(rng.standard_normal((2, 4, 5)), requires_grad=True)
    v = shenjing.tensor(rng.standard_normal((2, 3, 5)), requires_grad=True)
    mask = random_mask(rng, 2, 4, 3)
    layer(q, v)
    layer.set_weights([rng.standard_normal(tuple(w.shape)) * 0.5 for w in layer.weights])
    # the key bias is left out: softmax ignores a constant per row, so its gradient is 0
    weights = [w for w in layer.weights if w is not layer.key_bias]
    assert gradcheck(lambda q, v, *w: layer(q, v, attention_mask=mask), (q, v, *weights))


def test_attention_scores_sum_to_one_and_vanish_where_masked():
    rng = numpy.random.default_rng(2)
    layer = MultiHeadAttention(2, 4)
    q = rng.standard_normal((3, 4, 8)).astype("float32")
    v = rng.standard_normal((3, 6, 8)).astype("float32")
    mask = random_mask(rng, 3, 4, 6)
    out, scores = layer(q, v, attention_mask=mask, return_attention_scores=True)
    assert out.shape == (3, 4, 8) and scores.shape == (3, 2, 4, 6)
    p = scores.numpy()
    numpy.testing.assert_allclose(p.sum(-1), 1, atol=1e-6)
    assert (p[numpy.broadcast_to(~mask[:, None], p.shape)] == 0).all()
    _, causal = layer(q, q, use_causal_mask=True, return_attention_scores=True)
    assert (causal.numpy()[..., numpy.triu_indices(4, 1)[0], numpy.triu_indices(4, 1)[1]]
            == 0).all()
    # without scores the output is the same
    numpy.testing.assert_allclose(layer(q, v, attention_mask=mask).numpy(), out.numpy())


def test_dropout_acts_only_in_training():
    rng = numpy.random.default_rng(3)
    x = rng.standard_normal((2, 5, 8)).astype("float32")
    layer = MultiHeadAttention(2, 4, dropout=0.5, seed=0)
    inference = layer(x, x).numpy()
    numpy.testing.assert_array_equal(layer(x, x, training=False).numpy(), inference)
    _, scores = layer(x, x, training=True, return_attention_scores=True)
    p = scores.numpy()
    assert (p == 0).mean() > 0.3                     # dropped probabilities
    numpy.testing.assert_allclose(numpy.unique(numpy.round(p[p > 0] * 0, 6)), [0])  # finite
    assert not numpy.allclose(layer(x, x, training=True).numpy(), inference)


def test_self_attention_learns_mnist_rows():
    """MNIST digits as sequences of 28 rows of 28 pixels: a row embedding, self-attention
    and a softmax read-out of the flattened sequence (average pooling would forget the row
    order, which attention without positions does not see), trained with fit for 3 epochs on
    3000 digits (about 1 s), classify 1000 held-out digits with accuracy >= 0.75 (0.80 to
    0.82 over seeds 0-2; chance is 0.1)."""
    from shenjing import keras
    from shenjing.datasets import load_sample
    from shenjing.keras import layers
    shenjing.manual_seed(0)
    images, labels = load_sample("mnist")
    x = (images / 255.0).astype("float32")
    x_train, y_train, x_test, y_test = x[:3000], labels[:3000], x[9000:], labels[9000:]
    inputs = keras.Input((28, 28))
    h = layers.Dense(32)(inputs)
    h = layers.MultiHeadAttention(2, 8)(h, h)
    h = layers.Flatten()(h)
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(h))
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=3, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.75, accuracy


def test_multi_head_attention_config_and_errors():
    layer = MultiHeadAttention(2, 4, value_dim=3, dropout=0.1, use_bias=False, output_shape=5,
                               name="mha")
    config = layer.get_config()
    again = MultiHeadAttention.from_config(config)
    assert again.get_config() == config
    x = numpy.ones((2, 3, 6), "float32")
    assert again(x, x).shape == (2, 3, 5) and len(again.weights) == 4
    with pytest.raises(ValueError, match=r"mha \(MultiHeadAttention\).*\(batch, seq, 6\).*"
                                         r"\(2, 3, 7\)"):
        again(numpy.ones((2, 3, 7), "float32"), x)
    with pytest.raises(ValueError, match=r"attention_mask of shape.*\(2, 3, 3\).*\(2, 3, 4\)"):
        again(x, x, attention_mask=numpy.ones((2, 3, 4), bool))
    with pytest.raises(NotImplementedError, match="attention_axes"):
        MultiHeadAttention(2, 4, attention_axes=(1,))
    with pytest.raises(ValueError, match="num_heads"):
        MultiHeadAttention(0, 4)


# ---------------------------------------------------------------- Attention (Luong)


def torch_luong(torch, q, v, k, scale, concat, value_mask, query_mask, causal, upstream):
    qt, vt, kt = (torch.tensor(a, requires_grad=True) for a in (q, v, k))
    st = torch.tensor(scale, dtype=qt.dtype, requires_grad=True)
    ct = torch.tensor(1.3, dtype=qt.dtype, requires_grad=True)
    if concat:
        scores = ct * torch.tanh(st * (qt[:, :, None] + kt[:, None])).sum(-1)
    else:
        scores = st * qt @ kt.transpose(1, 2)
    keep = torch.ones(scores.shape, dtype=torch.bool)
    if value_mask is not None:
        keep = keep & torch.tensor(value_mask)[:, None]
    if causal:
        keep = keep & torch.ones(scores.shape[1:], dtype=torch.bool).tril()
    weights = torch.softmax(scores.masked_fill(~keep, -torch.inf), -1)
    out = weights @ vt
    if query_mask is not None:
        out = out * torch.tensor(query_mask)[:, :, None]
    (out * torch.tensor(upstream)).sum().backward()
    return (out.detach().numpy(), weights.detach().numpy(),
            [a.grad.numpy() for a in (qt, vt, kt, st) + ((ct,) if concat else ())])


@pytest.mark.parametrize("score_mode", ["dot", "concat"])
@pytest.mark.parametrize("masked", [False, True])
def test_attention_matches_torch(score_mode, masked):
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(4)
    q = rng.standard_normal((2, 4, 3))
    v = rng.standard_normal((2, 4, 5))
    k = rng.standard_normal((2, 4, 3))
    value_mask = rng.random((2, 4)) > 0.3 if masked else None
    if masked:
        value_mask[:, 0] = True
    query_mask = numpy.array([[1, 1, 0, 1], [0, 1, 1, 1]], bool) if masked else None
    layer = Attention(use_scale=True, score_mode=score_mode, dtype="float64")
    layer([q, v, k])
    weights = [numpy.array(0.7)] + ([numpy.array(1.3)] if score_mode == "concat" else [])
    layer.set_weights(weights)
    qs, vs, ks = (shenjing.tensor(a, requires_grad=True) for a in (q, v, k))
    upstream = rng.standard_normal((2, 4, 5))
    out, scores = layer([qs, vs, ks], mask=[query_mask, value_mask] if masked else None,
                        return_attention_scores=True, use_causal_mask=masked)
    (out * shenjing.tensor(upstream)).sum().backward()
    ref_out, ref_scores, ref_grads = torch_luong(torch, q, v, k, 0.7, score_mode == "concat",
                                                 value_mask, query_mask, masked, upstream)
    numpy.testing.assert_allclose(out.numpy(), ref_out, atol=1e-12)
    numpy.testing.assert_allclose(scores.numpy(), ref_scores, atol=1e-12)
    grads = [a.grad.numpy() for a in (qs, vs, ks)] + [w.grad.numpy() for w in layer.weights]
    for g, ref in zip(grads, ref_grads):
        numpy.testing.assert_allclose(g, ref, atol=1e-11)


def test_attention_without_key_is_numpy_dot_attention():
    rng = numpy.random.default_rng(5)
    q = rng.standard_normal((2, 3, 4)).astype("float32")
    v = rng.standard_normal((2, 5, 4)).astype("float32")
    s = q @ v.transpose(0, 2, 1)
    p = numpy.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    numpy.testing.assert_allclose(Attention()([q, v]).numpy(), p @ v, rtol=1e-5, atol=1e-6)
    assert Attention().weights == []


def test_attention_config_and_errors():
    layer = Attention(use_scale=True, score_mode="concat", dropout=0.2, name="att")
    config = layer.get_config()
    assert Attention.from_config(config).get_config() == config
    with pytest.raises(ValueError, match=r"att \(Attention\).*\[query, value\]"):
        layer(numpy.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match=r"att \(Attention\).*query \(2, 3, 4\).*key \(2, 5, 3\)"):
        layer([numpy.ones((2, 3, 4), "float32"), numpy.ones((2, 5, 3), "float32")])
    with pytest.raises(ValueError, match="score_mode"):
        Attention(score_mode="general")
