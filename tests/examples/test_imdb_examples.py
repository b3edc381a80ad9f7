"""imdb_textcnn (raw texts, Tokenizer, Conv1D) and imdb_lstm (stacked LSTMs), Keras face:
short runs on 2,000 reviews learn above chance; ``-m accuracy``: the full runs reach 88%
and 85%."""

import pytest

from tests.examples.conftest import check_outputs, run_at_defaults, run_example


def _layer_kinds(path):
    from shenjing import keras
    model = keras.models.load_model(str(path))
    return model, [type(layer).__name__ for layer in model.layers]


def test_imdb_textcnn_short_run(tmp_path):
    metrics = run_example("imdb_textcnn", tmp_path, "--epochs", 3, "--limit", 2000)
    history = metrics["history"]
    assert history[-1]["loss"] < history[0]["loss"]
    assert metrics["metrics"]["test_accuracy"] > 0.6        # the 2,000 reviews are ~half positive
    check_outputs(metrics, tmp_path, "model.keras")
    model, kinds = _layer_kinds(tmp_path / "model.keras")
    assert kinds == ["Embedding", "Dropout", "Conv1D", "GlobalMaxPooling1D", "Dense", "Dropout",
                     "Dense"]
    assert model.layers[0].input_dim == 10000 and model.layers[2].kernel.shape == (5, 64, 128)


def test_imdb_lstm_short_run(tmp_path):
    metrics = run_example("imdb_lstm", tmp_path, "--epochs", 2, "--limit", 2000)
    history = metrics["history"]
    assert history[-1]["loss"] < history[0]["loss"]
    assert metrics["metrics"]["test_accuracy"] > 0.65
    check_outputs(metrics, tmp_path, "model.keras")
    model, kinds = _layer_kinds(tmp_path / "model.keras")
    assert kinds == ["Embedding", "LSTM", "LSTM", "Dense", "Dropout", "Dense"]
    assert model.layers[1].return_sequences and not model.layers[2].return_sequences


@pytest.mark.accuracy
def test_imdb_textcnn_reaches_88_percent(tmp_path):
    run_at_defaults("imdb_textcnn", tmp_path)


@pytest.mark.accuracy
def test_imdb_lstm_reaches_85_percent(tmp_path):
    run_at_defaults("imdb_lstm", tmp_path)
