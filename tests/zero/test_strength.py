"""The shipped networks' strength, with fixed seeds.

Tic-tac-toe runs by default (seconds); Connect Four and Gomoku against UCT with 1,000
roll-outs per move (the networks searching 800 simulations per move) take minutes and
run with ``python -m pytest -m strength``.
"""

import pytest

from shenjing.zero import models
from shenjing.zero.arena import match
from shenjing.zero.cli import network_player
from shenjing.zero.games import make_game
from shenjing.zero.minimax import MinimaxPlayer
from shenjing.zero.uct import UCTPlayer


def shipped(name):
    game = make_game(name)
    path = models.path_for(game)
    if path is None:
        pytest.fail(f"no network is shipped for {name} in shenjing/zero/models")
    return game, path


def play_from(game, opening, players, observers):
    """Play out the game from ``opening`` (a list of moves); players[0] moves as +1."""
    state = game.initial_state()
    for p in observers:
        p.reset()
    for action in opening:
        state = state.play(action)
        for p in observers:
            p.observe(action)
    while not state.is_terminal():
        action = players[0 if state.to_play == 1 else 1].select(state)
        state = state.play(action)
        for p in observers:
            p.observe(action)
    return state.winner()


@pytest.mark.parametrize("simulations", [50, 200])
def test_tictactoe_never_loses_to_a_perfect_player(simulations):
    game, path = shipped("tictactoe")
    net = network_player(path, game, simulations, seed=0)
    for opening in [[]] + [[move] for move in range(9)]:
        for net_side in (1, -1):
            for seed in range(3):     # the perfect player picks among its best moves at random
                perfect = MinimaxPlayer(seed)
                players = (net, perfect) if net_side == 1 else (perfect, net)
                winner = play_from(game, opening, players, (net, perfect))
                assert winner != -net_side, (f"lost as {'X' if net_side == 1 else 'O'} "
                                             f"after opening {opening} (seed {seed})")


@pytest.mark.strength
@pytest.mark.parametrize("name", ["connect4", "gomoku6"])
def test_network_beats_uct_with_1000_rollouts(name):
    game, path = shipped(name)
    net = network_player(path, game, simulations=800, seed=0)
    result = match(game, net, UCTPlayer(rollouts=1000, seed=1), games=20)
    assert result.score >= 0.9, f"{name}: {result}"
