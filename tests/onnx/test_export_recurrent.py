"""Export of recurrent layers (ONNX's RNN/LSTM/GRU nodes) of both faces: every direction,
stacking, state output and initial state, checked by ONNX Runtime."""

import numpy as np
import pytest

import shenjing
from shenjing import keras, nn
from shenjing.autograd import no_grad
from shenjing.keras import layers

from .harness import check_export

ort = pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(2)


def batch(*shape):
    return RNG.standard_normal(shape).astype("float32")


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_keras_recurrent(cls, return_sequences, go_backwards, tmp_path):
    model = keras.Sequential([keras.Input((6, 3)),
                              cls(4, return_sequences=return_sequences, go_backwards=go_backwards)])
    check_export(model, batch(2, 6, 3), batch(5, 6, 3), tmp_path)


def test_keras_relu_rnn_states_and_initial_state(tmp_path):
    x = keras.Input((5, 3))
    h0, c0 = keras.Input((4,)), keras.Input((4,))
    seq, h, c = layers.LSTM(4, return_sequences=True, return_state=True)(x, initial_state=[h0, c0])
    relu = layers.SimpleRNN(3, activation="relu")(seq)
    model = keras.Model([x, h0, c0], [relu, h, c])
    check_export(model, (batch(2, 5, 3), batch(2, 4), batch(2, 4)),
                 (batch(3, 5, 3), batch(3, 4), batch(3, 4)), tmp_path)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
def test_keras_bidirectional(merge_mode, tmp_path):
    model = keras.Sequential([keras.Input((6, 3)),
                              layers.Bidirectional(layers.LSTM(4, return_sequences=True),
                                                   merge_mode=merge_mode),
                              layers.Bidirectional(layers.GRU(3))])
    check_export(model, batch(2, 6, 3), batch(4, 6, 3), tmp_path)


def _run_torch(model, x, path, axis, hx=None):
    """ONNX Runtime's outputs and the model's, flattened (output, h_n[, c_n])."""
    example = (x,) if hx is None else (x, hx)
    names = ["input"] if hx is None else ["input", "h0"]
    axes = {"input": {axis: "batch"}} if hx is None else {"input": {axis: "batch"},
                                                          "h0": {1: "batch"}}
    shenjing.onnx.export(model, example, path, input_names=names, dynamic_axes=axes)
    session = ort.InferenceSession(str(path))
    got = session.run(None, dict(zip(names, example)))
    with no_grad():
        args = [shenjing.tensor(a) for a in example]
        out, state = model(*args)
    states = list(state) if isinstance(state, tuple) else [state]
    return got, [t.numpy() for t in [out] + states]


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
@pytest.mark.parametrize("batch_first", [False, True])
def test_torch_recurrent_stacked_bidirectional(cls, batch_first, tmp_path):
    model = cls(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first).eval()
    axis = 0 if batch_first else 1
    # exported on batch 2, run on batch 5
    shape = (2, 6, 3) if batch_first else (6, 2, 3)
    shenjing.onnx.export(model, batch(*shape), tmp_path / "m.onnx",
                         dynamic_axes={"input": {axis: "batch"}})
    x = batch(5, 6, 3) if batch_first else batch(6, 5, 3)
    got = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input": x})
    with no_grad():
        out, state = model(shenjing.tensor(x))
    expected = [out] + (list(state) if isinstance(state, tuple) else [state])
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e.numpy(), atol=1e-5)


def test_torch_gru_relu_rnn_with_initial_state(tmp_path):
    gru = nn.GRU(3, 4, num_layers=2, batch_first=True).eval()
    got, expected = _run_torch(gru, batch(2, 5, 3), tmp_path / "g.onnx", 0, batch(2, 2, 4))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5)
    rnn = nn.RNN(3, 4, nonlinearity="relu", bias=False).eval()
    got, expected = _run_torch(rnn, batch(5, 2, 3), tmp_path / "r.onnx", 1)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5)


def test_imdb_like_text_model(tmp_path):
    """Embedding -> LSTM -> Dense on integer ids, as a sentiment model reads a review."""
    ids = RNG.integers(1, 100, size=(2, 12)).astype("int64")
    model = keras.Sequential([keras.Input((12,), dtype="int64"), layers.Embedding(100, 8),
                              layers.LSTM(6), layers.Dense(1, activation="sigmoid")])
    check_export(model, ids, RNG.integers(1, 100, size=(7, 12)).astype("int64"), tmp_path)


def test_keras_bidirectional_states_and_list_output(tmp_path):
    x = keras.Input((6, 3))
    out, *states = layers.Bidirectional(layers.LSTM(4, return_sequences=True, return_state=True),
                                        merge_mode="concat")(x)
    both = layers.Bidirectional(layers.SimpleRNN(2), merge_mode=None)(out)
    model = keras.Model(x, [out, *states, *both])
    got = check_export(model, batch(2, 6, 3), batch(4, 6, 3), tmp_path)
    assert [g.shape for g in got] == [(4, 6, 8)] + [(4, 4)] * 4 + [(4, 2)] * 2
