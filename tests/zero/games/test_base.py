"""The shared game interface: board symmetries, the registry, equality of games."""

import numpy
import pytest

from shenjing.zero.games import Game, board_symmetries, game_names, make_game
from shenjing.zero.games.connect_four import ConnectFour
from shenjing.zero.games.gomoku import Gomoku


def test_symmetries_of_a_non_square_board_keep_the_pass_in_place():
    rows, cols = 2, 3
    planes = numpy.arange(2 * rows * cols, dtype=numpy.float32).reshape(2, rows, cols)
    policy = numpy.arange(rows * cols + 1, dtype=numpy.float32)  # the last move: a pass
    pairs = board_symmetries(planes, policy, rows, cols)
    assert len(pairs) == 2  # no rotation keeps a 2x3 board's shape
    assert numpy.array_equal(pairs[0][0], planes) and numpy.array_equal(pairs[0][1], policy)
    mirrored, mirrored_pi = pairs[1]
    assert mirrored.shape == (2, rows, cols) and mirrored.flags.c_contiguous
    assert numpy.array_equal(mirrored, planes[:, :, ::-1])
    assert mirrored_pi.tolist() == [2, 1, 0, 5, 4, 3, 6]


def test_square_symmetries_with_a_pass():
    planes = numpy.zeros((1, 3, 3), numpy.float32)
    planes[0, 0, 1] = 1
    policy = numpy.zeros(10, numpy.float32)
    policy[1], policy[9] = 0.75, 0.25  # same cell as the stone, and the pass
    pairs = board_symmetries(planes, policy, 3, 3)
    assert len(pairs) == 8
    for p, pi in pairs:
        assert pi[9] == 0.25 and pi.shape == (10,)
        assert p[0].reshape(-1)[numpy.argmax(pi[:9])] == 1


def test_unknown_game_lists_the_known_ones():
    with pytest.raises(ValueError) as err:
        make_game("chess")
    message = str(err.value)
    assert "chess" in message
    for name in ("tictactoe", "connect4", "gomoku", "gomoku6", "gomoku8", "gomoku15"):
        assert name in message and name in game_names()


def test_games_compare_by_config():
    assert make_game("gomoku6") == Gomoku(size=6, k=4)
    assert Gomoku(size=6, k=4) != Gomoku(size=6, k=5)
    assert hash(Gomoku(size=6, k=4)) == hash(make_game("gomoku", size=6, k=4))
    assert ConnectFour() != ConnectFour(rows=7) and ConnectFour() != Gomoku()
    assert ConnectFour() != "connect4"
    for game in (make_game("tictactoe"), ConnectFour(5, 6), Gomoku(9, 5)):
        assert make_game(**game.config()) == game
        assert isinstance(game, Game)
    assert repr(Gomoku(size=6, k=4)) == "Gomoku(size=6, k=4)"
    assert len({Gomoku(6, 4), make_game("gomoku6"), ConnectFour()}) == 2
