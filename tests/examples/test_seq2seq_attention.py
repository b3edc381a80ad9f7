"""seq2seq_attention (Keras face, generated dates): the data is what it says; a short run
learns from the input (per-character accuracy above what the output's positional statistics
alone give), writes the models and the attention heat maps; ``-m accuracy``: the full run
reaches >= 99% exact match on held-out strings, greedy and beam, with both attention
scores."""

import datetime
import importlib.util
from pathlib import Path

import numpy
import pytest

from tests.examples.conftest import check_outputs, run_at_defaults, run_example

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "seq2seq_attention.py"


def load_script():
    spec = importlib.util.spec_from_file_location("seq2seq_attention_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_dates_are_right_distinct_and_held_out():
    script = load_script()
    rng = numpy.random.default_rng(0)
    train = script.make_dates(3000, rng)
    test = script.make_dates(500, rng, exclude={human for human, _ in train})
    assert len({human for human, _ in train}) == 3000
    assert not {human for human, _ in train} & {human for human, _ in test}
    day = datetime.date(1998, 5, 9)
    written = [f(day) for f in script.FORMATS]
    assert {"saturday, 9 may 1998", "9/5/98", "May 09 1998"} <= set(written)
    for human, iso in train + test:
        date = datetime.date.fromisoformat(iso)
        assert human in [f(date) for f in script.FORMATS]
        assert len(human) <= script.IN_LENGTH
    x, y_in, y = script.arrays(test[:5])
    assert x.shape == (5, script.IN_LENGTH) and y.shape == y_in.shape == (5, 10)
    assert (y_in[:, 0] == script.START).all() and (y_in[:, 1:] == y[:, :-1]).all()
    assert "".join(script.OUTPUT_CHARS[c] for c in y[0]) == test[0][1]


def positional_prior(script):
    """The per-character accuracy of always writing each position's commonest character (a
    model that ignores its input gets no further): about 0.45."""
    rng = numpy.random.default_rng(1)
    _, _, y = script.arrays(script.make_dates(3000, rng))
    _, _, y_test = script.arrays(script.make_dates(2000, rng))
    commonest = [numpy.bincount(column, minlength=len(script.OUTPUT_CHARS)).argmax()
                 for column in y.T]
    return float(numpy.mean(y_test == numpy.array(commonest)))


def test_seq2seq_attention_short_run_learns(tmp_path):
    prior = positional_prior(load_script())
    metrics = run_example("seq2seq_attention", tmp_path, "--epochs", 2, "--limit", 3000)
    for score in ("luong", "bahdanau"):
        history = [e for e in metrics["history"] if e["phase"] == score]
        assert len(history) == 2 and history[-1]["loss"] < history[0]["loss"]
        # per character: chance is 1/12; reading the input beats the positional prior
        assert history[-1]["val_accuracy"] > prior + 0.05, (score, history[-1], prior)
    results = metrics["metrics"]
    assert set(results) >= {"exact_match", "beam_exact_match", "exact_match_luong",
                            "beam_exact_match_bahdanau"}
    assert 0 <= results["exact_match"] <= 1 and 0 <= results["beam_exact_match"] <= 1
    check_outputs(metrics, tmp_path, "bahdanau.keras",
                  plots=("attention_luong.png", "attention_bahdanau.png"))
    from shenjing import keras
    for score, attention in (("luong", "Attention"), ("bahdanau", "AdditiveAttention")):
        model = keras.models.load_model(str(tmp_path / f"{score}.keras"))
        kinds = [type(layer).__name__ for layer in model.layers]
        assert attention in kinds and "Bidirectional" in kinds, kinds


@pytest.mark.accuracy
def test_seq2seq_attention_reaches_99_percent_exact_match(tmp_path):
    metrics = run_at_defaults("seq2seq_attention", tmp_path)
    assert metrics["metrics"]["beam_exact_match"] >= 0.99, metrics["metrics"]
