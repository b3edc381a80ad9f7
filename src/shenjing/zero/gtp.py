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
enough for the controller's games; moves after the game ended are refused ('game over').
"""

import re
import subprocess

from .games.base import IllegalMove
from .games.go import Go, RandomGoPlayer

__all__ = ["GTPEngine", "GTPClient", "GTPError", "RandomGoPlayer"]

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

    def __init__(self, game, player, name="shenjing", version="0.1"):
        self.game, self.player, self.name, self.version = game, player, name, str(version)
        self.state = game.initial_state()
        self.history = []  # the states before each move, for undo
        self.finished = False
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

    def _new_game(self, game):
        self.game = game
        self.state = game.initial_state()
        self.history = []
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
        moves = [s.last_move for s in (self.history + [self.state])[1:]]
        self.game, self.state, self.history = game, game.initial_state(), []
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

    def _genmove(self, args):
        if len(args) != 1:
            raise GTPError("syntax error")
        color = self._color(args[0])
        if color != self.state.to_play:
            raise GTPError(f"illegal move: {_COLOR_NAMES[self.state.to_play]} is to play")
        if self.state.is_terminal():
            raise GTPError("illegal move: game over")
        action = int(self.player.select(self.state))
        self._move(action)
        return self.game.format_move(action)

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

    def _final_score(self, args):
        return format_score(self.state.score())

    def _quit(self, args):
        self.finished = True
        return ""


def format_score(score):
    """GTP's result text for black's score minus white's: ``'B+3.5'``, ``'W+7.5'``, ``'0'``."""
    if score == 0:
        return "0"
    return f"{'B' if score > 0 else 'W'}+{abs(score):.1f}"


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
