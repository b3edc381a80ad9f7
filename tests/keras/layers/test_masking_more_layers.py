"""Masks through the layers beyond the recurrent ones: activation and normalization layers
pass a sequence's mask on, batch norm leaves masked steps out of its training statistics,
GlobalAveragePooling1D averages over the real steps, and the merge layers combine their
inputs' masks, each against Keras 3 on real IMDB reviews (pre-padded: masks at the start)."""

import warnings

import numpy
import pytest

import shenjing
from shenjing import keras as sk
from shenjing.keras.layers.layer import get_keras_mask
from tests.keras.oracle import keras3, to_numpy

VOCAB, MAXLEN, DIM = 300, 40, 6


@pytest.fixture(scope="module")
def ids():
    """16 embedded IMDB reviews as word ids, pre-padded or cut to 40 steps (short ones have
    zeros, i.e. masked steps, at the start)."""
    from shenjing import text
    from shenjing.datasets import load_sample
    texts, _ = load_sample("imdb")
    order = numpy.argsort([len(t.split()) for t in texts], kind="stable")[:16]
    tokenizer = text.Tokenizer(num_words=VOCAB)
    tokenizer.fit_on_texts(list(texts))
    seqs = tokenizer.texts_to_sequences([texts[i] for i in order])
    padded = text.pad_sequences(seqs, maxlen=MAXLEN)
    assert (padded == 0).any(axis=1).sum() >= 4    # several reviews shorter than 40 words
    return padded


def embedding_pair(keras, seed=0):
    """A Keras Embedding(mask_zero=True) and shenjing's with the same table."""
    ref = keras.layers.Embedding(VOCAB, DIM, mask_zero=True)
    ref.build((None, MAXLEN))
    ours = sk.layers.Embedding(VOCAB, DIM, mask_zero=True)
    ours.build((None, MAXLEN))
    table = numpy.random.default_rng(seed).standard_normal((VOCAB, DIM)).astype("float32")
    ref.set_weights([table])
    ours.set_weights([table])
    return ref, ours


@pytest.mark.parametrize("make", [
    lambda k: k.layers.ReLU(), lambda k: k.layers.LeakyReLU(), lambda k: k.layers.ELU(),
    lambda k: k.layers.Activation("tanh"), lambda k: k.layers.LayerNormalization(),
    lambda k: k.layers.BatchNormalization(), lambda k: k.layers.Rescaling(0.5),
], ids=["ReLU", "LeakyReLU", "ELU", "Activation", "LayerNormalization",
        "BatchNormalization", "Rescaling"])
def test_layers_that_pass_the_mask_on(ids, make):
    keras = keras3()
    ref_embed, embed = embedding_pair(keras)
    ref_layer, layer = make(keras), make(sk)
    expected = ref_layer(ref_embed(ids))
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # no "does not support masking" warning
        out = layer(embed(ids))
    numpy.testing.assert_allclose(out.numpy(), to_numpy(expected), rtol=1e-5, atol=1e-5)
    numpy.testing.assert_array_equal(get_keras_mask(out).numpy(),
                                     to_numpy(expected._keras_mask))


def test_global_average_pooling_averages_the_real_steps(ids):
    keras = keras3()
    ref_embed, embed = embedding_pair(keras, seed=1)
    expected = keras.layers.GlobalAveragePooling1D()(ref_embed(ids))
    x = embed(ids)
    out = sk.layers.GlobalAveragePooling1D()(x)
    numpy.testing.assert_allclose(out.numpy(), to_numpy(expected), rtol=1e-5, atol=1e-6)
    assert get_keras_mask(out) is None
    unmasked = sk.layers.GlobalAveragePooling1D()(shenjing.tensor(x.numpy()))
    assert not numpy.allclose(unmasked.numpy(), out.numpy())   # the mask changed the mean
    # the gradient reaches only the real steps, each 1 / (number of real steps)
    xt = shenjing.tensor(x.numpy(), requires_grad=True)
    mask = shenjing.tensor(ids != 0)
    sk.layers.GlobalAveragePooling1D()(xt, mask=mask).sum().backward()
    expected_grad = (ids != 0)[:, :, None] / (ids != 0).sum(1)[:, None, None]
    numpy.testing.assert_allclose(xt.grad.numpy(), numpy.broadcast_to(expected_grad, x.shape),
                                  rtol=1e-6)


