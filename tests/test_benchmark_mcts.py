"""benchmarks/mcts.py runs, and its three evaluators agree (never timed here)."""

import numpy
import pytest

from benchmarks import mcts as bench
from shenjing.zero.games import make_game
from shenjing.zero.inference import FoldedNet, evaluator
from shenjing.zero.network import PolicyValueNet


def test_runs_and_reports_each_evaluator(capsys):
    results = bench.main(["--simulations", "16", "--repeats", "1", "--blocks", "1",
                          "--filters", "8"])
    assert results["shenjing FoldedNet"] > 0 and results["shenjing module (eval)"] > 0
    assert "simulations/s" in capsys.readouterr().out


def test_the_evaluators_compute_the_same_network():
    pytest.importorskip("torch")
    game = make_game("connect4")
    net = PolicyValueNet.for_game(game, blocks=1, filters=8).eval()
    planes = numpy.stack([game.initial_state().play(a).planes() for a in range(7)])
    expected = evaluator(net)(planes)
    for evaluate in (FoldedNet.from_module(net), bench.torch_evaluator(net, game)):
        priors, values = evaluate(planes)
        numpy.testing.assert_allclose(priors, expected[0], atol=1e-5)
        numpy.testing.assert_allclose(values, expected[1], atol=1e-5)
