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
import time

import pytest

from shenjing.zero.games.go import Go, RandomGoPlayer
from shenjing.zero.gtp import GTPClient, GTPEngine, GTPError, format_score
from shenjing.zero.players import Player

COMMANDS = ["protocol_version", "name", "version", "known_command", "list_commands",
            "boardsize", "clear_board", "komi", "play", "genmove", "undo", "showboard",
            "final_score", "quit", "final_status_list", "time_settings", "time_left",
            "kgs-genmove_cleanup", "loadsgf", "printsgf", "fixed_handicap",
            "place_free_handicap", "set_free_handicap"]


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
    assert e.handle("known_command kgs-genmove_cleanup") == "= true\n\n"
    assert e.handle("known_command frobnicate") == "= false\n\n"
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


# ---- the commands GTP programs use beyond the core: scoring, time, SGF, handicap ------

# finished: black owns columns A-D with a dead one-eyed white group (B7 C7 B6 B5 C5)
FINISHED = [".X.XO.O..", "XXXXO.O..", "XOOXO.O..", "XO.XOOOOO", "XOOXO.O..", "XXXXO.O..",
            ".X.XO.O..", "XXXXO.O..", ".X.XO.O.."]


def playout_engine(playouts=60, seed=0, size=9):
    from shenjing.zero.go_player import PlayoutGoPlayer
    return GTPEngine(Go(size, 7.5, max_moves=1000), PlayoutGoPlayer(playouts, seed=seed),
                     judge_playouts=200)


def position_file(tmp_path, rows, komi=7.5, to_play=1, moves=()):
    from shenjing.zero.sgf import write_sgf
    flat = Go(len(rows)).setup(rows).board.reshape(-1)
    path = tmp_path / "position.sgf"
    path.write_text(write_sgf(len(rows), komi, list(moves),
                              black=(flat == 1).nonzero()[0].tolist(),
                              white=(flat == -1).nonzero()[0].tolist(), to_play=to_play))
    return path


def test_final_score_and_status_lists_take_dead_stones_off(tmp_path):
    e = playout_engine()
    assert ok(e, f"loadsgf {position_file(tmp_path, FINISHED)}") == "black"
    assert ok(e, "final_status_list dead") == "B7 C7 B6 B5 C5"
    assert ok(e, "final_status_list seki") == ""
    alive = ok(e, "final_status_list alive").split("\n")
    assert len(alive) == 2 and "A8" in alive[0].split() and "E9" in alive[1].split()
    assert ok(e, "final_score") == "W+16.5"  # black 36, white 45, komi 7.5
    assert e.state.score() == -27.5  # Tromp-Taylor: every stone alive
    assert error(e, "final_status_list") == \
        "syntax error: expected final_status_list alive|dead|seki"
    assert error(e, "final_status_list dame").startswith("syntax error")


def test_time_settings_bound_the_search(tmp_path):
    e = playout_engine(playouts=100000)
    assert ok(e, "time_settings 0 1 1") == ""  # one move a second
    start = time.monotonic()
    ok(e, "genmove b")
    assert time.monotonic() - start < 0.75 + 0.5  # slack: the engine's own work, a busy CPU
    assert e.player.time_budget == pytest.approx(0.75)
    assert ok(e, "time_left w 2 1") == ""
    start = time.monotonic()
    ok(e, "genmove w")
    assert time.monotonic() - start < 1.55 + 0.5 and e.player.time_budget == pytest.approx(1.55)
    assert error(e, "time_settings 10 5").startswith("syntax error")
    assert error(e, "time_settings 1.5 0 0").startswith("syntax error")
    assert error(e, "time_left x 10 0") == "syntax error"
    assert error(e, "time_left b ten 0").startswith("syntax error")


def test_kgs_genmove_cleanup_takes_dead_stones_after_the_game(tmp_path):
    e = playout_engine()
    ok(e, f"loadsgf {position_file(tmp_path, FINISHED)}")
    ok(e, "play b pass")
    ok(e, "play w pass")
    assert error(e, "genmove b") == "illegal move: game over"
    assert ok(e, "kgs-genmove_cleanup b") == "C6"  # the dead group's last liberty
    assert not (e.state.board == -1)[2:5, 1:3].any()
    assert ok(e, "final_status_list dead") == ""
    assert ok(e, "final_score") == "W+16.5"  # the same count as before the cleanup


