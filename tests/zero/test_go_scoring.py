"""Scoring finished Go positions as the rules score them: dead stones off, seki, dame,
area and komi; counted by hand here, and compared with GNU Go's ``final_score`` and
``final_status_list`` on the same positions loaded from SGF (skipped without GNU Go)."""

import shutil

import pytest

from shenjing.zero.games.go import Go
from shenjing.zero.go_scoring import format_score, groups, judge, tromp_taylor_score
from shenjing.zero.gtp import GTPClient
from shenjing.zero.sgf import write_sgf

# Each position: its rows (top row 9 first), the score by the rules with komi 7.5 (black
# minus white, counted by hand in the comments), the dead and the seki stones.
POSITIONS = {
    # a dead white stone (B8) in black's area, a dead black one (H5) in white's, and a
    # column of dame (D9-D1, 9 points) that nobody owns:
    # black 9 stones + 18 points (B8 included) = 27; white 23 stones + 22 points = 45
    "dead stones and dame": ([
        "..X.O.O..",
        ".OX.O.O..",
        "..X.O.O..",
        "..X.OOOOO",
        "..X.O..X.",
        "..X.OOOOO",
        "..X.O.O..",
        "..X.O.O..",
        "..X.O.O.."], 27 - 45 - 7.5, ["B8", "H5"], []),
    # the same with black's stones on D1 and D2: 7 dame left; black 29, white 45
    "seven dame": ([
        "..X.O.O..",
        ".OX.O.O..",
        "..X.O.O..",
        "..X.OOOOO",
        "..X.O..X.",
        "..X.OOOOO",
        "..X.O.O..",
        "..XXO.O..",
        "..XXO.O.."], 29 - 45 - 7.5, ["B8", "H5"], []),
    # a seki: black C9 C8 C7 D7 and white E9 E8 E7 share the liberties D9 D8, which
    # stay neutral; black 4 + 10 stones + 32 points = 46, white 3 + 11 + 19 = 33
    "seki": ([
        ".OX.OX...",
        ".OX.OX...",
        ".OXXOX...",
        ".OOOXX...",
        "...OX....",
        "...OX....",
        "...OX....",
        "...OX....",
        "...OX...."], 46 - 33 - 7.5, [], ["C9 C8 C7 D7", "E9 E8 E7"]),
    # a dead white group with one eye (C6) inside black's living group:
    # black owns columns A to D (36 points), white E to J (45)
    "one-eyed group": ([
        ".X.XO.O..",
        "XXXXO.O..",
        "XOOXO.O..",
        "XO.XOOOOO",
        "XOOXO.O..",
        "XXXXO.O..",
        ".X.XO.O..",
        "XXXXO.O..",
        ".X.XO.O.."], 36 - 45 - 7.5, ["B7 C7 B6 B5 C5"], []),
}


def names(game, stone_lists):
    return sorted(" ".join(game.format_move(p) for p in stones) for stones in stone_lists)


@pytest.mark.parametrize("name", list(POSITIONS))
def test_final_positions_are_scored_as_the_rules_score_them(name):
    rows, score, dead, seki = POSITIONS[name]
    game = Go(9, 7.5)
    state = game.setup(rows)
    judged = judge(state, 200, seed=1)
    assert judged.score == score, (name, judged.estimate.ownership.round(1))
    assert names(game, judged.stones("dead")) == sorted(dead)
    assert names(game, judged.stones("seki")) == sorted(seki)
    alive = sum(len(s) for s in judged.stones("alive"))
    assert alive + len(judged.dead_stones()) + sum(map(len, judged.stones("seki"))) == \
        int((state.board != 0).sum())
    # the dead stones are off the judged board; Tromp-Taylor counts them all alive
    assert all(judged.board.flat[p] == 0 for p in judged.dead_stones())
    assert tromp_taylor_score(state) == state.score()
    if dead:
        assert tromp_taylor_score(state) != judged.score
    with pytest.raises(ValueError, match="alive, dead or seki"):
        judged.stones("dame")


def test_groups_and_format_score():
    board = Go(3).setup(["XX.", "O..", "..O"]).board
    assert groups(board) == [(1, [0, 1], [2, 4]), (-1, [3], [4, 6]), (-1, [8], [5, 7])]
    assert format_score(-3) == "W+3.0" and format_score(0.5) == "B+0.5"
    assert format_score(0) == "0"


def gnugo_path():
    return shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games")


@pytest.mark.skipif(gnugo_path() is None, reason="GNU Go not found: apt-get install gnugo")
def test_gnugo_counts_the_same_positions_alike(tmp_path):
    gnugo = GTPClient([gnugo_path(), "--mode", "gtp", "--chinese-rules", "--level", "1"])
    try:
        for name, (rows, score, dead, seki) in POSITIONS.items():
            game = Go(9, 7.5)
            flat = game.setup(rows).board.reshape(-1)
            path = tmp_path / "position.sgf"
            path.write_text(write_sgf(9, 7.5, [], black=(flat == 1).nonzero()[0].tolist(),
                                      white=(flat == -1).nonzero()[0].tolist()))
            assert gnugo.send(f"loadsgf {path}") == "black"
            for status, ours in (("dead", dead), ("seki", seki)):
                theirs = gnugo.send(f"final_status_list {status}")
                assert sorted(theirs.split()) == sorted(" ".join(ours).split()), (name, status)
            theirs = gnugo.send("final_score")
            if "dame" in name:
                # GNU Go shares the dame out when it counts, the odd one to black: the
                # rules leave them to nobody, so it differs by one point when they are odd
                assert theirs == format_score(score + 1)
            else:
                assert theirs == format_score(score), name
    finally:
        gnugo.close()