def test_batch_norm_leaves_masked_steps_out_of_its_training_statistics(ids):
    keras = keras3()
    ref_embed, embed = embedding_pair(keras, seed=2)
    ref_bn, bn = keras.layers.BatchNormalization(momentum=0.5), \
        sk.layers.BatchNormalization(momentum=0.5)
    expected = ref_bn(ref_embed(ids), training=True)
    x = shenjing.tensor(embed(ids).numpy(), requires_grad=True)
    out = bn(x, training=True, mask=shenjing.tensor(ids != 0))
    numpy.testing.assert_allclose(out.numpy(), to_numpy(expected), rtol=1e-4, atol=1e-4)
    for ours, theirs in zip(bn.get_weights(), ref_bn.get_weights()):
        numpy.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    # the same as Keras's gradient of a weighted sum, through the masked moments
    import torch
    weights = numpy.random.default_rng(3).standard_normal(out.shape).astype("float32")
    (out * shenjing.tensor(weights)).sum().backward()
    xt = torch.tensor(ref_embed(ids).detach().numpy(), requires_grad=True)
    ref_bn2 = keras.layers.BatchNormalization(momentum=0.5)
    y = ref_bn2(xt, training=True, mask=torch.tensor(ids != 0))
    (y * torch.tensor(weights)).sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-3, atol=1e-5)


def test_batch_norm_refuses_a_mask_of_the_wrong_shape():
    bn = sk.layers.BatchNormalization(name="bn")
    x = shenjing.ones(2, 5, 3)
    with pytest.raises(ValueError, match=r"bn \(BatchNormalization\).*\(2, 5\).*\(2, 3\)"):
        bn(x, training=True, mask=shenjing.ones(2, 3, dtype=shenjing.bool))


@pytest.mark.parametrize("kind", ["Add", "Multiply", "Average", "Maximum"])
def test_elementwise_merges_or_the_masks(ids, kind):
    keras = keras3()
    ref_a, a = embedding_pair(keras, seed=4)
    shifted = numpy.roll(ids, 3, axis=1)           # other masked steps
    expected = getattr(keras.layers, kind)()([ref_a(ids), ref_a(shifted)])
    out = getattr(sk.layers, kind)()([a(ids), a(shifted)])
    numpy.testing.assert_allclose(out.numpy(), to_numpy(expected), rtol=1e-5, atol=1e-6)
    numpy.testing.assert_array_equal(get_keras_mask(out).numpy(),
                                     to_numpy(expected._keras_mask))
    assert (get_keras_mask(out).numpy() != (ids != 0)).any()   # not just the first mask


@pytest.mark.parametrize("axis", [-1, 1])
def test_concatenate_joins_the_masks(ids, axis):
    keras = keras3()
    ref_a, a = embedding_pair(keras, seed=5)
    dense_in = numpy.random.default_rng(6).standard_normal((len(ids), MAXLEN, DIM))
    dense_in = dense_in.astype("float32")
    expected = keras.layers.Concatenate(axis=axis)([ref_a(ids), dense_in])
    out = sk.layers.Concatenate(axis=axis)([a(ids), shenjing.tensor(dense_in)])
    numpy.testing.assert_allclose(out.numpy(), to_numpy(expected), rtol=1e-6)
    numpy.testing.assert_array_equal(get_keras_mask(out).numpy(),
                                     to_numpy(expected._keras_mask))


def test_masked_average_model_trains_as_keras(ids):
    """Embedding(mask_zero) -> GlobalAveragePooling1D -> Dense, one SGD step on real
    reviews: the same loss and weights as Keras."""
    keras = keras3()
    from shenjing.datasets import load_sample
    labels = numpy.asarray(load_sample("imdb")[1][:len(ids)], dtype="float32")

    def build(k):
        model = k.Sequential([k.Input(shape=(MAXLEN,), dtype="int32"),
                              k.layers.Embedding(VOCAB, DIM, mask_zero=True),
                              k.layers.GlobalAveragePooling1D(),
                              k.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=k.optimizers.SGD(0.5), loss="binary_crossentropy")
        return model
    ref, model = build(keras), build(sk)
    model.set_weights(ref.get_weights())
    ref_loss = ref.train_on_batch(ids, labels)
    loss = model.train_on_batch(ids, labels)
    assert loss == pytest.approx(float(ref_loss), rel=1e-5)
    for ours, theirs in zip(model.get_weights(), ref.get_weights()):
        numpy.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