def test_loadsgf_and_printsgf(tmp_path):
    e = playout_engine()
    assert ok(e, "fixed_handicap 2") == "C3 G7"
    for move in ["w e5", "b d5", "w pass", "b c7"]:
        ok(e, f"play {move}")
    text = ok(e, "printsgf")
    assert text.startswith("\n(;FF[4]GM[1]") and "HA[2]" in text and "AB[gc][cg]" in text
    assert "PL[W]" in text and ";W[ee];B[de];W[];B[cc]" in text
    path = tmp_path / "game.sgf"
    assert ok(e, f"printsgf {path}") == "" and path.read_text().strip() == text.strip()
    board, to_play = e.state.board.copy(), e.state.to_play
    other = playout_engine(size=5)
    assert ok(other, f"loadsgf {path}") == "white"
    assert (other.state.board == board).all() and other.state.to_play == to_play
    assert other.game.size == 9 and other.handicap == 2
    assert len(other.history) == 4 and ok(other, "undo") == ""
    assert other.state.board[2, 2] == 0
    # move_number: the position before that move
    assert ok(other, f"loadsgf {path} 2") == "black" and other.state.board[4, 4] == -1
    assert other.state.board[4, 3] == 0
    ok(other, "play b d5")  # and the game goes on from there
    # a finished game's record says its result
    for move in ["w pass", "b pass"]:
        ok(other, f"play {move}")
    assert "RE[" in ok(other, "printsgf")
    # komi keeps the handicap stones and the moves
    ok(other, "komi 0.5")
    assert (other.state.board == e.state.board).any() and other.state.board[6, 2] == 1


def test_bad_sgf_files_are_refused_and_the_engine_goes_on(tmp_path):
    e = playout_engine()
    ok(e, "play b e5")
    bad = tmp_path / "bad.sgf"
    for text, words in [("(;GM[1]SZ[9];B[ee];W[zz])", "bad property W[zz] (node 3)"),
                        ("(;GM[1]SZ[9];B[ee];W[ee])", "bad property W[ee] (move 2): "
                                                       "illegal move: occupied"),
                        ("(;GM[1]SZ[9];B[ee];B[dd])", "bad property B[dd] (move 2): "
                                                       "white is to play"),
                        ("(;GM[1]SZ[40])", "bad property SZ[40]"),
                        ("not sgf", "expected '('")]:
        bad.write_text(text)
        assert words in error(e, f"loadsgf {bad}")
    assert error(e, f"loadsgf {tmp_path / 'missing.sgf'}").startswith("cannot load file")
    assert error(e, "loadsgf").startswith("syntax error")
    assert error(e, f"loadsgf {bad} x").startswith("syntax error")
    assert error(e, f"printsgf {tmp_path / 'no' / 'such' / 'dir.sgf'}").startswith(
        "cannot write file")
    assert e.state.board[4, 4] == 1 and ok(e, "play w d5") == ""  # unchanged, still up


def test_handicap_commands():
    e = playout_engine()
    assert ok(e, "fixed_handicap 5") == "C3 G7 C7 G3 E5"
    assert e.state.to_play == -1 and (e.state.board == 1).sum() == 5
    assert error(e, "fixed_handicap 2") == "board not empty"
    assert error(e, "place_free_handicap 2") == "board not empty"
    ok(e, "clear_board")
    assert error(e, "fixed_handicap 10") == "invalid number of stones"
    assert error(e, "fixed_handicap 1") == "invalid number of stones"
    assert error(e, "fixed_handicap two").startswith("syntax error")
    stones = ok(e, "place_free_handicap 11").split()
    assert len(set(stones)) == 11 and (e.state.board == 1).sum() == 11
    ok(e, "clear_board")
    assert ok(e, "set_free_handicap a1 J9 e5") == "" and e.handicap == 3
    assert e.state.to_play == -1 and e.state.board[8, 0] == 1 and e.state.board[0, 8] == 1
    ok(e, "clear_board")
    assert error(e, "set_free_handicap a1 a1") == "repeated vertex a1"
    assert error(e, "set_free_handicap a1") == "invalid number of stones"
    assert error(e, "set_free_handicap a1 z9") == "syntax error: bad vertex z9"
    assert error(e, "set_free_handicap a1 pass").startswith("syntax error")
    assert not e.state.board.any() and e.handicap == 0
    small = playout_engine(size=5)
    assert error(small, "fixed_handicap 2") == "invalid number of stones"
    assert len(ok(small, "place_free_handicap 3").split()) == 3


