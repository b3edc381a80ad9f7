"""Keras's masking (keras/layers/masking.py and the mask protocol of layer.py): masks made by
Embedding(mask_zero=True) and Masking, carried through Sequential and functional models,
recurrent layers that skip masked steps, masked losses and metrics, and attention that
honours masks, each against Keras 3 with copied weights, on real IMDB reviews where the
check is about sequences of words."""

import numpy
import pytest

import shenjing
from shenjing import keras as sk
from shenjing.autograd.gradcheck import gradcheck
from shenjing.keras.layers.layer import get_keras_mask
from tests.keras.oracle import keras3, to_numpy

RNNS = ["SimpleRNN", "LSTM", "GRU"]
VOCAB, MAXLEN = 400, 48


@pytest.fixture(scope="module")
def reviews():
    """The 24 shortest of the embedded IMDB reviews as word ids (vocabulary of 400), padded
    to 48 steps before ("pre", Keras's default: masks that are not right-padded) and after
    ("post"), with their sentiment labels."""
    from shenjing import text
    from shenjing.datasets import load_sample
    texts, labels = load_sample("imdb")
    order = numpy.argsort([len(t.split()) for t in texts], kind="stable")[:24]
    tokenizer = text.Tokenizer(num_words=VOCAB)
    tokenizer.fit_on_texts(list(texts))
    seqs = tokenizer.texts_to_sequences([texts[i] for i in order])
    pads = {p: text.pad_sequences(seqs, maxlen=MAXLEN, padding=p, truncating="post")
            for p in ("pre", "post")}
    return pads, labels[order].astype("float32")


