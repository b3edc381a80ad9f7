"""SGF files of Go: reading the main line (setup, moves, passes, variations, escapes),
writing and reading back, and invalid files refused naming the first bad property."""

import pytest

from shenjing.zero.sgf import SGFError, format_point, parse_sgf, read_sgf, write_sgf


def test_read_a_game_with_setup_moves_and_passes():
    text = """(;FF[4]GM[1]SZ[9]KM[6.5]HA[2]PB[Black \\] player]RE[W+3.5]
               AB[cc][gg]C[a comment: with \\\\ and
               a second line]
               ;W[ee];B[];W[tt];B[ab])"""
    game = read_sgf(text)
    assert (game.size, game.komi, game.handicap) == (9, 6.5, 2)
    assert game.black == [2 * 9 + 2, 6 * 9 + 6] and game.white == []
    assert game.moves == [(-1, 4 * 9 + 4), (1, 81), (-1, 81), (1, 1 * 9 + 0)]
    assert game.info["PB"] == "Black ] player" and game.info["RE"] == "W+3.5"
    assert game.to_play is None
    assert "with \\ and" in game.info["C"]


def test_variations_follow_the_main_line_and_compressed_points():
    text = "(;GM[1]SZ[5]AW[aa:bb]PL[W](;W[cc];B[dd](;W[ee])(;W[ea]))(;W[ab]))"
    game = read_sgf(text)
    assert game.white == [0, 1, 5, 6] and game.to_play == -1 and game.komi is None
    assert game.moves == [(-1, 12), (1, 18), (-1, 24)]
    assert len(parse_sgf(text)) == 4


def test_write_then_read_gives_the_game_back():
    moves = [(1, 40), (-1, 81), (1, 0), (-1, 80)]
    text = write_sgf(9, 7.5, moves, black=[10, 20], white=[30], to_play=-1, handicap=0,
                     info={"PB": "a]b", "RE": "B+2.5"})
    assert text.startswith("(;FF[4]GM[1]") and text.endswith(")\n")
    game = read_sgf(text)
    assert (game.size, game.komi, game.black, game.white) == (9, 7.5, [10, 20], [30])
    assert game.moves == moves and game.to_play == -1 and game.info["PB"] == "a]b"
    assert format_point(81, 9) == "" and format_point(10, 9) == "bb"
    # a long game is wrapped over lines and still reads back
    long_moves = [(1 if i % 2 == 0 else -1, i) for i in range(60)]
    assert read_sgf(write_sgf(9, 0, long_moves)).moves == long_moves


@pytest.mark.parametrize("text, words", [
    ("(;GM[1]SZ[30])", "bad property SZ[30] (node 1): size must be"),
    ("(;GM[1]SZ[9:9])", "bad property SZ[9:9]"),
    ("(;GM[2]SZ[9])", "bad property GM[2] (node 1): not a game of Go"),
    ("(;GM[1]SZ[9]KM[lots])", "bad property KM[lots]"),
    ("(;GM[1]SZ[9];B[jj])", "bad property B[jj] (node 2): point outside the 9x9 board"),
    ("(;GM[1]SZ[9];B[a])", "bad property B[a] (node 2): expected a point"),
    ("(;GM[1]SZ[9];B[aa]W[bb])", "bad property W[bb] (node 2): a node holds one move"),
    ("(;GM[1]SZ[9];B[aa];AB[cc])", "bad property AB[cc] (node 3): setup stones after"),
    ("(;GM[1]SZ[9]PL[X])", "bad property PL[X]"),
    ("(;GM[1]SZ[9];b[aa])", "bad property b[aa] (node 2): property identifiers"),
    ("(;GM[1]SZ[9];B[aa]", "expected ')'"),
    ("(;GM[1]SZ[9];B[aa)", "closing ']'"),
    ("(;GM[1]SZ[9];B)", "property B has no value"),
    ("GM[1]", "expected '('"),
    ("", "expected '('"),
])
def test_invalid_files_are_refused_naming_the_first_bad_property(text, words):
    with pytest.raises(SGFError) as caught:
        read_sgf(text)
    assert words in str(caught.value)
