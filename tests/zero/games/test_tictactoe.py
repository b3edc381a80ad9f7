"""Tic-tac-toe: move-sequence counts, results, illegal moves, planes and symmetries."""

import numpy
import pytest

from shenjing.zero.games import IllegalMove, make_game
from shenjing.zero.games.tictactoe import TicTacToe, TicTacToeState

DEPTH_COUNTS = [1, 9, 72, 504, 3024, 15120, 54720, 148176, 200448, 127872]


def sequence_counts(state, memo):
    """(counts, games): counts[d] = move sequences of length d from ``state`` that stop at
    terminal positions; games = sequences that end in a finished game. Memoised by board,
    which fixes the mover in tic-tac-toe."""
    key = state.board.tobytes()
    if key not in memo:
        counts, games = numpy.zeros(10, numpy.int64), 0
        counts[0] = 1
        if state.is_terminal():
            games = 1
        else:
            for a in state.legal_moves():
                sub, sub_games = sequence_counts(state.play(a), memo)
                counts[1:] += sub[:-1]
                games += sub_games
        memo[key] = counts, games
    return memo[key]


def position(cells, to_play=None):
    """A state from a 9-character string of 'X', 'O' and '.', row by row."""
    board = numpy.array([{"X": 1, "O": -1, ".": 0}[c] for c in cells], numpy.int8)
    if to_play is None:
        to_play = 1 if (board == 1).sum() == (board == -1).sum() else -1
    return TicTacToeState(TicTacToe(), board, to_play, None)


def test_perft_and_total_games():
    counts, games = sequence_counts(TicTacToe().initial_state(), {})
    assert counts.tolist() == DEPTH_COUNTS
    assert games == 255168


@pytest.mark.parametrize("cells,winner", [
    ("XXXOO....", 1), ("OX.OX.O.X", -1), ("X.O.XO..X", 1), ("X.OXO.O.X", -1),
    ("XOXXOOOXX", 0), ("XO.......", None), ("XXOOOXXOX", 0)])
def test_results(cells, winner):
    state = position(cells)
    assert state.winner() == winner
    assert state.is_terminal() == (winner is not None)
    if winner is not None:
        assert not state.legal_mask().any()


def test_win_by_play_and_game_over():
    state = TicTacToe().initial_state()
    for a in (0, 3, 1, 4):
        state = state.play(a)
    assert state.winner() is None and state.to_play == 1
    state = state.play(2)
    assert state.winner() == 1 and state.last_move == 2
    with pytest.raises(IllegalMove) as err:
        state.play(5)
    assert err.value.reason == "game over"


def test_illegal_moves():
    state = TicTacToe().initial_state().play(4)
    for move, reason in ((4, "occupied"), (9, "out of board"), (-1, "out of board")):
        with pytest.raises(IllegalMove) as err:
            state.play(move)
        assert err.value.reason == reason and err.value.move == move


def test_play_leaves_the_state_unchanged():
    state = TicTacToe().initial_state()
    state.play(0)
    assert not state.board.any() and state.to_play == 1


def test_planes_from_each_side():
    x_to_move = position("X...O....")
    p = x_to_move.planes()
    assert p.shape == (3, 3, 3) and p.dtype == numpy.float32
    assert p[0, 0, 0] == 1 and p[0].sum() == 1      # X's own mark
    assert p[1, 1, 1] == 1 and p[1].sum() == 1      # O's mark
    assert (p[2] == 1).all()
    o_to_move = x_to_move.play(8)
    q = o_to_move.planes()
    assert q[0, 1, 1] == 1 and q[0].sum() == 1      # now O's view: O's own mark first
    assert q[1, 0, 0] == 1 and q[1, 2, 2] == 1 and q[1].sum() == 2
    assert (q[2] == 0).all()


def test_symmetries():
    game = make_game("tictactoe")
    state = position("XO.......")
    planes = state.planes()
    policy = numpy.zeros(9, numpy.float32)
    policy[2] = 1.0  # top right
    pairs = game.symmetries(planes, policy)
    assert len(pairs) == 8
    assert numpy.array_equal(pairs[0][0], planes) and numpy.array_equal(pairs[0][1], policy)
    # the second pair is the left-right mirror: X moves top-left -> top-right, and the
    # policy's top-right cell -> top-left
    mirrored, mirrored_pi = pairs[1]
    assert mirrored[0, 0, 2] == 1 and mirrored[1, 0, 1] == 1
    assert mirrored_pi[0] == 1 and mirrored_pi.sum() == 1
    # in every pair the policy stays on the same cell as the stone that shared it
    planes2 = planes.copy()
    planes2[1] = 0
    planes2[1, 0, 2] = 1  # mark the policy's cell on a plane
    for p, pi in game.symmetries(planes2, policy):
        assert p[1].reshape(-1)[numpy.argmax(pi)] == 1
    distinct = {p.tobytes() for p, _ in game.symmetries(planes2, policy)}
    assert len(distinct) == 8
