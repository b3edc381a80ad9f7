"""Keras's SimpleRNN, LSTM, GRU and Bidirectional (keras/layers/recurrent.py): parity with
PyTorch (weights copied from Keras's layout, gates reordered for the GRU), Keras's own
equations step by step, gradcheck, an Embedding + LSTM trained on IMDB reviews, configs
and errors."""

import numpy
import pytest

import shenjing
from shenjing.autograd.gradcheck import gradcheck
from shenjing.keras.layers.recurrent import GRU, LSTM, Bidirectional, SimpleRNN

LAYERS = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


def as_list(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def random_weights(layer, rng, dtype):
    """Random values for the layer's weights (bias included, so that it is tested)."""
    return [(rng.standard_normal(tuple(w.shape)) * 0.5).astype(dtype) for w in layer.weights]


def run_layer(layer, x, upstreams, initial_state=None):
    """Outputs, dL/dx and dL/dweights of a shenjing layer for L = sum(output * upstream)."""
    xt = shenjing.tensor(x, requires_grad=True)
    states = None if initial_state is None else [shenjing.tensor(s) for s in initial_state]
    for w in layer.weights:
        w.grad = None
    outputs = as_list(layer(xt, initial_state=states))
    loss = sum((o * shenjing.tensor(u)).sum() for o, u in zip(outputs, upstreams))
    loss.backward()
    return [o.numpy() for o in outputs], xt.grad.numpy(), [w.grad.numpy() for w in layer.weights]


def gru_rows(u):
    """Keras's GRU gate blocks (z, r, h) in PyTorch's order (r, z, n); its own inverse."""
    return numpy.r_[u:2 * u, 0:u, 2 * u:3 * u]


def to_torch(kind, weights, u):
    """Keras's (kernel, recurrent_kernel, bias) as PyTorch's (w_ih, w_hh, b_ih, b_hh)."""
    kernel, recurrent, bias = weights
    if kind == "GRU":
        rows = gru_rows(u)
        return kernel.T[rows], recurrent.T[rows], bias[0][rows], bias[1][rows]
    return kernel.T, recurrent.T, bias, numpy.zeros_like(bias)


def from_torch_grads(kind, grads, u):
    """PyTorch's weight gradients in Keras's layout (the recurrent bias's one is the same as
    the input bias's for LSTM and SimpleRNN, whose single Keras bias feeds both)."""
    g_ih, g_hh, gb_ih, gb_hh = grads
    if kind == "GRU":
        rows = gru_rows(u)
        return [g_ih[rows].T, g_hh[rows].T, numpy.stack([gb_ih[rows], gb_hh[rows]])]
    return [g_ih.T, g_hh.T, gb_ih]


def torch_run(torch, kind, weights_per_direction, x, upstreams, return_sequences, go_backwards,
              bidirectional=False, initial_state=None):
    """The same computation in PyTorch: Keras's go_backwards is PyTorch on the time-reversed
    input (outputs in the order computed); returns outputs, dL/dx and Keras-layout grads."""
    n, t, f = x.shape
    u = weights_per_direction[0][1].shape[0]
    dtype = torch.float64 if x.dtype == numpy.float64 else torch.float32
    cls = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind]
    module = cls(f, u, batch_first=True, bidirectional=bidirectional, dtype=dtype)
    suffixes = ["_l0", "_l0_reverse"][:len(weights_per_direction)]
    for suffix, weights in zip(suffixes, weights_per_direction):
        for stem, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                               to_torch(kind, weights, u)):
            getattr(module, stem + suffix).data.copy_(torch.tensor(numpy.ascontiguousarray(value)))
    xt = torch.tensor(x, requires_grad=True)
    inputs = torch.flip(xt, [1]) if go_backwards else xt
    if initial_state is None:
        y, final = module(inputs)
    elif kind == "LSTM":
        y, final = module(inputs, tuple(torch.tensor(s)[None] for s in initial_state))
    else:
        y, final = module(inputs, torch.tensor(initial_state[0])[None])
    finals = list(final) if kind == "LSTM" else [final]
    if bidirectional:   # Keras: [output, h_fwd, (c_fwd), h_bwd, (c_bwd)]
        states = [f[0] for f in finals] + [f[1] for f in finals]
        last = torch.cat([y[:, -1, :u], y[:, 0, u:]], 1)
    else:
        states = [f[0] for f in finals]
        last = states[0]
    outputs = [y if return_sequences else last] + states
    outputs = outputs[:len(upstreams)]
    sum((o * torch.tensor(g)).sum() for o, g in zip(outputs, upstreams)).backward()
    grads = []
    for suffix in suffixes:
        grads += from_torch_grads(kind, [getattr(module, stem + suffix).grad.numpy() for stem in
                                         ("weight_ih", "weight_hh", "bias_ih", "bias_hh")], u)
    return [o.detach().numpy() for o in outputs], xt.grad.numpy(), grads


