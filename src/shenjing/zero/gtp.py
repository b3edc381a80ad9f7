"""The Go Text Protocol, version 2: our engine, and a client for an external engine.

``GTPEngine`` answers GTP commands for a ``Player`` on a Go game, so that a GTP
controller (GoGui, a tournament script, GNU Go through ``GTPClient``) can play it:

    GTPEngine(Go(9), RandomGoPlayer(0)).run(sys.stdin, sys.stdout)

``GTPClient`` starts a GTP program as a subprocess and sends it commands:

    with GTPClient(["gnugo", "--mode", "gtp"]) as gnugo:
        gnugo.send("boardsize 9")
        move = gnugo.send("genmove b")

The game does not end by itself in GTP: a controller may go on after two passes. Our
engine's game follows its rules, so a ``Go`` for GTP should set a ``max_moves`` large
enough for the controller's games; moves after the game ended are refused ('game over'),
except ``kgs-genmove_cleanup``, which goes on from the final position (as KGS does when
the players disagree about dead stones; superko then counts from there).

Beyond the core commands the engine answers what GTP programs use: ``final_score`` and
``final_status_list alive|dead|seki`` with dead stones judged by play-outs
(``go_scoring.judge``), ``time_settings`` / ``time_left`` (a ``time_control.Clock``
bounds the thinking time of players that have a ``time_budget``, such as
``go_player.PlayoutGoPlayer``), ``kgs-genmove_cleanup``, ``loadsgf`` / ``printsgf``
(``sgf``), ``fixed_handicap`` / ``place_free_handicap`` / ``set_free_handicap`` and
``showboard``. A malformed line, an unknown command or an illegal move is answered
``? reason`` and the engine goes on.
"""

import re
import subprocess
import time

from .games.base import IllegalMove
from .games.go import Go, RandomGoPlayer
from .go_scoring import format_score, judge
from .sgf import SGFError, format_point, read_sgf, write_sgf
from .time_control import Clock

__all__ = ["GTPEngine", "GTPClient", "GTPError", "RandomGoPlayer", "format_score",
           "fixed_handicap_points"]

_COLORS = {"b": 1, "black": 1, "w": -1, "white": -1}
_COLOR_NAMES = {1: "black", -1: "white"}


class GTPError(Exception):
    """A '?' answer from a GTP engine, or a command our engine refuses; the message is
    the error text (``'illegal move: occupied'``)."""


