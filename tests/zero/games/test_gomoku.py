"""Gomoku: move counts, wins in every direction and at the edges, overlines, no false
lines across a row's wrap, refusals, presets, and random games against a reference."""

import numpy
import pytest

from shenjing.zero.games import IllegalMove, make_game, perft
from shenjing.zero.games.gomoku import Gomoku

DIRECTIONS = {"across": (0, 1), "down": (1, 0), "diagonal": (1, 1), "anti-diagonal": (1, -1)}


def reference_winner(board, k):
    """+1 / -1 if that player has k in a row on ``board`` (n, n), else 0 (an error if both
    do): every window of k in every direction, by numpy slices."""
    n = board.shape[0]
    found = set()
    for dr, dc in DIRECTIONS.values():
        nr, nc = n - (k - 1) * dr, n - (k - 1) * abs(dc)
        c0 = k - 1 if dc < 0 else 0
        for player in (1, -1):
            hit = numpy.ones((nr, nc), bool)
            for i in range(k):
                r, c = i * dr, c0 + i * dc
                hit &= board[r:r + nr, c:c + nc] == player
            if hit.any():
                found.add(player)
    assert len(found) <= 1
    return found.pop() if found else 0


def play_stones(game, x_cells, o_filler=True):
    """Plays X on ``x_cells`` (a list of (row, col)) in order, O answering each X move
    (but the last) on a scattered cell (both coordinates even, so O never makes a line
    when k > 1) that X does not need. Returns the final state."""
    n = game.size
    spare = [(r, c) for r in range(0, n, 2) for c in range(0, n, 2) if (r, c) not in x_cells]
    state = game.initial_state()
    for i, (r, c) in enumerate(x_cells):
        state = state.play(r * n + c)
        if i + 1 < len(x_cells) and o_filler:
            state = state.play(numpy.ravel_multi_index(spare.pop(), (n, n)))
    return state


def line(start, direction, length):
    """The cells of a line of ``length`` from ``start`` in ``direction``."""
    (r, c), (dr, dc) = start, DIRECTIONS[direction]
    return [(r + i * dr, c + i * dc) for i in range(length)]


def test_perft_small_board():
    state = Gomoku(size=4, k=3).initial_state()
    assert [perft(state, d) for d in (1, 2, 3)] == [16, 240, 3360]


@pytest.mark.parametrize("direction,start", [
    ("across", (0, 0)), ("across", (7, 4)), ("across", (3, 2)),
    ("down", (0, 7)), ("down", (4, 0)), ("down", (2, 3)),
    ("diagonal", (0, 0)), ("diagonal", (4, 4)), ("diagonal", (0, 4)), ("diagonal", (4, 0)),
    ("anti-diagonal", (0, 7)), ("anti-diagonal", (4, 3)), ("anti-diagonal", (0, 3)),
    ("anti-diagonal", (4, 7))])
@pytest.mark.parametrize("last", [0, 2, 3])  # which stone of the four completes the line
def test_wins_in_every_direction(direction, start, last):
    game = Gomoku(size=8, k=4)
    cells = line(start, direction, 4)
    cells.append(cells.pop(last))
    before = play_stones(game, cells[:-1])
    assert before.winner() is None
    state = play_stones(game, cells)
    assert state.winner() == 1 and state.is_terminal()
    assert reference_winner(state.board, 4) == 1
    assert not state.legal_mask().any()
    with pytest.raises(IllegalMove) as err:
        state.play(int(numpy.flatnonzero(state.board.reshape(-1) == 0)[0]))
    assert err.value.reason == "game over"


def test_o_wins_too():
    game = Gomoku(size=6, k=4)
    state = game.initial_state()
    for x, o in zip((0, 2, 4, 13), (30, 31, 32, 33)):  # O fills the bottom row's left four
        state = state.play(x).play(o)
    assert state.winner() == -1


@pytest.mark.parametrize("direction", list(DIRECTIONS))
def test_overline_wins(direction):
    game = Gomoku(size=8, k=4)
    start = {"across": (1, 1), "down": (1, 1), "diagonal": (1, 1), "anti-diagonal": (1, 6)}
    cells = line(start[direction], direction, 6)
    cells.append(cells.pop(3))  # three, a gap, two: the gap stone makes six in a row
    assert play_stones(game, cells[:-1]).winner() is None
    assert play_stones(game, cells).winner() == 1


