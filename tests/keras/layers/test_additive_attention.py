"""Keras's AdditiveAttention (keras/layers/additive_attention.py): the same outputs and weights
as Keras 3 with copied weights (with and without masks), gradients against PyTorch and
float64 central differences, masks from an Embedding in a functional model, saving, configs
and errors."""

import numpy
import pytest

import shenjing
from shenjing.autograd.gradcheck import gradcheck
from shenjing.keras.layers import AdditiveAttention, Attention
from tests.keras.oracle import keras3, to_numpy


def inputs(rng, dtype="float32", b=2, t=4, s=5, dim=3, dim_v=6):
    q = rng.standard_normal((b, t, dim)).astype(dtype)
    v = rng.standard_normal((b, s, dim_v)).astype(dtype)
    k = rng.standard_normal((b, s, dim)).astype(dtype)
    value_mask = rng.random((b, s)) > 0.3
    value_mask[:, 0] = True           # no fully masked row (Keras gives it uniform weights)
    query_mask = rng.random((b, t)) > 0.3
    return q, v, k, query_mask, value_mask


@pytest.mark.parametrize("use_scale", [True, False])
@pytest.mark.parametrize("masking", ["none", "masks", "causal"])
@pytest.mark.parametrize("with_key", [True, False])
def test_additive_attention_matches_keras3(use_scale, masking, with_key):
    keras = keras3()
    rng = numpy.random.default_rng(0)
    q, v, k, query_mask, value_mask = inputs(rng, dim_v=3 if not with_key else 6,
                                             s=4 if masking == "causal" else 5)
    if not with_key:
        k = None
    given = [q, v] if k is None else [q, v, k]
    kwargs = {"return_attention_scores": True}
    if masking == "masks":
        kwargs["mask"] = [query_mask, value_mask]
    if masking == "causal":
        kwargs["use_causal_mask"] = True
    reference = keras.layers.AdditiveAttention(use_scale=use_scale)
    ref_out, ref_weights = reference(given, **kwargs)
    layer = AdditiveAttention(use_scale=use_scale)
    layer(given)
    assert [tuple(w.shape) for w in layer.weights] == [w.shape for w in reference.get_weights()]
    layer.set_weights(reference.get_weights())
    out, weights = layer(given, **kwargs)
    numpy.testing.assert_allclose(out.numpy(), to_numpy(ref_out), rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(weights.numpy(), to_numpy(ref_weights), rtol=1e-5, atol=1e-6)
    assert isinstance(layer, Attention)


def torch_additive(torch, q, v, k, scale, query_mask, value_mask, upstream):
    """Keras's additive attention in torch ops; returns the output and the gradients of
    sum(output * upstream) for query, value, key and scale."""
    qt, vt, kt, st = (torch.tensor(a, requires_grad=True) for a in (q, v, k, scale))
    scores = (st * torch.tanh(qt[:, :, None] + kt[:, None])).sum(-1)
    scores = scores.masked_fill(~torch.tensor(value_mask)[:, None], -torch.inf)
    out = torch.softmax(scores, -1) @ vt * torch.tensor(query_mask)[:, :, None]
    (out * torch.tensor(upstream)).sum().backward()
    return out.detach().numpy(), [a.grad.numpy() for a in (qt, vt, kt, st)]


def test_additive_attention_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(1)
    q, v, k, query_mask, value_mask = inputs(rng, "float64")
    scale = rng.standard_normal(3)
    upstream = rng.standard_normal((2, 4, 6))
    layer = AdditiveAttention(dtype="float64")
    layer([q, v, k])
    layer.set_weights([scale])
    qs, vs, ks = (shenjing.tensor(a, requires_grad=True) for a in (q, v, k))
    out = layer([qs, vs, ks], mask=[query_mask, value_mask])
    (out * shenjing.tensor(upstream)).sum().backward()
    ref_out, ref_grads = torch_additive(torch, q, v, k, scale, query_mask, value_mask, upstream)
    numpy.testing.assert_allclose(out.numpy(), ref_out, atol=1e-12)
    grads = [a.grad.numpy() for a in (qs, vs, ks)] + [layer.scale.grad.numpy()]
    for g, ref in zip(grads, ref_grads):
        numpy.testing.assert_allclose(g, ref, atol=1e-11)


def test_additive_attention_gradcheck_float64():
    rng = numpy.random.default_rng(2)
    q, v, k, query_mask, value_mask = inputs(rng, "float64", b=2, t=3, s=4, dim=3, dim_v=2)
    layer = AdditiveAttention(dtype="float64")
    layer([q, v, k])
    tensors = [shenjing.tensor(a, requires_grad=True) for a in (q, v, k)]
    assert gradcheck(lambda q, v, k, scale: layer([q, v, k], mask=[query_mask, value_mask]),
                     (*tensors, layer.scale))


def test_weights_sum_to_one_and_vanish_where_masked():
    rng = numpy.random.default_rng(3)
    q, v, k, query_mask, value_mask = inputs(rng)
    out, weights = AdditiveAttention()([q, v, k], mask=[query_mask, value_mask],
                                       return_attention_scores=True)
    p = weights.numpy()
    numpy.testing.assert_allclose(p.sum(-1), 1, atol=1e-6)
    assert (p[numpy.broadcast_to(~value_mask[:, None], p.shape)] == 0).all()
    assert (out.numpy()[~query_mask] == 0).all() and (out.numpy()[query_mask] != 0).any()


def test_dropout_acts_only_in_training():
    rng = numpy.random.default_rng(4)
    q, v, _, _, _ = inputs(rng, s=8, dim_v=3)
    layer = AdditiveAttention(dropout=0.5, seed=0)
    inference = layer([q, v]).numpy()
    numpy.testing.assert_array_equal(layer([q, v], training=False).numpy(), inference)
    assert not numpy.allclose(layer([q, v], training=True).numpy(), inference)


def test_embedding_mask_reaches_the_layer_in_a_saved_functional_model(tmp_path):
    """Embedding(mask_zero=True) masks the padded values: the output does not change when
    only the padding changes, and the model saves and loads with the layer's scale."""
    from shenjing import keras
    from shenjing.keras import layers
    tokens = keras.Input((6,), dtype="int32")
    queries = keras.Input((3, 4))
    values = layers.Embedding(10, 4, mask_zero=True)(tokens)
    model = keras.Model([queries, tokens], AdditiveAttention()([queries, values]))
    rng = numpy.random.default_rng(5)
    q = rng.standard_normal((2, 3, 4)).astype("float32")
    x = numpy.array([[3, 4, 5, 0, 0, 0], [6, 7, 0, 0, 0, 0]], "int32")
    out = model.predict([q, x], verbose=0)
    embedding = next(layer for layer in model.layers if isinstance(layer, layers.Embedding))
    table = embedding.get_weights()[0]
    table[0] = 100.0                   # the padding's vector: masked, so it takes no part
    embedding.set_weights([table])
    numpy.testing.assert_allclose(model.predict([q, x], verbose=0), out, rtol=1e-5, atol=1e-6)
    table[3] = 100.0                   # a real token's vector: the output must change
    embedding.set_weights([table])
    assert not numpy.allclose(model.predict([q, x], verbose=0), out, atol=1e-3)
    model.save(str(tmp_path / "m.keras"))
    again = keras.models.load_model(str(tmp_path / "m.keras"))
    numpy.testing.assert_allclose(again.predict([q, x], verbose=0),
                                  model.predict([q, x], verbose=0), rtol=1e-6)


def test_config_round_trip_matches_keras3_keys():
    keras = keras3()
    layer = AdditiveAttention(use_scale=False, dropout=0.25, seed=3, name="add")
    config = layer.get_config()
    assert AdditiveAttention.from_config(config).get_config() == config
    assert "score_mode" not in config
    assert set(config) == set(keras.layers.AdditiveAttention().get_config())


def test_errors_name_the_layer():
    layer = AdditiveAttention(name="add")
    x = numpy.ones((2, 3, 4), "float32")
    with pytest.raises(ValueError, match=r"add \(AdditiveAttention\).*\[query, value\]"):
        layer(x)
    with pytest.raises(ValueError, match=r"add \(AdditiveAttention\).*query \(2, 3, 4\).*"
                                         r"key \(2, 5, 3\)"):
        layer([x, numpy.ones((2, 5, 3), "float32")])
    with pytest.raises(ValueError, match=r"value_mask of shape \(2, 3\).*\(2, 4\)"):
        layer([x, x], mask=[None, numpy.ones((2, 4), bool)])
    with pytest.raises(ValueError, match="dropout"):
        AdditiveAttention(dropout=1.5)
