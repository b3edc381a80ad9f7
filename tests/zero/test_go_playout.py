"""Light play-outs of Go: the move rules (captures, suicide, no self-atari of two or more
stones, single-stone throw-ins allowed), play-outs that end with nothing left to play,
and the ownership they estimate."""

import random

import numpy

from shenjing.zero.games.go import Go
from shenjing.zero.go_playout import Geometry, estimate, owners, playout, try_move


def cells(rows):
    board = Go(len(rows)).setup(rows).board
    return Geometry(len(rows)), Geometry(len(rows)).cells_of(board)


def at(geometry, name, size):
    return geometry.points[Go(size).parse_move(name)]


def test_geometry_pads_the_board():
    g = Geometry(3)
    assert g is Geometry(3) and g.stride == 5 and g.points == [6, 7, 8, 11, 12, 13, 16, 17, 18]
    assert g.neighbours[6] == (1, 11, 5, 7) and g.neighbours[0] == ()
    assert g.cells_of(numpy.array([[1, 0, -1], [0, 0, 0], [0, 0, 0]]))[6:9] == [1, 0, 2]


def test_captures_suicide_and_self_atari():
    rows = [".XO..",
            "XO...",
            "O....",
            ".....",
            "....."]
    g, b = cells(rows)
    # black A5 is suicide (no capture): refused, board unchanged
    before = list(b)
    assert try_move(b, at(g, "A5", 5), 1, g.neighbours) is None and b == before
    # white A5 takes the last liberties of black B5 and A4
    captured = try_move(b, at(g, "A5", 5), 2, g.neighbours)
    assert sorted(captured) == sorted([at(g, "B5", 5), at(g, "A4", 5)])
    rows = ["XO...",
            "XO...",
            ".O...",
            "OO...",
            "....."]
    g, b = cells(rows)
    # black A3 joins A5-A4 into a 3-stone group with no liberty left: suicide
    assert try_move(b, at(g, "A3", 5), 1, g.neighbours) is None
    rows = ["X.O..",
            ".XO..",
            "OO...",
            ".....",
            "....."]
    g, b = cells(rows)
    # black B5 makes a 3-stone group (A5 B5 B4) with one liberty (A4): refused
    assert try_move(b, at(g, "B5", 5), 1, g.neighbours) is None
    # white A4 is a single stone thrown in with one liberty: allowed (a nakade needs it)
    assert try_move(b, at(g, "A4", 5), 2, g.neighbours) == []


def test_a_playout_ends_with_nothing_left_to_play():
    g = Geometry(7)
    rand = random.Random(1).random
    for _ in range(5):
        b = playout(list(g.template), 1, g, rand, 500)
        for color in (1, 2):
            for p in g.points:
                if b[p] == 0:  # an own eye, a move the rules refuse, or a ko
                    eye = all(b[q] in (color, 3) for q in g.neighbours[p])
                    left = try_move(list(b), p, color, g.neighbours)
                    assert eye or left is None or len(left) == 1
        final = owners(b, g)
        assert set(final) <= {0, 1, 2} and len(final) == 49


def test_ownership_of_a_settled_position():
    # black lives with two eyes on the left, white on the right; white's stone at B4 dies
    rows = [".X.XO.O",
            "XXXXO.O",
            ".X.XOOO",
            "XO.XO.O",
            "XXXXOOO",
            ".X.XO.O",
            "XXXXO.O"]
    state = Go(7, 0.5).setup(rows)
    found = estimate(state, 60, seed=0)
    assert found.playouts == 60 and found.black.shape == (7, 7)
    own = found.ownership
    assert (own[:, :4] > 0.9).all() and (own[:, 4:] < -0.9).all()
    assert numpy.allclose(found.black + found.white + found.neutral, 1)
    # every play-out counts black 28 points and white 21 (B4 is black's): 28 - 21 - 0.5
    assert numpy.allclose(found.scores, 6.5) and found.mean_score() == 6.5
    # first=+1 plays every play-out black first; a deadline stops them early
    assert estimate(state, 10, first=1).playouts == 10
    assert estimate(state, 1000, deadline=0).playouts == 2
