"""The GTP engine command by command, the client against our own engine, and real games
against GNU Go in which every move must be accepted by both sides and both must count the
same final score.

``SHENJING_GNUGO_GAMES=n`` plays n games of each kind against GNU Go (default 6 games of
our random player against it, 4 of GNU Go against itself relayed through our engine).
"""

import io
import os
import shutil
import sys

import pytest

from shenjing.zero.games.go import Go, RandomGoPlayer
from shenjing.zero.gtp import GTPClient, GTPEngine, GTPError, format_score
from shenjing.zero.players import Player

COMMANDS = ["protocol_version", "name", "version", "known_command", "list_commands",
            "boardsize", "clear_board", "komi", "play", "genmove", "undo", "showboard",
            "final_score", "quit"]


class Recorder(RandomGoPlayer):
    """A random Go player that writes down what the engine tells it."""

    def __init__(self, seed=0):
        super().__init__(seed)
        self.log = []

    def observe(self, action):
        self.log.append(("observe", action))

    def reset(self):
        self.log.append(("reset",))


def engine(size=5, komi=7.5, seed=0):
    return GTPEngine(Go(size, komi, max_moves=1000), Recorder(seed))


def ok(engine, line):
    """The text of a '=' answer (without '= ' and the blank line)."""
    response = engine.handle(line)
    assert response.startswith("=") and response.endswith("\n\n"), response
    return response[:-2].split(" ", 1)[1]


def error(engine, line):
    response = engine.handle(line)
    assert response.startswith("?") and response.endswith("\n\n"), response
    return response[:-2].split(" ", 1)[1]


def test_administrative_commands_and_ids():
    e = GTPEngine(Go(9), Player(), name="tester", version="1.2")
    assert e.handle("protocol_version") == "= 2\n\n"
    assert e.handle("17 protocol_version") == "=17 2\n\n"
    assert e.handle("name\n") == "= tester\n\n" and e.handle("3 version") == "=3 1.2\n\n"
    assert e.handle("known_command genmove") == "= true\n\n"
    assert e.handle("known_command kgs-genmove_cleanup") == "= false\n\n"
    assert ok(e, "list_commands").split("\n") == COMMANDS
    assert e.handle("4 frobnicate") == "?4 unknown command\n\n"
    assert e.handle("frobnicate") == "? unknown command\n\n"
    # comments, tabs, control characters and empty lines (GTP's preprocessing)
    assert e.handle("") == "" and e.handle("   ") == "" and e.handle("# a comment") == ""
    assert e.handle("5\tNAME # upper case and a tab") == "=5 tester\n\n"
    assert e.handle("na\x01me") == "= tester\n\n"


def test_boardsize_komi_clear_board():
    e = engine(size=9, komi=7.5)
    assert ok(e, "boardsize 7") == "" and e.game.size == 7 and e.game.komi == 7.5
    assert e.game.max_moves == 1000  # the game's other settings stay
    assert error(e, "boardsize 1") == "unacceptable size"
    assert error(e, "boardsize 26") == "unacceptable size"
    assert error(e, "boardsize seven") == "syntax error"
    assert ok(e, "komi 0.5") == "" and e.game.komi == 0.5
    assert error(e, "komi lots") == "syntax error"
    ok(e, "play b d4")
    ok(e, "komi 6")  # keeps the position
    assert e.state.board[3, 3] == 1 and e.game.komi == 6 and e.state.to_play == -1
    ok(e, "boardsize 5")
    assert e.game.komi == 6 and e.game.size == 5 and not e.state.board.any()
    ok(e, "play b c3")
    ok(e, "clear_board")
    assert not e.state.board.any() and e.state.to_play == 1
    assert e.player.log == [("reset",), ("observe", 24), ("reset",), ("observe", 12),
                            ("reset",)]


def test_play_and_its_errors():
    e = engine(size=5)
    assert ok(e, "play B C3") == "" and ok(e, "10 play white c4") == ""
    assert error(e, "play b c3") == "illegal move: occupied"
    assert error(e, "play w b2") == "illegal move: black is to play"
    assert error(e, "play b f1") == "illegal move: out of board"
    assert error(e, "play b i3") == "illegal move: out of board"
    assert error(e, "play b c6") == "illegal move: out of board"
    assert error(e, "play x c2") == "syntax error"
    assert error(e, "play b") == "syntax error"
    # the game goes on after a refused move
    for move in ["b b4", "w a4", "b d4", "w pass", "b c5"]:  # black c5 takes white c4
        ok(e, f"play {move}")
    assert e.state.board[1, 2] == 0
    assert error(e, "play w c4") == "illegal move: suicide"
    # a ko: white b5 ... build it on a fresh board
    e = engine(size=5)
    for move in ["b b4", "w c4", "b a3", "w b3", "b b2", "w c2", "b e1", "w d3", "b c3"]:
        ok(e, f"play {move}")
    assert error(e, "play w b3") == "illegal move: ko"
    ok(e, "play w pass")
    ok(e, "play b pass")  # two passes: the game is over
    assert error(e, "play w e5") == "illegal move: game over"
    assert error(e, "genmove w") == "illegal move: game over"


