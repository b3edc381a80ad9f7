"""The shipped Connect Four network against perfect play (issue 19, item 4).

Positions 12 to 20 random moves into random games (seed 0), every move scored by the
perfect solver ``c4_solver``; the shares are defined in ``c4_perfect_play``. The issue's
targets: the 800-simulation player keeps the game-theoretic result in at least 99% of the
won/drawn positions, the policy alone (no search) in at least 90%. Minutes of CPU: run
with ``python -m pytest -m strength``. The same figures with confidence intervals and the
failing positions: ``python -m benchmarks.connect4_perfect_play --show-failures``.

A default-run test checks the harness itself on a small sample with players whose
figures are known by construction (the solver's own choice, and the worst move).
"""

import numpy
import pytest

from shenjing.zero.checkpoint import load_checkpoint
from shenjing.zero.cli import network_player
from shenjing.zero.inference import FoldedNet

from .c4_perfect_play import judge, policy_chooser, sample_positions, search_chooser
from .c4_solver import ILLEGAL
from .test_strength import shipped

POLICY_POSITIONS = 400   # +-1.5% at 90%
SEARCH_POSITIONS = 200   # ~140 won/drawn: 99% allows one miss; 5-50 s each here


def test_harness_judges_perfect_and_worst_players():
    positions = sample_positions(12, seed=1)
    assert len({tuple(p.moves) for p in positions}) == 12
    for p in positions:
        assert p.state.is_terminal() is False and len(p.moves) >= 12

    def perfect(state):
        scores = next(p.scores for p in positions if p.state is state)
        return int(scores.argmax())

    def worst(state):
        scores = next(p.scores for p in positions if p.state is state)
        return int(numpy.where(scores == ILLEGAL, 10**6, scores).argmin())

    best = judge(positions, perfect)
    assert best.keep_share == 1.0 and best.best_share == 1.0 and not best.failures
    bad = judge(positions, worst)
    assert bad.kept == bad.not_lost - bad.critical      # it spoils every critical position
    assert bad.best == sum(p.scores[p.scores != ILLEGAL].min() == p.best for p in positions)


@pytest.fixture(scope="module")
def positions():
    return sample_positions(POLICY_POSITIONS, seed=0)


@pytest.mark.strength
@pytest.mark.xfail(strict=True, reason="the shipped network's policy keeps the result in "
                   "76.1% (220/289) of these positions, short of the 90% target")
def test_policy_alone_keeps_the_result(positions):
    game, path = shipped("connect4")
    net, _, _ = load_checkpoint(path, game)
    report = judge(positions, policy_chooser(FoldedNet.from_module(net)))
    assert report.keep_share >= 0.90, "\n".join(report.lines())


@pytest.mark.strength
@pytest.mark.xfail(strict=True, reason="800 simulations keep the result in 94.4% (135/143) "
                   "of these positions, short of the 99% target")
def test_800_simulations_keep_the_result(positions):
    game, path = shipped("connect4")
    player = network_player(path, game, simulations=800, seed=0)
    report = judge(positions[:SEARCH_POSITIONS], search_chooser(player))
    assert report.keep_share >= 0.99, "\n".join(report.lines())