def general_mask(rng, n, t):
    """Masks with gaps inside (not right-padded), a full row and an empty row."""
    mask = rng.random((n, t)) > 0.35
    mask[0], mask[1] = True, False
    mask[2, :t // 2], mask[2, t // 2:] = True, False
    return mask


# ------------------------------------------------------------------ making masks


def test_embedding_mask_zero_attaches_the_mask_to_its_output():
    embed = sk.layers.Embedding(10, 3, mask_zero=True)
    ids = numpy.array([[0, 4, 0, 9]])
    out = embed(ids)
    assert get_keras_mask(out).numpy().tolist() == [[False, True, False, True]]
    assert get_keras_mask(sk.layers.Embedding(10, 3)(ids)) is None
    dense = sk.layers.Dense(2)
    assert get_keras_mask(dense(out)) is get_keras_mask(out)          # passed through
    with pytest.warns(UserWarning, match="does not support masking"):
        flat = sk.layers.Flatten()(out)
    assert get_keras_mask(flat) is None


def test_masking_layer_matches_keras():
    keras = keras3()
    rng = numpy.random.default_rng(1)
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    x[0, 1] = 0.0
    x[2, 3:] = 0.0
    x[1, 2, :2] = 0.0                     # only some features: not masked
    layer = sk.layers.Masking(mask_value=0.0)
    out = layer(shenjing.tensor(x))
    ref = keras.layers.Masking(mask_value=0.0)(x)
    numpy.testing.assert_array_equal(out.numpy(), to_numpy(ref))
    numpy.testing.assert_array_equal(get_keras_mask(out).numpy(), to_numpy(ref._keras_mask))
    numpy.testing.assert_array_equal(layer.compute_mask(x).numpy(), to_numpy(ref._keras_mask))
    assert sk.layers.Masking.from_config(layer.get_config()).mask_value == 0.0
    with pytest.raises(ValueError, match="mask_value must be a number"):
        sk.layers.Masking(mask_value="zero")


def test_masking_gradient():
    """The gradient is the upstream one at kept steps and 0 at masked ones (a central
    difference cannot check a masked step: moving it off mask_value unmasks it)."""
    rng = numpy.random.default_rng(8)
    x = rng.standard_normal((2, 4, 3))
    x[0, 2] = x[1, 0] = 0.5
    layer = sk.layers.Masking(mask_value=0.5, dtype="float64")
    assert gradcheck(lambda t: layer(t), [shenjing.tensor(x[:, 1:2], requires_grad=True)])
    xt = shenjing.tensor(x, requires_grad=True)
    upstream = rng.standard_normal(x.shape)
    (layer(xt) * shenjing.tensor(upstream)).sum().backward()
    keep = numpy.ones((2, 4, 1))
    keep[0, 2] = keep[1, 0] = 0
    numpy.testing.assert_array_equal(xt.grad.numpy(), upstream * keep)


def test_masking_then_lstm_matches_keras_in_a_sequential():
    keras = keras3()
    rng = numpy.random.default_rng(2)
    x = rng.standard_normal((4, 7, 3)).astype("float32")
    x[1, 4:] = -1.0
    x[3, :2] = -1.0
    x[0, 3] = -1.0

    def build(k):
        return k.Sequential([k.Input(shape=(7, 3)), k.layers.Masking(mask_value=-1.0),
                             k.layers.LSTM(5, return_sequences=True), k.layers.Dense(2)])
    ref, model = build(keras), build(sk)
    model.set_weights(ref.get_weights())
    out = model(shenjing.tensor(x))
    expected = ref(x)
    numpy.testing.assert_allclose(out.numpy(), to_numpy(expected), rtol=1e-5, atol=1e-6)
    numpy.testing.assert_array_equal(get_keras_mask(out).numpy(), to_numpy(expected._keras_mask))


# ------------------------------------------------------------------ recurrent layers


@pytest.mark.parametrize("kind", RNNS)
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_masked_recurrence_matches_keras(kind, go_backwards, return_sequences,
                                         zero_output_for_mask):
    """A mask with gaps, a full and an empty row: outputs and final states as Keras's (the
    state carried over masked steps, the previous output repeated there)."""
    keras = keras3()
    rng = numpy.random.default_rng(3)
    x = rng.standard_normal((5, 6, 3)).astype("float32")
    mask = general_mask(rng, 5, 6)
    options = dict(return_sequences=return_sequences, go_backwards=go_backwards,
                   zero_output_for_mask=zero_output_for_mask, return_state=True)
    ref = getattr(keras.layers, kind)(4, **options)
    expected = ref(x, mask=mask)
    layer = getattr(sk.layers, kind)(4, **options)
    layer(x[:1])
    layer.set_weights(ref.get_weights())
    got = layer(shenjing.tensor(x), mask=mask)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        numpy.testing.assert_allclose(a.numpy(), to_numpy(b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", RNNS)
def test_masked_recurrence_gradients_match_keras(kind):
    """dL/dx and dL/dweights through a general mask, against Keras's (torch autograd)."""
    keras = keras3()
    import torch
    rng = numpy.random.default_rng(4)
    x = rng.standard_normal((4, 5, 3)).astype("float32")
    mask = general_mask(rng, 4, 5)
    upstream = rng.standard_normal((4, 5, 4)).astype("float32")
    ref = getattr(keras.layers, kind)(4, return_sequences=True)
    ref.build((None, 5, 3))
    xt = torch.tensor(x, requires_grad=True)
    (ref(xt, mask=torch.tensor(mask)) * torch.tensor(upstream)).sum().backward()
    layer = getattr(sk.layers, kind)(4, return_sequences=True)
    layer(x[:1])
    layer.set_weights(ref.get_weights())
    xs = shenjing.tensor(x, requires_grad=True)
    (layer(xs, mask=mask) * shenjing.tensor(upstream)).sum().backward()
    numpy.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-6)
    for w, v in zip(layer.weights, ref.weights):
        numpy.testing.assert_allclose(w.grad.numpy(), v.value.grad.numpy(), rtol=1e-4,
                                      atol=1e-6)


@pytest.mark.parametrize("kind", RNNS)
@pytest.mark.parametrize("go_backwards", [False, True])
def test_masked_recurrence_gradcheck(kind, go_backwards):
    rng = numpy.random.default_rng(5)
    mask = general_mask(rng, 3, 4)
    layer = getattr(sk.layers, kind)(2, return_sequences=True, go_backwards=go_backwards,
                                     dtype="float64")
    x = rng.standard_normal((3, 4, 2))
    layer(x)

    def f(xt, *weights):
        return layer(xt, mask=mask)

    assert gradcheck(f, [shenjing.tensor(x, requires_grad=True)] + list(layer.weights))


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_masked_lstm_on_imdb_trains_one_step_as_keras(reviews, padding):
    """Embedding(mask_zero) -> LSTM -> Dense on padded real reviews: the same predictions,
    loss and weights after one SGD step (lr = 1, so the change is the gradient)."""
    keras = keras3()
    pads, labels = reviews
    x = pads[padding]
    assert (x == 0).any(axis=1).sum() >= 4          # several reviews are padded

    def build(k):
        return k.Sequential([k.Input(shape=(MAXLEN,), dtype="int32"),
                             k.layers.Embedding(VOCAB, 8, mask_zero=True), k.layers.LSTM(6),
                             k.layers.Dense(1, activation="sigmoid")])
    ref, model = build(keras), build(sk)
    model.set_weights(ref.get_weights())
    numpy.testing.assert_allclose(model.predict(x, verbose=0), ref.predict(x, verbose=0),
                                  rtol=1e-5, atol=1e-6)
    before = ref.get_weights()
    ref.compile(optimizer=keras.optimizers.SGD(1.0), loss="binary_crossentropy")
    model.compile(optimizer=sk.optimizers.SGD(1.0), loss="binary_crossentropy")
    loss_ref = ref.train_on_batch(x, labels)
    loss = model.train_on_batch(x, labels)
    assert loss == pytest.approx(float(loss_ref), rel=1e-5)
    for old, a, b in zip(before, model.get_weights(), ref.get_weights()):
        assert not numpy.allclose(old, b) or old.shape == (VOCAB, 8)
        numpy.testing.assert_allclose(old - a, old - b, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("kind", ["GRU", "SimpleRNN", "Bidirectional"])
@pytest.mark.parametrize("sequences", [True, False])
def test_masked_layers_on_imdb_forward_as_keras(reviews, kind, sequences):
    """GRU, SimpleRNN and Bidirectional(LSTM) after Embedding(mask_zero), pre-padded reviews
    (masks that are not right-padded): Keras's outputs, and its masks on sequences."""
    keras = keras3()
    x = reviews[0]["pre"]

    def build(k):
        if kind == "Bidirectional":
            rnn = k.layers.Bidirectional(k.layers.LSTM(4, return_sequences=sequences))
        else:
            rnn = getattr(k.layers, kind)(4, return_sequences=sequences)
        inputs = k.Input(shape=(MAXLEN,), dtype="int32")
        return k.Model(inputs, rnn(k.layers.Embedding(VOCAB, 6, mask_zero=True)(inputs)))
    ref, model = build(keras), build(sk)
    model.set_weights(ref.get_weights())
    expected = ref(x)
    got = model(x)
    numpy.testing.assert_allclose(got.numpy(), to_numpy(expected), rtol=1e-5, atol=1e-6)
    if sequences:
        numpy.testing.assert_array_equal(get_keras_mask(got).numpy(), x != 0)
    else:
        assert get_keras_mask(got) is None


def test_recurrent_compute_mask_and_bad_mask():
    lstm = sk.layers.LSTM(3, return_sequences=True, return_state=True)
    mask = shenjing.tensor(numpy.array([[True, False]]))
    assert lstm.compute_mask(None, mask) == [mask, None, None]
    assert sk.layers.GRU(3).compute_mask(None, mask) is None
    with pytest.raises(ValueError, match=r"lstm.*\(LSTM\).*mask has shape \(2, 4\).*\(2, 3, 5\)"):
        sk.layers.LSTM(3, name="lstm")(numpy.zeros((2, 3, 5), "float32"),
                                       mask=numpy.ones((2, 4), bool))


# ------------------------------------------------------------------ losses and metrics


@pytest.mark.parametrize("model_kind", ["sequential", "functional"])
def test_masked_loss_and_metric_match_keras(reviews, model_kind):
    """A per-step classifier on padded reviews: the loss is averaged over the valid steps
    only, and the accuracy counts them only, as Keras's evaluate; training one step gives
    Keras's weights."""
    keras = keras3()
    x = reviews[0]["pre"][:12]
    targets = (x % 3).astype("int64")              # a label per step (real word ids)

    def build(k):
        layers = [k.layers.Embedding(VOCAB, 8, mask_zero=True),
                  k.layers.LSTM(5, return_sequences=True), k.layers.Dense(3)]
        if model_kind == "sequential":
            return k.Sequential([k.Input(shape=(MAXLEN,), dtype="int32")] + layers)
        inputs = k.Input(shape=(MAXLEN,), dtype="int32")
        h = inputs
        for layer in layers:
            h = layer(h)
        return k.Model(inputs, h)
    ref, model = build(keras), build(sk)
    weights = ref.get_weights()
    weights[-1] = numpy.array([2.0, -1.0, 0.5], "float32")    # padded steps: a loss far off
    ref.set_weights(weights)
    model.set_weights(weights)
    for m, k in ((ref, keras), (model, sk)):
        m.compile(optimizer=k.optimizers.SGD(0.5),
                  loss=k.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    expected = ref.evaluate(x, targets, batch_size=len(x), verbose=0, return_dict=True)
    got = model.evaluate(x, targets, batch_size=len(x), verbose=0, return_dict=True)
    assert got["loss"] == pytest.approx(expected["loss"], rel=1e-5)
    assert got["accuracy"] == pytest.approx(expected["accuracy"], rel=1e-6)
    # the unmasked mean differs: the mask is what makes them agree
    logits = model.predict(x, verbose=0)
    shifted = logits - logits.max(-1, keepdims=True)
    per_step = numpy.log(numpy.exp(shifted).sum(-1)) - numpy.take_along_axis(
        shifted, targets[..., None], -1)[..., 0]
    assert got["loss"] == pytest.approx(per_step[x != 0].mean(), rel=1e-5)
    assert abs(per_step.mean() - got["loss"]) > 0.05
    ref.train_on_batch(x, targets)
    model.train_on_batch(x, targets)
    for a, b in zip(model.get_weights(), ref.get_weights()):
        numpy.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum",
                                       "mean_with_sample_weight", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_masked_loss_reductions_match_keras(reduction, weighted):
    """A loss of predictions that carry a mask, each reduction, with per-step weights."""
    keras = keras3()
    import torch
    from shenjing.keras.layers.layer import set_keras_mask
    rng = numpy.random.default_rng(9)
    logits = rng.standard_normal((3, 5, 4)).astype("float32")
    labels = rng.integers(0, 4, (3, 5))
    mask = general_mask(rng, 3, 5)
    weights = rng.random((3, 5)).astype("float32") if weighted else None
    y_ref = torch.tensor(logits)
    y_ref._keras_mask = torch.tensor(mask)
    expected = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)(
        labels, y_ref, sample_weight=weights)
    y_pred = shenjing.tensor(logits)
    set_keras_mask(y_pred, shenjing.tensor(mask))
    got = sk.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)(
        labels, y_pred, sample_weight=weights)
    numpy.testing.assert_allclose(got.numpy(), to_numpy(expected), rtol=1e-5, atol=1e-6)


def test_loss_with_a_mask_of_the_wrong_shape_names_both_shapes():
    from shenjing.keras.layers.layer import set_keras_mask
    y_pred = shenjing.tensor(numpy.zeros((2, 3, 4), "float32"))
    set_keras_mask(y_pred, shenjing.tensor(numpy.ones((2, 5), bool)))
    loss = sk.losses.SparseCategoricalCrossentropy(from_logits=True)
    with pytest.raises(ValueError, match=r"mask of shape \(2, 5\).*shape \(2, 3\)"):
        loss(numpy.zeros((2, 3), "int64"), y_pred)


# ------------------------------------------------------------------ attention


def mha_pair(keras, **options):
    ref = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, **options)
    layer = sk.layers.MultiHeadAttention(num_heads=2, key_dim=3, **options)
    return ref, layer


@pytest.mark.parametrize("masking", ["attention_mask", "causal", "both"])
def test_multi_head_attention_masks_match_keras(masking):
    keras = keras3()
    rng = numpy.random.default_rng(6)
    q = rng.standard_normal((2, 5, 4)).astype("float32")
    v = rng.standard_normal((2, 5, 4)).astype("float32")
    attention_mask = rng.random((2, 5, 5)) > 0.4
    attention_mask[:, :, 0] = True                  # no fully masked row (see below)
    kwargs = {}
    if masking in ("attention_mask", "both"):
        kwargs["attention_mask"] = attention_mask
    if masking in ("causal", "both"):
        kwargs["use_causal_mask"] = True
    ref, layer = mha_pair(keras)
    expected = ref(q, v, **kwargs)
    layer(q, v)
    layer.set_weights(ref.get_weights())
    assert [w.shape for w in layer.get_weights()][:2] == [(4, 2, 3), (2, 3)]
    got = layer(q, v, **kwargs)
    numpy.testing.assert_allclose(got.numpy(), to_numpy(expected), rtol=1e-5, atol=1e-6)


def test_multi_head_attention_takes_the_masks_of_its_inputs(reviews):
    """Self-attention over embedded reviews (Embedding(mask_zero), right-padded): the
    padding is not attended to, and the output carries the query's mask.  Keras gives a
    fully masked query row (a padded query) uniform weights where shenjing gives zeros, so
    the rows compared are the valid ones, the ones a masked loss reads."""
    keras = keras3()
    x = reviews[0]["post"][:6]

    def build(k):
        inputs = k.Input(shape=(MAXLEN,), dtype="int32")
        h = k.layers.Embedding(VOCAB, 4, mask_zero=True)(inputs)
        return k.Model(inputs, k.layers.MultiHeadAttention(num_heads=2, key_dim=3)(h, h))
    ref, model = build(keras), build(sk)
    model.set_weights(ref.get_weights())
    expected = ref(x)
    got = model(x)
    valid = x != 0
    numpy.testing.assert_array_equal(get_keras_mask(got).numpy(), valid)
    numpy.testing.assert_allclose(got.numpy()[valid], to_numpy(expected)[valid], rtol=1e-5,
                                  atol=1e-6)
    # the same layer on the same vectors without a mask attends to the padding too
    vectors = shenjing.tensor(model.get_layer(index=1).embeddings.numpy()[x])
    plain = model.get_layer(index=2)(vectors, vectors).numpy()
    assert not numpy.allclose(plain[valid], got.numpy()[valid], atol=1e-4)


def test_attention_takes_the_masks_of_its_inputs():
    keras = keras3()
    rng = numpy.random.default_rng(7)
    ids_q = rng.integers(1, 9, (3, 4))
    ids_v = rng.integers(1, 9, (3, 6))
    ids_v[0, 4:] = 0
    ids_v[2, 1:] = 0
    ids_q[1, 3] = 0

    def build(k):
        q_in = k.Input(shape=(4,), dtype="int32")
        v_in = k.Input(shape=(6,), dtype="int32")
        embed = k.layers.Embedding(9, 5, mask_zero=True)
        out = k.layers.Attention(use_scale=True)([embed(q_in), embed(v_in)])
        return k.Model([q_in, v_in], out)
    ref, model = build(keras), build(sk)
    model.set_weights(ref.get_weights())
    expected = ref([ids_q, ids_v])
    got = model([ids_q, ids_v])
    numpy.testing.assert_allclose(got.numpy(), to_numpy(expected), rtol=1e-5, atol=1e-6)
    numpy.testing.assert_array_equal(get_keras_mask(got).numpy(), ids_q != 0)
    assert numpy.all(got.numpy()[1, 3] == 0)          # a masked query gives zeros