def test_no_line_across_the_row_wrap():
    game = Gomoku(size=6, k=4)
    # flat cells 4, 5, 6, 7: the end of row 0 and the start of row 1
    # flat steps of size - 1 (an anti-diagonal) that wrap past the left edge: 1, 6, 11, 16
    # flat steps of size + 1 (a diagonal) that wrap past the right edge: 10, 17, 24, 31
    for cells in ([(0, 4), (0, 5), (1, 0), (1, 1)], [(0, 1), (1, 0), (1, 5), (2, 4)],
                  [(1, 4), (2, 5), (4, 0), (5, 1)]):
        flat = [r * 6 + c for r, c in cells]
        assert len(set(numpy.diff(flat))) == 1
        for order in (cells, cells[::-1], cells[1:] + cells[:1]):
            assert play_stones(game, order).winner() is None


def test_draw_on_a_full_board():
    game = Gomoku(size=4, k=3)
    # columns coloured X X O O / O O X X by rows in pairs: no three anywhere
    pattern = numpy.array([[1, 1, -1, -1], [-1, -1, 1, 1], [1, 1, -1, -1], [-1, -1, 1, 1]])
    assert reference_winner(pattern, 3) == 0
    xs = list(zip(*numpy.nonzero(pattern == 1)))
    os_ = list(zip(*numpy.nonzero(pattern == -1)))
    state = game.initial_state()
    for x, o in zip(xs, os_):
        assert state.winner() is None
        state = state.play(x[0] * 4 + x[1]).play(o[0] * 4 + o[1])
    assert state.winner() == 0 and state.is_terminal()
    assert numpy.array_equal(state.board, pattern)


def test_illegal_moves():
    state = Gomoku(size=6, k=4).initial_state().play(7)
    for move, reason in ((7, "occupied"), (36, "out of board"), (-1, "out of board")):
        with pytest.raises(IllegalMove) as err:
            state.play(move)
        assert err.value.reason == reason


def test_state_is_immutable_and_planes():
    game = Gomoku(size=6, k=4)
    start = game.initial_state()
    state = start.play(0)
    assert not start.board.any() and start.legal_mask().all()
    assert state.board.dtype == numpy.int8 and state.board.shape == (6, 6)
    assert state.board[0, 0] == 1 and state.to_play == -1 and state.last_move == 0
    p = state.play(35).planes()  # X to move again
    assert p.shape == (3, 6, 6) and p.dtype == numpy.float32
    assert p[0, 0, 0] == 1 and p[1, 5, 5] == 1 and p[:2].sum() == 2 and p[2].all()
    q = state.planes()           # O to move: O's stones (none) first
    assert q[0].sum() == 0 and q[1, 0, 0] == 1 and not q[2].any()
    assert state.legal_mask().sum() == 35
    assert game.parse_move(game.format_move(0)) == 0 and game.format_move(0) == "a6"
    assert state.render().splitlines()[0] == "6 X . . . . ."


def test_presets_and_config():
    assert make_game("gomoku6") == Gomoku(size=6, k=4)
    assert make_game("gomoku8") == Gomoku(size=8, k=5)
    assert make_game("gomoku15") == Gomoku() and Gomoku().action_size == 225
    game = make_game("gomoku", size=7, k=4)
    assert game.config() == {"name": "gomoku", "size": 7, "k": 4}
    assert make_game(**game.config()) == game
    with pytest.raises(ValueError):
        Gomoku(size=3, k=4)


@pytest.mark.parametrize("size,k,games", [(4, 3, 150), (6, 4, 60), (9, 5, 20), (15, 5, 5)])
def test_random_games_match_a_reference(size, k, games):
    game = Gomoku(size=size, k=k)
    rng = numpy.random.default_rng(size)
    for _ in range(games):
        state = game.initial_state()
        while not state.is_terminal():
            assert reference_winner(state.board, k) == 0
            legal = numpy.flatnonzero(state.board.reshape(-1) == 0)
            assert numpy.array_equal(state.legal_moves(), legal)
            state = state.play(rng.choice(legal))
        expected = reference_winner(state.board, k)
        if expected == 0:
            assert (state.board != 0).all()
        assert state.winner() == expected