def check_parity(torch, layer, kind, x, rng, tol, bidirectional=False, initial_state=None):
    dtype = x.dtype
    layer(shenjing.tensor(x))                                  # builds
    weights = random_weights(layer, rng, dtype)
    layer.set_weights(weights)
    probe = as_list(layer(shenjing.tensor(x)))
    upstreams = [rng.standard_normal(o.shape).astype(dtype) for o in probe]
    outputs, gx, gw = run_layer(layer, x, upstreams, initial_state)
    per_direction = [weights[:3], weights[3:]] if bidirectional else [weights]
    sequences = layer.return_sequences
    backwards = False if bidirectional else layer.go_backwards
    ref_outputs, ref_gx, ref_gw = torch_run(torch, kind, per_direction, x, upstreams, sequences,
                                            backwards, bidirectional, initial_state)
    assert [o.shape for o in outputs] == [o.shape for o in ref_outputs]
    for o, ref in zip(outputs, ref_outputs):
        numpy.testing.assert_allclose(o, ref, rtol=tol, atol=tol)
    numpy.testing.assert_allclose(gx, ref_gx, rtol=tol, atol=tol)
    assert len(gw) == len(ref_gw)
    for g, ref in zip(gw, ref_gw):
        numpy.testing.assert_allclose(g, ref, rtol=tol, atol=10 * tol)


FLAGS = [dict(), dict(return_sequences=True), dict(return_state=True),
         dict(return_sequences=True, return_state=True, go_backwards=True),
         dict(go_backwards=True)]


