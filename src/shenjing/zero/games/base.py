"""The interface every game of ``shenjing.zero`` implements.

A ``Game`` is the fixed description of a game (board size, number of moves, how a move is
written) and a factory of positions; a ``State`` is one position, immutable: ``play``
returns a new state. Players are ``+1`` (who moves first: X, red, black) and ``-1``.

Moves are integers ``0 .. action_size - 1``; on a board they are ``row * cols + col``,
and a game may add moves after the board cells (Go's pass is ``rows * cols``).

The network sees a position through ``State.planes()``: a float32 array
``(num_planes, rows, cols)`` drawn from the view of the player to move, so that one
network plays both sides.
"""

import numpy


class IllegalMove(ValueError):
    """A move the rules refuse. ``reason`` is a short phrase: ``'occupied'``,
    ``'out of board'``, ``'column full'``, ``'suicide'``, ``'ko'``, ``'game over'``, ..."""

    def __init__(self, move, reason):
        super().__init__(f"illegal move {move}: {reason}")
        self.move = move
        self.reason = reason


class Game:
    """The rules of one game; subclasses set the attributes and implement the methods.

    Attributes: ``name`` (registry name, e.g. ``'connect4'``), ``rows``, ``cols``,
    ``action_size`` (number of distinct moves), ``num_planes`` (network input channels).
    """

    name = "game"
    rows = cols = action_size = num_planes = 0

    def initial_state(self):
        """The starting position (player ``+1`` to move)."""
        raise NotImplementedError

    def config(self):
        """A JSON-able dict that ``games.make_game(**config)`` turns back into this game:
        ``{"name": "gomoku", "size": 6, "k": 4}``. Checkpoints store it."""
        return {"name": self.name}

    def symmetries(self, planes, policy):
        """The board's symmetries applied to a training example.

        ``planes`` (num_planes, rows, cols) and ``policy`` (action_size,) -> a list of
        ``(planes, policy)`` pairs, the identity first. The default uses the eight
        rotations and reflections of a square board, or the two left-right mirrors of a
        rectangular one; moves after the board cells (a pass) stay where they are.
        """
        return board_symmetries(planes, policy, self.rows, self.cols)

    def format_move(self, action):
        """The move as text: ``'b3'`` (column letter, row number from the bottom)."""
        if not 0 <= action < self.rows * self.cols:
            raise IllegalMove(action, "out of board")
        row, col = divmod(int(action), self.cols)
        return f"{_COLUMNS[col]}{self.rows - row}"

    def parse_move(self, text):
        """The move written as ``format_move`` writes it (or as a plain integer index)."""
        text = text.strip().lower()
        if text.isdigit():
            action = int(text)
            if not 0 <= action < self.action_size:
                raise IllegalMove(text, "out of board")
            return action
        if len(text) >= 2 and text[0] in _COLUMNS and text[1:].isdigit():
            col, row = _COLUMNS.index(text[0]), self.rows - int(text[1:])
            if 0 <= row < self.rows and 0 <= col < self.cols:
                return row * self.cols + col
        raise IllegalMove(text, "out of board")

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return isinstance(other, Game) and self.config() == other.config()

    def __hash__(self):
        return hash(tuple(sorted(self.config().items())))


class State:
    """One position. Subclasses hold the board and implement these methods.

    Attributes: ``game`` (the Game), ``to_play`` (+1 or -1), ``last_move`` (the action
    that led here, or None at the start).
    """

    game = None
    to_play = 1
    last_move = None

    def legal_mask(self):
        """Boolean array (action_size,): True where the move is legal; all False when the
        game is over."""
        raise NotImplementedError

    def legal_moves(self):
        """The legal moves as an int array, ascending."""
        return numpy.flatnonzero(self.legal_mask())

    def play(self, action):
        """The position after ``action`` by the player to move; raises ``IllegalMove``
        naming the reason when the rules refuse it."""
        raise NotImplementedError

    def is_terminal(self):
        """True when the game is over."""
        raise NotImplementedError

    def winner(self):
        """+1 or -1 for the winning player, 0 for a draw; None while the game goes on."""
        raise NotImplementedError

    def planes(self):
        """float32 (num_planes, rows, cols): the position from the view of ``to_play``."""
        raise NotImplementedError

    def render(self):
        """The board as text with coordinates, for a terminal."""
        raise NotImplementedError

    def __str__(self):
        return self.render()


_COLUMNS = "abcdefghjklmnopqrstuvwxyz"  # Go's convention: no 'i'


def board_symmetries(planes, policy, rows, cols):
    """The symmetries of a training example on a rows x cols board (see Game.symmetries)."""
    cells = rows * cols
    board_pi, extra_pi = policy[:cells].reshape(rows, cols), policy[cells:]
    out = []
    flips = (False, True)
    turns = range(4) if rows == cols else (0,)
    for k in turns:
        for flip in flips:
            p, q = numpy.rot90(planes, k, axes=(1, 2)), numpy.rot90(board_pi, k)
            if flip:
                p, q = p[:, :, ::-1], q[:, ::-1]
            out.append((numpy.ascontiguousarray(p),
                        numpy.concatenate([q.reshape(-1), extra_pi])))
    return out


def perft(state, depth):
    """The number of legal move sequences of length ``depth`` from ``state`` (none goes on
    past a finished game): the usual check of a move generator against known counts."""
    if state.is_terminal():
        return 0
    moves = state.legal_moves()
    if depth == 1:
        return len(moves)
    return sum(perft(state.play(a), depth - 1) for a in moves)