class GTPEngine:
    """A GTP engine: ``player`` (see ``zero.players``) plays ``game`` (a ``Go``).

    ``handle(line)`` answers one line, ``run(input, output)`` answers lines until ``quit``
    or the end of input. Both ``play`` and ``genmove`` tell the player the move
    (``player.observe``); ``clear_board``, ``boardsize`` and ``undo`` start it afresh
    (``player.reset``).
    """

    def __init__(self, game, player, name="shenjing", version="0.1", judge_playouts=400):
        self.game, self.player, self.name, self.version = game, player, name, str(version)
        self.state = game.initial_state()
        self.history = []  # the states before each move, for undo
        self.finished = False
        self.handicap = 0
        self.judge_playouts = judge_playouts
        self.clock = Clock()
        self._judged = (None, None)  # (state, its go_scoring.Judgement)
        self.commands = {
            "protocol_version": lambda args: "2",
            "name": lambda args: self.name,
            "version": lambda args: self.version,
            "known_command": self._known_command,
            "list_commands": lambda args: "\n".join(self.commands),
            "boardsize": self._boardsize,
            "clear_board": self._clear_board,
            "komi": self._komi,
            "play": self._play,
            "genmove": self._genmove,
            "undo": self._undo,
            "showboard": lambda args: "\n" + self.state.render(),
            "final_score": self._final_score,
            "quit": self._quit,
            "final_status_list": self._final_status_list,
            "time_settings": self._time_settings,
            "time_left": self._time_left,
            "kgs-genmove_cleanup": self._genmove_cleanup,
            "loadsgf": self._loadsgf,
            "printsgf": self._printsgf,
            "fixed_handicap": self._fixed_handicap,
            "place_free_handicap": self._place_free_handicap,
            "set_free_handicap": self._set_free_handicap,
        }

    def handle(self, line):
        """The response to one line of input: ``'=[id] text\\n\\n'`` or
        ``'?[id] error\\n\\n'``; ``''`` for an empty or comment-only line."""
        line = "".join(c for c in line if c in "\t\n" or 32 <= ord(c) != 127)
        words = line.split("#", 1)[0].replace("\t", " ").split()
        if not words:
            return ""
        command_id = ""
        if words[0].isdigit():
            command_id, words = words[0], words[1:]
            if not words:
                return f"?{command_id} missing command\n\n"
        command, args = words[0].lower(), words[1:]
        handler = self.commands.get(command)
        try:
            if handler is None:
                raise GTPError("unknown command")
            text = handler(args)
        except GTPError as error:
            return f"?{command_id} {error}\n\n"
        except Exception as error:  # a bug must not take the engine down mid-game
            return f"?{command_id} internal error in {command}: {error}\n\n"
        return f"={command_id} {text}\n\n"

    def run(self, input_stream, output_stream):
        """Answer the lines of ``input_stream`` on ``output_stream`` until ``quit``."""
        for line in input_stream:
            response = self.handle(line)
            if response:
                output_stream.write(response)
                output_stream.flush()
            if self.finished:
                break

    def _known_command(self, args):
        return "true" if args and args[0].lower() in self.commands else "false"

    def _new_game(self, game, state=None, handicap=0):
        self.game = game
        self.state = game.initial_state() if state is None else state
        self.history = []
        self.handicap = handicap
        self.player.reset()
        return ""

    def _boardsize(self, args):
        size = _one_int(args)
        if not 2 <= size <= 25:
            raise GTPError("unacceptable size")
        settings = {k: v for k, v in self.game.config().items() if k != "name"}
        return self._new_game(Go(**{**settings, "size": size}))

    def _clear_board(self, args):
        return self._new_game(self.game)

    def _komi(self, args):
        try:
            komi = float(args[0])
        except (IndexError, ValueError):
            raise GTPError("syntax error") from None
        settings = {k: v for k, v in self.game.config().items() if k != "name"}
        # a komi change keeps the position: rebuild the states on the new game
        game = Go(**{**settings, "komi": komi})
        first = (self.history + [self.state])[0]
        moves = [s.last_move for s in (self.history + [self.state])[1:]]
        start = game.setup(first.board, first.to_play) if first.board.any() else None
        self.game, self.history = game, []
        self.state = game.initial_state() if start is None else start
        for move in moves:
            self.history.append(self.state)
            self.state = self.state.play(move)
        return ""

    def _color(self, word):
        color = _COLORS.get(word.lower())
        if color is None:
            raise GTPError("syntax error")
        return color

    def _play(self, args):
        if len(args) != 2:
            raise GTPError("syntax error")
        color = self._color(args[0])
        try:
            action = self.game.parse_move(args[1])
        except IllegalMove:
            raise GTPError("illegal move: out of board") from None
        if color != self.state.to_play:
            raise GTPError(f"illegal move: {_COLOR_NAMES[self.state.to_play]} is to play")
        self._move(action)
        return ""

    def _genmove(self, args, cleanup=False):
        if len(args) != 1:
            raise GTPError("syntax error")
        color = self._color(args[0])
        if cleanup and self.state.is_terminal():  # go on from the final position
            self.history.append(self.state)
            self.state = self.game.setup(self.state.board, self.state.to_play)
        if color != self.state.to_play:
            raise GTPError(f"illegal move: {_COLOR_NAMES[self.state.to_play]} is to play")
        if self.state.is_terminal():
            raise GTPError("illegal move: game over")
        if hasattr(self.player, "time_budget"):
            empty = int((self.state.board == 0).sum())
            self.player.time_budget = self.clock.budget(color, empty)
        if hasattr(self.player, "cleanup"):
            self.player.cleanup = cleanup
        start = time.monotonic()
        try:
            action = int(self.player.select(self.state))
        finally:
            if hasattr(self.player, "cleanup"):
                self.player.cleanup = False
        self.clock.used(color, time.monotonic() - start)
        self._move(action)
        return self.game.format_move(action)

    def _genmove_cleanup(self, args):
        return self._genmove(args, cleanup=True)

    def _move(self, action):
        try:
            state = self.state.play(action)
        except IllegalMove as error:
            raise GTPError(f"illegal move: {error.reason}") from None
        self.history.append(self.state)
        self.state = state
        self.player.observe(action)

    def _undo(self, args):
        if not self.history:
            raise GTPError("cannot undo")
        self.state = self.history.pop()
        self.player.reset()
        return ""

    def judgement(self):
        """The ``go_scoring.Judgement`` of the current position (kept until it changes)."""
        if self._judged[0] is not self.state:
            self._judged = (self.state, judge(self.state, self.judge_playouts, seed=0))
        return self._judged[1]

    def _final_score(self, args):
        return format_score(self.judgement().score)

    def _final_status_list(self, args):
        if len(args) != 1 or args[0].lower() not in ("alive", "dead", "seki"):
            raise GTPError("syntax error: expected final_status_list alive|dead|seki")
        groups = self.judgement().stones(args[0].lower())
        return "\n".join(" ".join(self.game.format_move(p) for p in stones)
                         for stones in groups)

    def _time_settings(self, args):
        if len(args) != 3 or not all(re.fullmatch(r"\d+", a) for a in args):
            raise GTPError("syntax error: expected time_settings main_time byo_yomi_time "
                           "byo_yomi_stones (whole numbers)")
        self.clock.settings(*(int(a) for a in args))
        return ""

    def _time_left(self, args):
        if len(args) != 3 or not all(re.fullmatch(r"\d+", a) for a in args[1:]):
            raise GTPError("syntax error: expected time_left color time stones")
        self.clock.time_left(self._color(args[0]), int(args[1]), int(args[2]))
        return ""

    # ------------------------------------------------------------ SGF files

    def _loadsgf(self, args):
        if not 1 <= len(args) <= 2 or (len(args) == 2 and not args[1].isdigit()):
            raise GTPError("syntax error: expected loadsgf filename [move_number]")
        try:
            with open(args[0], encoding="utf-8", errors="replace") as f:
                record = read_sgf(f.read())
        except OSError as error:
            raise GTPError(f"cannot load file: {error.strerror}") from None
        except SGFError as error:
            raise GTPError(f"cannot load file: {error}") from None
        limit = int(args[1]) - 1 if len(args) == 2 else len(record.moves)
        settings = {k: v for k, v in self.game.config().items() if k != "name"}
        settings["size"] = record.size
        if record.komi is not None:
            settings["komi"] = record.komi
        game = Go(**settings)
        board = [[0] * record.size for _ in range(record.size)]
        for stones, color in ((record.black, 1), (record.white, -1)):
            for p in stones:
                board[p // record.size][p % record.size] = color
        to_play = record.to_play
        if to_play is None:
            to_play = record.moves[0][0] if record.moves else (
                -1 if record.handicap >= 2 and record.black and not record.white else 1)
        try:
            state = game.setup(board, to_play)
        except ValueError as error:
            raise GTPError(f"cannot load file: SGF: bad property AB/AW: {error}") from None
        states = []
        for number, (color, action) in enumerate(record.moves[:max(limit, 0)], start=1):
            name = f"{'B' if color == 1 else 'W'}[{format_point(action, record.size)}]"
            if color != state.to_play:
                raise GTPError(f"cannot load file: SGF: bad property {name} (move {number}): "
                               f"{_COLOR_NAMES[state.to_play]} is to play")
            try:
                after = state.play(action)
            except IllegalMove as error:
                raise GTPError(f"cannot load file: SGF: bad property {name} (move {number}):"
                               f" illegal move: {error.reason}") from None
            states.append(state)
            state = after
        handicap = record.handicap if record.handicap >= 2 else 0
        self._new_game(game, states[0] if states else state, handicap)
        self.history, self.state = states, state
        for s in states[1:] + [state]:
            self.player.observe(s.last_move)
        return _COLOR_NAMES[state.to_play]

    def record(self):
        """The SGF FF[4] text of the game so far (setup stones, moves, result when over)."""
        states = self.history + [self.state]
        first, size = states[0], self.game.size
        flat = first.board.reshape(-1)
        moves = [(-after.to_play, after.last_move) for after in states[1:]
                 if after.last_move is not None]
        info = {"AP": f"{self.name}:{self.version}", "RU": "Chinese"}
        if self.state.is_terminal():
            score = self.judgement().score
            info["RE"] = "Draw" if score == 0 else format_score(score)
        return write_sgf(size, self.game.komi, moves, black=(flat == 1).nonzero()[0].tolist(),
                         white=(flat == -1).nonzero()[0].tolist(), to_play=first.to_play,
                         handicap=self.handicap, info=info)

    def _printsgf(self, args):
        if len(args) > 1:
            raise GTPError("syntax error: expected printsgf [filename]")
        text = self.record()
        if not args:
            return "\n" + text.rstrip("\n")
        from ..io.atomic import atomic_open
        try:
            with atomic_open(args[0], "w") as f:
                f.write(text)
        except OSError as error:
            raise GTPError(f"cannot write file: {error}") from None
        return ""

    # ------------------------------------------------------------ handicap

    def _handicap_count(self, args):
        if len(args) != 1 or not args[0].isdigit():
            raise GTPError("syntax error: expected a number of stones")
        if self.history or self.state.board.any():
            raise GTPError("board not empty")
        return int(args[0])

    def _place_handicap(self, points):
        size = self.game.size
        board = [[0] * size for _ in range(size)]
        for p in points:
            board[p // size][p % size] = 1
        self._new_game(self.game, self.game.setup(board, to_play=-1), len(points))
        return " ".join(self.game.format_move(p) for p in points)

    def _fixed_handicap(self, args):
        count = self._handicap_count(args)
        points = fixed_handicap_points(self.game.size, count)
        if points is None:
            raise GTPError("invalid number of stones")
        return self._place_handicap(points)

    def _place_free_handicap(self, args):
        count = self._handicap_count(args)
        size = self.game.size
        if not 2 <= count < size * size:
            raise GTPError("invalid number of stones")
        points = free_handicap_points(size, count)
        return self._place_handicap(points)

    def _set_free_handicap(self, args):
        if self.history or self.state.board.any():
            raise GTPError("board not empty")
        size = self.game.size
        if not 2 <= len(args) < size * size:
            raise GTPError("invalid number of stones")
        points = []
        for word in args:
            try:
                p = self.game.parse_move(word)
            except IllegalMove:
                raise GTPError(f"syntax error: bad vertex {word}") from None
            if p == self.game.pass_move:
                raise GTPError("syntax error: a handicap stone cannot be a pass")
            if p in points:
                raise GTPError(f"repeated vertex {word}")
            points.append(p)
        self._place_handicap(points)
        return ""

    def _quit(self, args):
        self.finished = True
        return ""


def fixed_handicap_points(size, count):
    """GTP's fixed handicap placement: the actions of ``count`` stones on a ``size`` board
    (star points on the third line, the fourth from 12x12 on, as GNU Go places them), or
    None when GTP fixes no placement for that count (2 to 9 on odd boards from 9x9, 2 to
    4 on even ones and 7x7, none below 7x7)."""
    if size < 7 or count < 2 or count > (4 if size % 2 == 0 or size == 7 else 9):
        return None
    edge = 3 if size <= 11 else 4
    lo, hi, mid = edge - 1, size - edge, size // 2  # 0-based columns / rows from the top
    corner = [(hi, lo), (lo, hi), (lo, lo), (hi, hi)]  # D4 Q16 D16 Q4 (row 0 on top)
    sides = [(mid, lo), (mid, hi)]  # D10 Q10
    middle = [(hi, mid), (lo, mid)]  # K4 K16
    order = {2: corner[:2], 3: corner[:3], 4: corner, 5: corner + [(mid, mid)],
             6: corner + sides, 7: corner + sides + [(mid, mid)],
             8: corner + sides + middle, 9: corner + sides + middle + [(mid, mid)]}
    return [r * size + c for r, c in order[count]]


def free_handicap_points(size, count):
    """``count`` handicap stones chosen by the engine: the fixed placement where GTP has
    one, else those stones and then, one at a time, the point farthest from every stone
    placed so far (and from the edge), so that they spread."""
    points = []
    for k in range(count, 1, -1):  # the largest fixed placement that fits
        points = fixed_handicap_points(size, k)
        if points:
            break
    points = list(points or [])
    while len(points) < count:
        def spread(p):
            r, c = divmod(p, size)
            edge = min(r, c, size - 1 - r, size - 1 - c) + 1
            return min([abs(r - q // size) + abs(c - q % size) for q in points] + [2 * edge])
        free = [p for p in range(size * size) if p not in points]
        points.append(max(free, key=spread))
    return points[:count]


def _one_int(args):
    if len(args) != 1 or not re.fullmatch(r"[+-]?\d+", args[0]):
        raise GTPError("syntax error")
    return int(args[0])


class GTPClient:
    """An external GTP engine run as a subprocess: ``GTPClient(["gnugo", "--mode",
    "gtp"])``. ``send(command)`` returns the answer's text (without '=' and id) and raises
    ``GTPError`` on a '?' answer; ``close()`` sends ``quit`` and waits for the program."""

    def __init__(self, command_argv, timeout=60):
        self.argv, self.timeout = list(command_argv), timeout
        self.process = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True, bufsize=1)
        self._next_id = 1

    def send(self, command):
        """Send one command and return the text of its answer (lines joined by '\\n')."""
        command_id, self._next_id = self._next_id, self._next_id + 1
        self.process.stdin.write(f"{command_id} {command}\n")
        self.process.stdin.flush()
        lines = []
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise GTPError(f"{self.argv[0]} closed its output after {command!r}")
            line = line.rstrip("\r\n")
            if not lines and not line:  # blank lines before an answer
                continue
            if lines and not line:
                break
            lines.append(line)
        head = re.match(r"([=?])(\d*)\s?(.*)", lines[0])
        if head is None or head.group(2) != str(command_id):
            raise GTPError(f"{self.argv[0]}: unexpected answer {lines[0]!r} to {command!r}")
        text = "\n".join([head.group(3)] + lines[1:]).strip()
        if head.group(1) == "?":
            raise GTPError(f"{command!r}: {text}")
        return text

    def close(self):
        """Send ``quit`` and wait for the program to end (kill it if it does not)."""
        if self.process.poll() is None:
            try:
                self.send("quit")
            except (GTPError, OSError):
                pass
            try:
                self.process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main(argv=None):
    """``python -m shenjing.zero.gtp [--size 9] [--komi 7.5] [--seed 0]``: a GTP engine on
    standard input and output that plays ``RandomGoPlayer`` (for GoGui, or a test)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--size", type=int, default=9)
    parser.add_argument("--komi", type=float, default=7.5)
    parser.add_argument("--max-moves", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    game = Go(args.size, args.komi, max_moves=args.max_moves)
    GTPEngine(game, RandomGoPlayer(args.seed), name="shenjing-random").run(sys.stdin,
                                                                             sys.stdout)


if __name__ == "__main__":
    main()
