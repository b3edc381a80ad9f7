"""benchmarks/cnn.py runs and computes what PyTorch computes (never how fast: no timing asserts)."""

import numpy
import pytest

import shenjing
from benchmarks import cnn
from benchmarks.common import training_step


def test_flops_match_the_benchmark_plan():
    assert cnn.flops_per_step() == pytest.approx(1.05e9, rel=0.05)


def test_the_shenjing_step_runs_and_its_loss_falls():
    step = training_step(shenjing, *cnn.build(shenjing, batch=8))
    losses = [float(step().item()) for _ in range(5)]
    assert all(numpy.isfinite(losses)) and losses[-1] < losses[0]


def test_same_model_same_losses_as_pytorch():
    torch = pytest.importorskip("torch")
    steps = {lib.__name__: training_step(lib, *cnn.build(lib, batch=8)) for lib in (shenjing, torch)}
    for _ in range(3):
        ours, theirs = (float(s().item()) for s in steps.values())
        assert ours == pytest.approx(theirs, rel=1e-4)


def test_main_prints_the_comparison(capsys):
    assert cnn.main(["--batch", "4", "--steps", "1", "--repeats", "1", "--no-torch"]) == 0
    out = capsys.readouterr().out
    assert "shenjing" in out and "ms" in out
