"""UCT with random roll-outs: wins in one, blocks, beats a random player."""

import random

import numpy
import pytest

from shenjing.zero.arena import match
from shenjing.zero.games import game_names, make_game
from shenjing.zero.games.tictactoe import TicTacToe
from shenjing.zero.minimax import Solver
from shenjing.zero.players import RandomPlayer
from shenjing.zero.uct import UCTPlayer, rollout

from .test_mcts import threats

GAME = TicTacToe()


@pytest.fixture(scope="module")
def positions():
    """Sampled positions with a win in one (the only winning moves; some with the
    opponent threatening too), and with a single threat to block that is not lost."""
    seen, solver, wins, blocks = {}, Solver(), [], []

    def walk(s):
        if s.board.tobytes() not in seen:
            seen[s.board.tobytes()] = s
            for a in s.legal_moves():
                walk(s.play(a))

    walk(GAME.initial_state())
    for s in seen.values():
        if s.is_terminal():
            continue
        own, opp = threats(s, s.to_play), threats(s, -s.to_play)
        values = solver.move_values(s)
        if own and all(a in own for a, v in values.items() if v == 1):
            wins.append((s, own))
        elif not own and len(opp) == 1 and values[opp[0]] > -1:
            blocks.append((s, opp))
    rng = numpy.random.default_rng(1)
    return {"win": [wins[i] for i in rng.choice(len(wins), 30, replace=False)],
            "block": [blocks[i] for i in rng.choice(len(blocks), 30, replace=False)]}


@pytest.mark.parametrize("kind", ["win", "block"])
def test_uct_wins_in_one_and_blocks(positions, kind):
    for i, (state, good) in enumerate(positions[kind]):
        move = UCTPlayer(rollouts=300, seed=i).select(state)
        assert move in good, f"{kind}: played {move}, wanted {good}\n{state}"


def test_uct_blocks_the_classic_threat():
    state = GAME.initial_state()
    for a in (0, 4, 1):  # X threatens 2; O must block
        state = state.play(a)
    assert UCTPlayer(rollouts=500, seed=0).select(state) == 2


def test_uct_beats_random_at_tictactoe():
    result = match(GAME, UCTPlayer(rollouts=300, seed=0), RandomPlayer(seed=1), games=10)
    assert result.losses == 0 and result.wins >= 9, str(result)


def test_tree_is_kept_between_moves():
    player = UCTPlayer(rollouts=200, seed=0)
    state = GAME.initial_state()
    move = player.select(state)
    visits = player.visit_counts()[move]
    player.observe(move)
    assert player.root is not None and player.root.n == visits - 1
    player.observe(int(player.root.actions[0]))  # an explored or unexplored reply
    player.reset()
    assert player.root is None


@pytest.mark.parametrize("name", ["tictactoe", "connect4"])
def test_rollouts_end_the_game(name):
    if name not in game_names():
        pytest.skip(f"{name} is not registered")
    rand = random.Random(0)
    results = [rollout(make_game(name).initial_state(), rand) for _ in range(50)]
    assert set(results) <= {1, -1, 0} and len(set(results)) > 1