@pytest.mark.parametrize("flags", FLAGS, ids=lambda f: "-".join(sorted(f)) or "last")
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_matches_torch_float32(kind, flags):
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((3, 6, 4)).astype(numpy.float32)
    check_parity(torch, LAYERS[kind](5, **flags), kind, x, rng, 1e-5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_matches_torch_float64_with_initial_state(kind):
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(1)
    x = rng.standard_normal((2, 5, 3))
    states = [rng.standard_normal((2, 4)) for _ in range(2 if kind == "LSTM" else 1)]
    layer = LAYERS[kind](4, return_sequences=True, return_state=True, dtype="float64")
    check_parity(torch, layer, kind, x, rng, 1e-10, initial_state=states)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("sequences", [False, True])
def test_bidirectional_concat_matches_torch(kind, sequences):
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(2)
    x = rng.standard_normal((3, 5, 4)).astype(numpy.float32)
    layer = Bidirectional(LAYERS[kind](3, return_sequences=sequences, return_state=True))
    check_parity(torch, layer, kind, x, rng, 1e-5, bidirectional=True)


def sigmoid(a):
    return 1 / (1 + numpy.exp(-a))


def test_gru_and_lstm_follow_keras_equations():
    """Keras's cell equations written out in NumPy (GRU gates z, r, h with the reset after
    the recurrent product; LSTM gates i, f, c, o), independent of PyTorch's layout."""
    rng = numpy.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3))
    u = 2
    gru = GRU(u, return_sequences=True, dtype="float64")
    gru(shenjing.tensor(x))
    kernel, recurrent, bias = random_weights(gru, rng, numpy.float64)
    gru.set_weights([kernel, recurrent, bias])
    h, expected = numpy.zeros((2, u)), []
    for t in range(4):
        xz, xr, xh = numpy.split(x[:, t] @ kernel + bias[0], 3, axis=1)
        hz, hr, hh = numpy.split(h @ recurrent + bias[1], 3, axis=1)
        z, r = sigmoid(xz + hz), sigmoid(xr + hr)
        h = z * h + (1 - z) * numpy.tanh(xh + r * hh)
        expected.append(h)
    numpy.testing.assert_allclose(gru(shenjing.tensor(x)).numpy(), numpy.stack(expected, 1),
                                  rtol=1e-12, atol=1e-12)

    lstm = LSTM(u, return_state=True, dtype="float64")
    lstm(shenjing.tensor(x))
    kernel, recurrent, bias = random_weights(lstm, rng, numpy.float64)
    lstm.set_weights([kernel, recurrent, bias])
    h, c = numpy.zeros((2, u)), numpy.zeros((2, u))
    for t in range(4):
        i, f, g, o = numpy.split(x[:, t] @ kernel + h @ recurrent + bias, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * numpy.tanh(g)
        h = sigmoid(o) * numpy.tanh(c)
    output, h_last, c_last = lstm(shenjing.tensor(x))
    numpy.testing.assert_allclose(output.numpy(), h, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(h_last.numpy(), h, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(c_last.numpy(), c, rtol=1e-12, atol=1e-12)


def test_go_backwards_returns_the_reversed_sequence():
    rng = numpy.random.default_rng(4)
    x = rng.standard_normal((2, 5, 3)).astype(numpy.float32)
    forward = LSTM(4, return_sequences=True)
    backward = LSTM(4, return_sequences=True, go_backwards=True)
    forward(shenjing.tensor(x)), backward(shenjing.tensor(x))
    backward.set_weights(forward.get_weights())
    numpy.testing.assert_allclose(backward(shenjing.tensor(x)).numpy(),
                                  forward(shenjing.tensor(x[:, ::-1].copy())).numpy(), rtol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mul", "ave", None])
def test_bidirectional_merge_modes(mode):
    rng = numpy.random.default_rng(5)
    x = shenjing.tensor(rng.standard_normal((2, 4, 3)).astype(numpy.float32))
    layer = Bidirectional(GRU(3, return_sequences=True), merge_mode=mode)
    merged = layer(x)
    y = layer.forward_layer(x).numpy()
    y_rev = layer.backward_layer(x).numpy()[:, ::-1]
    expected = {"sum": y + y_rev, "mul": y * y_rev, "ave": (y + y_rev) / 2}.get(mode)
    if mode is None:
        numpy.testing.assert_allclose(merged[0].numpy(), y, rtol=1e-6)
        numpy.testing.assert_allclose(merged[1].numpy(), y_rev, rtol=1e-6)
    else:
        numpy.testing.assert_allclose(merged.numpy(), expected, rtol=1e-6, atol=1e-7)
    assert [w.shape for w in layer.weights] == [(3, 9), (3, 9), (2, 9)] * 2
    assert layer.forward_layer.name.startswith("forward_")
    assert layer.backward_layer.go_backwards


def test_keras_weights_and_initial_values():
    shenjing.manual_seed(0)
    layer = LSTM(3)
    layer(shenjing.zeros(2, 4, 5))
    assert [(name, tuple(p.shape)) for name, p in layer.named_parameters()] == \
        [("kernel", (5, 12)), ("recurrent_kernel", (3, 12)), ("bias", (12,))]
    numpy.testing.assert_array_equal(layer.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    recurrent = layer.recurrent_kernel.numpy()
    numpy.testing.assert_allclose(recurrent @ recurrent.T, numpy.eye(3), atol=1e-5)  # orthogonal
    no_forget = LSTM(3, unit_forget_bias=False)
    no_forget(shenjing.zeros(1, 2, 5))
    assert not no_forget.bias.numpy().any()
    assert GRU(2, use_bias=False)(shenjing.zeros(1, 2, 3)).shape == (1, 2)
    assert SimpleRNN(2, activation="relu")(shenjing.ones(1, 2, 3)).numpy().min() >= 0


def test_input_dropout_uses_one_mask_per_sequence():
    shenjing.manual_seed(0)
    # h_t = relu(x_t kernel) with no recurrence: constant inputs give constant outputs over
    # time exactly when every step drops the same features
    layer = SimpleRNN(6, activation="relu", dropout=0.5, return_sequences=True,
                      kernel_initializer="identity", recurrent_initializer="zeros")
    x = shenjing.ones(4, 5, 6)
    y = layer(x, training=True).numpy()
    assert set(numpy.unique(y)) <= {0.0, 2.0} and (y == 0).any() and (y == 2).any()
    numpy.testing.assert_array_equal(y, numpy.repeat(y[:, :1], 5, axis=1))
    numpy.testing.assert_array_equal(layer(x, training=False).numpy(), numpy.ones((4, 5, 6)))


def test_gradcheck():
    shenjing.manual_seed(0)
    x = shenjing.randn(2, 3, 2, dtype=shenjing.float64, requires_grad=True)
    # (gradcheck perturbs weights in place through a flat view: "orthogonal" gives a
    # transposed, non-contiguous array, so another initializer here)
    f64 = dict(dtype="float64", recurrent_initializer="glorot_uniform")
    layers = [LSTM(2, return_sequences=True, go_backwards=True, **f64),
              GRU(2, return_state=True, **f64),
              SimpleRNN(2, return_sequences=True, **f64),
              Bidirectional(GRU(2, return_sequences=True, **f64), merge_mode="sum",
                            dtype="float64")]
    for layer in layers:
        layer(x)
        for w in layer.weights:    # non-zero biases, so that their gradients are checked
            w.array[...] = numpy.random.default_rng(1).standard_normal(w.shape) * 0.5
        gradcheck(lambda x, *w: layer(x), (x, *layer.weights))


@pytest.mark.parametrize("layer", [
    lambda: SimpleRNN(4, activation="relu", return_sequences=True, name="s"),
    lambda: LSTM(3, unit_forget_bias=False, dropout=0.25, go_backwards=True,
                 kernel_regularizer="l2", recurrent_initializer="glorot_normal"),
    lambda: GRU(2, return_state=True, bias_initializer="ones", seed=3),
    lambda: Bidirectional(LSTM(3, return_sequences=True), merge_mode="sum", name="bi"),
    lambda: Bidirectional(GRU(2), backward_layer=GRU(2, go_backwards=True, name="b")),
], ids=["simple_rnn", "lstm", "gru", "bidirectional", "bidirectional_backward_layer"])
def test_config_round_trip(layer):
    layer = layer()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    if isinstance(layer, Bidirectional):
        assert config["layer"]["class_name"] in LAYERS
        x = shenjing.zeros(2, 3, 4)
        assert clone(x).shape == layer(x).shape


def test_config_has_keras_keys():
    config = LSTM(3).get_config()
    for key, value in {"units": 3, "activation": "tanh", "recurrent_activation": "sigmoid",
                       "use_bias": True, "unit_forget_bias": True, "dropout": 0.0,
                       "recurrent_dropout": 0.0, "return_sequences": False,
                       "return_state": False, "go_backwards": False, "stateful": False,
                       "unroll": False}.items():
        assert config[key] == value, key
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert GRU(2).get_config()["reset_after"] is True
    assert "recurrent_activation" not in SimpleRNN(2).get_config()


def test_errors_name_the_layer_and_the_argument_or_shapes():
    with pytest.raises(ValueError, match=r"enc \(LSTM\): expected a 3-d input \(batch, "
                                         r"timesteps, features\).*\(4, 5\)"):
        LSTM(3, name="enc")(shenjing.zeros(4, 5))
    layer = GRU(3, name="dec")
    layer(shenjing.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"dec \(GRU\).*\(N, T, 4\).*\(2, 3, 6\)"):
        layer(shenjing.zeros(2, 3, 6))
    with pytest.raises(ValueError, match=r"dec \(GRU\).*initial states of shape.*\(2, 3\)"):
        layer(shenjing.zeros(2, 3, 4), initial_state=[shenjing.zeros(2, 5)])
    with pytest.raises(NotImplementedError, match=r"l1 \(LSTM\): activation='relu'"):
        LSTM(3, activation="relu", name="l1")
    with pytest.raises(NotImplementedError, match=r"recurrent_activation='hard_sigmoid'"):
        GRU(3, recurrent_activation="hard_sigmoid")
    with pytest.raises(NotImplementedError, match=r"SimpleRNN.*activation='sigmoid'"):
        SimpleRNN(3, activation="sigmoid")
    with pytest.raises(NotImplementedError, match="reset_after=False"):
        GRU(3, reset_after=False)
    with pytest.raises(NotImplementedError, match="recurrent_dropout"):
        LSTM(3, recurrent_dropout=0.1)
    with pytest.raises(NotImplementedError, match="stateful"):
        LSTM(3, stateful=True)
    with pytest.raises(ValueError, match="SimpleRNN, LSTM or GRU"):
        Bidirectional(shenjing.nn.Linear(2, 2))


def test_embedding_lstm_learns_imdb_sentiment():
    """Embedding + LSTM + Dense on real IMDB reviews (the last 100 words of each, where the
    verdict usually is), trained with a plain loop for about 2 s; 400 held-out reviews are
    classified well above chance (0.71 to 0.76 over seeds 0-4; chance is 0.5 +- 0.025)."""
    from shenjing import nn, optim, text
    from shenjing.datasets import load_sample
    from shenjing.keras.layers.core import Dense
    from shenjing.keras.layers.embedding import Embedding
    F = nn.functional
    shenjing.manual_seed(0)
    texts, labels = load_sample("imdb")
    tokenizer = text.Tokenizer(num_words=2000)
    tokenizer.fit_on_texts(list(texts[:1600]))
    ids = text.pad_sequences(tokenizer.texts_to_sequences(list(texts)), maxlen=100)
    x_train, y_train = ids[:1600], labels[:1600]
    x_test, y_test = ids[1600:], labels[1600:]
    layers = [Embedding(2000, 16), LSTM(16), Dense(2)]

    def model(batch):
        for layer in layers:
            batch = layer(batch)
        return batch

    model(x_train[:1])
    optimizer = optim.Adam([p for layer in layers for p in layer.parameters()], lr=3e-3)
    rng = numpy.random.default_rng(0)
    for _ in range(3):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 32):
            batch = order[start:start + 32]
            loss = F.cross_entropy(model(x_train[batch]), shenjing.tensor(y_train[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with shenjing.no_grad():
        accuracy = (model(x_test).numpy().argmax(1) == y_test).mean()
    assert accuracy >= 0.65, accuracy
