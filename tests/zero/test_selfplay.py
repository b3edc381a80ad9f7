"""Self-play games: every move an example by default; with playout cap randomisation only
the fully searched moves, the others searched fast without root noise."""

import pytest

from shenjing.zero.config import ZeroConfig
from shenjing.zero.mcts import MCTS
from shenjing.zero.selfplay import self_play_game

from .test_mcts import GAME, Uniform


@pytest.fixture
def searches(monkeypatch):
    """The (simulations, noise) of every MCTS.search call."""
    calls = []
    search = MCTS.search

    def spy(self, state, simulations=None, noise=True):
        calls.append((simulations, noise))
        return search(self, state, simulations, noise)
    monkeypatch.setattr(MCTS, "search", spy)
    return calls


def config(**settings):
    return ZeroConfig.from_dict(dict(simulations=16, leaf_batch=4, dirichlet_alpha=0.3,
                                     temperature_moves=2, **settings))


def test_every_move_is_searched_in_full_and_kept(searches):
    examples, winner, moves = self_play_game(GAME, Uniform(), config(), seed=3)
    assert searches == [(None, True)] * len(moves) and len(examples) == len(moves)
    for planes, pi, z in examples:
        assert planes.shape == (3, 3, 3) and pi.sum() == pytest.approx(1.0)
        assert z in (-1.0, 0.0, 1.0)


def test_playout_cap_randomisation_keeps_only_the_full_searches(searches):
    kept = []
    for seed in range(4):
        searches.clear()
        examples, winner, moves = self_play_game(
            GAME, Uniform(), config(fast_simulations=4, full_search_fraction=0.5), seed)
        full, fast = searches.count((None, True)), searches.count((4, False))
        assert full + fast == len(moves) and len(examples) == full
        kept.append((full, fast))
    assert all(full for full, _ in kept) and all(fast for _, fast in kept)
