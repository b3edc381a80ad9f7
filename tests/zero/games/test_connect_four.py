"""Connect Four: move counts, wins and draws, refusals, symmetry, notation, and the
bitboard checked against a plain numpy reference on random games."""

import numpy
import pytest

from shenjing.zero.games import IllegalMove, make_game, perft
from shenjing.zero.games.connect_four import ConnectFour


def play_all(columns, game=None):
    """The state after the 1-based column string ``columns`` (e.g. '4453')."""
    state = (game or ConnectFour()).initial_state()
    for c in columns:
        state = state.play(int(c) - 1)
    return state


def reference_winner(board):
    """+1 / -1 if that player has four in a row on ``board`` (rows, cols), else 0 (and an
    error if both do): every window of four in every direction, by numpy slices."""
    rows, cols = board.shape
    found = set()
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        nr, nc = rows - 3 * dr, cols - 3 * abs(dc)
        if nr <= 0 or nc <= 0:
            continue
        c0 = 3 if dc < 0 else 0
        for player in (1, -1):
            hit = numpy.ones((nr, nc), bool)
            for i in range(4):
                r, c = i * dr, c0 + i * dc
                hit &= board[r:r + nr, c:c + nc] == player
            if hit.any():
                found.add(player)
    assert len(found) <= 1
    return found.pop() if found else 0


def test_perft():
    state = ConnectFour().initial_state()
    assert [perft(state, d) for d in range(1, 8)] == [7, 49, 343, 2401, 16807, 117649,
                                                      823536]


@pytest.mark.parametrize("columns,winner", [
    ("1122334", 1),          # horizontal along the bottom
    ("7172737", 1),          # vertical in the last column, O's discs beside it
    ("12233434474", 1),      # diagonal up to the right
    ("76655454414", 1),      # diagonal up to the left
    ("11223354", None),      # a gap in X's bottom row: no four yet
    ("717273661", None),
    ("14243474", -1),        # O vertical in column 4
    # wins on the edges (random games kept as examples)
    ("37511264523153213556742452134447366716762", 1),  # along the top row
    ("7625341677643725533415735732454626", -1),        # diagonal to the top-right corner
    ("56517646627213213753437522311134", -1),          # diagonal to the top-left corner
    ("3217116175574131", -1),                          # vertical up to the top, column 1
])
def test_wins(columns, winner):
    state = play_all(columns)
    assert state.winner() == winner
    assert reference_winner(state.board) == (winner or 0)
    if winner is not None:
        assert state.is_terminal() and not state.legal_mask().any()
        with pytest.raises(IllegalMove) as err:
            state.play(0)
        assert err.value.reason == "game over"


def test_column_full_and_out_of_board():
    state = play_all("111111")
    assert state.legal_mask().tolist() == [False] + [True] * 6
    with pytest.raises(IllegalMove) as err:
        state.play(0)
    assert err.value.reason == "column full"
    for move in (7, -1):
        with pytest.raises(IllegalMove) as err:
            state.play(move)
        assert err.value.reason == "out of board"


def test_draw_on_a_full_board():
    # a random game that filled the board with no four, kept as a fixed example
    state = ConnectFour().initial_state()
    for c in "446323116125713546635334125521577677446722":
        assert state.winner() is None
        state = state.play(int(c) - 1)
    assert state.winner() == 0 and state.is_terminal()
    assert (state.board != 0).all() and reference_winner(state.board) == 0
    assert not state.legal_mask().any()
    with pytest.raises(IllegalMove) as err:
        state.play(0)
    assert err.value.reason == "game over"


def test_mirror_symmetry():
    game = ConnectFour()
    state = play_all("1121")
    planes = state.planes()
    policy = numpy.arange(7, dtype=numpy.float32)
    pairs = game.symmetries(planes, policy)
    assert len(pairs) == 2
    assert numpy.array_equal(pairs[0][0], planes) and numpy.array_equal(pairs[0][1], policy)
    mirrored = play_all("7767")
    assert numpy.array_equal(pairs[1][0], mirrored.planes())
    assert pairs[1][1].tolist() == [6, 5, 4, 3, 2, 1, 0]


def test_notation():
    game = make_game("connect4")
    assert game == ConnectFour() and game.config() == {"name": "connect4", "rows": 6,
                                                       "cols": 7}
    for a in range(7):
        assert game.parse_move(game.format_move(a)) == a
        assert game.parse_move("abcdefg"[a]) == a
    assert game.format_move(0) == "1" and game.parse_move(" 7 ") == 6
    for text in ("0", "8", "h", "", "a1"):
        with pytest.raises(IllegalMove):
            game.parse_move(text)


def test_board_planes_and_render():
    state = play_all("445")
    assert state.board.dtype == numpy.int8 and state.board.shape == (6, 7)
    assert state.board[5, 3] == 1 and state.board[4, 3] == -1 and state.board[5, 4] == 1
    assert state.board.sum() == 1
    p = state.planes()  # O to move: O's discs first
    assert p.shape == (3, 6, 7) and p.dtype == numpy.float32
    assert p[0, 4, 3] == 1 and p[0].sum() == 1 and p[1].sum() == 2 and not p[2].any()
    text = state.render()
    assert text.splitlines()[-1] == "1 2 3 4 5 6 7"
    assert text.splitlines()[-2] == ". . . X X . ."


def test_other_sizes():
    game = ConnectFour(rows=4, cols=5)
    assert game.action_size == 5 and game.initial_state().planes().shape == (3, 4, 5)
    assert play_all("1212121", game).winner() == 1
    assert make_game(**game.config()) == game


def test_random_games_match_a_reference():
    rng = numpy.random.default_rng(7)
    for game in (ConnectFour(), ConnectFour(rows=5, cols=6), ConnectFour(rows=7, cols=8)):
        results = set()
        for _ in range(100):
            state = game.initial_state()
            while not state.is_terminal():
                assert reference_winner(state.board) == 0
                legal = numpy.flatnonzero(state.board[0] == 0)
                assert state.legal_moves().tolist() == legal.tolist()
                state = state.play(rng.choice(legal))
            expected = reference_winner(state.board)
            if expected == 0:
                assert (state.board != 0).all()
            assert state.winner() == expected
            results.add(expected)
        assert results >= {1, -1}