def test_malformed_input_gets_an_answer_and_the_engine_stays_up():
    e = playout_engine()
    commands = io.StringIO("1 boardsize\n2 play\n3 play b\n4 play b zz99\n5 genmove\n"
                           "6 komi x\n7 time_left\n8 kgs-genmove_cleanup q\n9 undo\n"
                           "10 fixed_handicap -3\n\x00\x01 11 name\n99999999999999999999\n"
                           "12 play b c3\n13 showboard\n14 quit\n")
    out = io.StringIO()
    e.run(commands, out)
    answers = [a for a in out.getvalue().split("\n\n") if a]
    assert [a.split(" ", 1)[0][:3] for a in answers] == [
        "?1", "?2", "?3", "?4", "?5", "?6", "?7", "?8", "?9", "?10", "=11", "?99", "=12",
        "=13", "=14"]
    assert "X" in answers[-2]

    class Broken(Player):
        def select(self, state):
            raise RuntimeError("boom")

    broken = GTPEngine(Go(5), Broken())
    assert error(broken, "genmove b") == "internal error in genmove: boom"
    assert ok(broken, "play b c3") == ""


# ---- a match against GNU Go relayed over GTP, the way a referee plays it ---------------

def play_match(games, playouts, size=9):
    """Play ``games`` games of ``shenjing zero gtp --player playout:N`` (a subprocess)
    against GNU Go level 1 (Chinese rules, dead stones left on the board when it
    passes), colours alternating, every move relayed to the other side: the list of
    (our final_score, GNU Go's final_score, the moves)."""
    argv = [sys.executable, "-m", "shenjing", "zero", "gtp", "--size", str(size),
            "--player", f"playout:{playouts}", "--seed", "7"]
    results = []
    with GTPClient(argv, timeout=120) as ours:
        for game in range(games):
            gnugo = GTPClient([gnugo_path(), "--mode", "gtp", "--chinese-rules",
                               "--positional-superko", "--never-resign", "--level", "1",
                               "--seed", str(game + 1)])
            try:
                for client in (ours, gnugo):
                    for command in (f"boardsize {size}", "clear_board", "komi 7.5"):
                        client.send(command)
                players = {"b": ours, "w": gnugo} if game % 2 == 0 else \
                    {"b": gnugo, "w": ours}
                color, moves = "b", []
                while moves[-2:] != ["pass", "pass"]:
                    assert len(moves) < 400, moves
                    mover, other = players[color], players["w" if color == "b" else "b"]
                    move = mover.send(f"genmove {color}")
                    other.send(f"play {color} {move}")  # raises if it is refused
                    moves.append(move.lower())
                    color = "w" if color == "b" else "b"
                results.append((ours.send("final_score"), gnugo.send("final_score"), moves))
            finally:
                gnugo.close()
    return results


@needs_gnugo
def test_two_games_against_gnugo_agree_on_the_score():
    results = play_match(2, playouts=16)
    for ours, theirs, moves in results:
        assert ours == theirs, (ours, theirs, moves)


@needs_gnugo
@pytest.mark.strength
def test_twenty_games_against_gnugo_agree_on_the_score():
    results = play_match(20, playouts=300)
    agree = sum(ours == theirs for ours, theirs, _ in results)
    print(f"final_score agreed in {agree} of 20 games; ours: "
          f"{[ours for ours, _, _ in results]}")
    assert agree >= 19, [(ours, theirs) for ours, theirs, _ in results]


@needs_gnugo
@pytest.mark.strength
def test_gnugo_games_with_dead_stones_left_are_counted_alike():
    # GNU Go against itself without --capture-all-dead: it passes with dead stones on the
    # board, of both colours; our engine, told the moves, must count what GNU Go counts
    agree, dead_left = 0, 0
    for game in range(20):
        ours = GTPEngine(Go(9, 7.5, max_moves=1000), RandomGoPlayer(game))
        gnugo = GTPClient([gnugo_path(), "--mode", "gtp", "--chinese-rules",
                           "--positional-superko", "--never-resign", "--level", "1",
                           "--seed", str(200 + game)])
        try:
            for command in ("boardsize 9", "clear_board", "komi 7.5"):
                gnugo.send(command)
                ok(ours, command)
            color, moves = "b", []
            while moves[-2:] != ["pass", "pass"]:
                move = gnugo.send(f"genmove {color}")
                assert ok(ours, f"play {color} {move}") == ""
                moves.append(move.lower())
                color = "w" if color == "b" else "b"
            dead_left += bool(gnugo.send("final_status_list dead"))
            agree += ok(ours, "final_score") == gnugo.send("final_score")
        finally:
            gnugo.close()
    print(f"GNU Go self-play: {dead_left} of 20 games ended with dead stones on the board; "
          f"final_score agreed in {agree}")
    assert dead_left >= 2 and agree >= 19