def test_genmove_undo_and_the_player_protocol():
    e = engine(size=5, seed=3)
    move = ok(e, "genmove b")
    action = e.game.parse_move(move)
    assert e.state.board.reshape(-1)[action] == 1 and e.player.log == [("observe", action)]
    assert error(e, "genmove b") == "illegal move: white is to play"
    assert error(e, "genmove") == "syntax error"
    ok(e, "play w pass")
    second = e.game.parse_move(ok(e, "12 genmove black"))
    assert e.player.log[1:] == [("observe", 25), ("observe", second)]
    ok(e, "undo")
    assert e.state.to_play == 1 and e.state.board.reshape(-1)[second] == 0
    assert e.player.log[-1] == ("reset",)
    ok(e, "undo")
    ok(e, "undo")
    assert not e.state.board.any() and e.state.moves == 0
    assert error(e, "undo") == "cannot undo"
    # a pass is written 'pass' and read in any case
    assert ok(e, "play b PASS") == "" and e.state.passes == 1


def test_showboard_and_final_score():
    e = engine(size=5, komi=7.5)
    board = e.handle("showboard")
    assert board.startswith("= \n   A B C D E\n 5 . . . . .  5\n") and board.endswith("\n\n")
    assert ok(e, "final_score") == "W+7.5"
    ok(e, "play b c3")
    assert ok(e, "final_score") == "B+17.5"
    assert e.handle("showboard").splitlines()[4] == " 3 . . X . .  3"
    ok(e, "komi 0")
    ok(e, "play w c2")
    assert ok(e, "final_score") == "0"
    assert format_score(-3) == "W+3.0" and format_score(0.5) == "B+0.5"


def test_run_stops_at_quit():
    e = engine()
    commands = io.StringIO("1 name\n\n# comment\n2 play b c3\n3 quit\n4 name\n")
    out = io.StringIO()
    e.run(commands, out)
    assert out.getvalue() == "=1 shenjing\n\n=2 \n\n=3 \n\n"


def test_client_drives_our_engine_as_a_subprocess():
    argv = [sys.executable, "-m", "shenjing.zero.gtp", "--size", "5", "--seed", "1"]
    with GTPClient(argv) as client:
        assert client.send("protocol_version") == "2"
        assert client.send("name") == "shenjing-random"
        client.send("play b c3")
        with pytest.raises(GTPError, match="illegal move: occupied"):
            client.send("play w c3")
        move = client.send("genmove w")
        assert move.lower() != "c3"
        assert client.send("showboard").splitlines()[0] == "A B C D E"
        assert client.send("final_score") in ("W+7.5", "B+17.5")
    assert client.process.returncode == 0


# ---- real games against GNU Go ---------------------------------------------------------

def gnugo_path():
    # Debian's package installs it in /usr/games, which is not always on PATH
    return shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games")


needs_gnugo = pytest.mark.skipif(gnugo_path() is None,
                                 reason="GNU Go not found: apt-get install gnugo")
GAMES = int(os.environ.get("SHENJING_GNUGO_GAMES", "0"))


def start_gnugo(seed, size):
    # positional superko and no resignation, as our engine; --capture-all-dead makes it
    # take every dead stone off before it passes, so that counting needs no judgement
    gnugo = GTPClient([gnugo_path(), "--mode", "gtp", "--chinese-rules",
                       "--capture-all-dead", "--positional-superko", "--never-resign",
                       "--level", "1", "--seed", str(seed)])
    for command in (f"boardsize {size}", "clear_board", "komi 7.5"):
        gnugo.send(command)
    return gnugo


def finish(ours, gnugo, moves):
    """Both sides' final scores, after checking that the game ended by two passes and
    that no dead stone is left for GNU Go's judgement."""
    assert ours.state.is_terminal() and ours.state.passes == 2, moves
    assert gnugo.send("final_status_list dead") == ""
    ours_score, gnugo_score = ok(ours, "final_score"), gnugo.send("final_score")
    assert ours_score == gnugo_score, (moves, ours.state.render())
    return ours_score


def random_engine(size, seed):
    """Our GTP engine with a random player, told the board size and komi 7.5 over GTP."""
    ours = GTPEngine(Go(size, 7.5, max_moves=1000), RandomGoPlayer(seed))
    ok(ours, f"boardsize {size}")
    ok(ours, "komi 7.5")
    return ours


@needs_gnugo
def test_random_player_against_gnugo():
    size, results = 9, []
    for game in range(GAMES or 6):
        ours = random_engine(size, game)
        our_color = "b" if game % 2 == 0 else "w"
        gnugo = start_gnugo(game + 1, size)
        try:
            color, moves = "b", []
            while moves[-2:] != ["pass", "pass"]:
                assert len(moves) < 1000
                if color == our_color:
                    move = ok(ours, f"genmove {color}")
                    gnugo.send(f"play {color} {move}")  # raises if GNU Go refuses it
                else:
                    move = gnugo.send(f"genmove {color}")
                    assert ok(ours, f"play {color} {move}") == ""
                moves.append(move.lower())
                color = "w" if color == "b" else "b"
            results.append(finish(ours, gnugo, moves))
        finally:
            gnugo.close()
    assert len(results) == (GAMES or 6)


@needs_gnugo
def test_gnugo_against_itself_relayed_through_our_engine():
    # our random player loses every stone to GNU Go, so those games count a board of one
    # colour; GNU Go against itself ends with both colours' groups and territories
    size, results = 9, []
    for game in range(GAMES or 4):
        ours = random_engine(size, game)
        gnugo = start_gnugo(100 + game, size)
        try:
            color, moves = "b", []
            while moves[-2:] != ["pass", "pass"]:
                assert len(moves) < 1000
                move = gnugo.send(f"genmove {color}")
                assert ok(ours, f"play {color} {move}") == ""
                moves.append(move.lower())
                color = "w" if color == "b" else "b"
            board = ours.state.board
            assert (board == 1).any() and (board == -1).any()
            results.append(finish(ours, gnugo, moves))
        finally:
            gnugo.close()
    assert len(results) == (GAMES or 4)
