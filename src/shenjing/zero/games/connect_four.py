"""Connect Four: discs drop down columns; four in a row (any direction) wins.

Positions are bitboards (Python ints) in the classic layout: column ``c`` owns bits
``c * (rows + 1) .. c * (rows + 1) + rows - 1`` from the bottom up, and one empty
sentinel bit above them, so that shifting a line never wraps from one column into the
next. A move is a column, ``0 .. cols - 1``.
"""

import string

import numpy

from .base import Game, IllegalMove, State


class ConnectFour(Game):
    """Connect Four on a ``rows`` x ``cols`` board (6 x 7 by default).

    ``action_size = cols``; planes (3, rows, cols): the mover's discs, the opponent's
    discs, and a plane of ones when player +1 is to move. Row 0 of a plane is the top.
    """

    name = "connect4"
    num_planes = 3

    def __init__(self, rows=6, cols=7):
        if rows < 1 or cols < 1:
            raise ValueError(f"ConnectFour: rows and cols must be >= 1, got {rows}x{cols}")
        self.rows, self.cols = int(rows), int(cols)
        self.action_size = self.cols
        height = self.rows + 1
        self._bottom = tuple(1 << (c * height) for c in range(self.cols))
        self._top = tuple(1 << (c * height + self.rows - 1) for c in range(self.cols))
        self._top_all = sum(self._top)
        self._full = sum(((1 << self.rows) - 1) << (c * height) for c in range(self.cols))
        self._shifts = (1, height, height - 1, height + 1)  # vertical, horizontal, diagonals
        self._nbytes = (self.cols * height + 7) // 8
        # bit index of each cell, (rows, cols) with row 0 at the top
        self._cell_bits = (numpy.arange(self.cols) * height
                           + numpy.arange(self.rows - 1, -1, -1)[:, None])
        self._masks = {}  # full-column pattern -> legal mask (bool (cols,))

    def config(self):
        return {"name": self.name, "rows": self.rows, "cols": self.cols}

    def initial_state(self):
        return ConnectFourState(self, 0, 0, 1, None, None)

    def symmetries(self, planes, policy):
        """The identity and the left-right mirror of ``planes`` (num_planes, rows, cols)
        and ``policy`` (cols,)."""
        return [(planes, policy),
                (numpy.ascontiguousarray(planes[:, :, ::-1]),
                 numpy.ascontiguousarray(policy[::-1]))]

    def format_move(self, action):
        """The column as text, numbered from 1: ``'4'`` for action 3."""
        if not 0 <= action < self.cols:
            raise IllegalMove(action, "out of board")
        return str(int(action) + 1)

    def parse_move(self, text):
        """A column written ``'1'`` .. ``'7'`` or ``'a'`` .. ``'g'`` -> the action 0 .. 6."""
        text = text.strip().lower()
        if text.isdigit():
            col = int(text) - 1
        elif len(text) == 1 and text in string.ascii_lowercase:
            col = string.ascii_lowercase.index(text)
        else:
            col = -1
        if not 0 <= col < self.cols:
            raise IllegalMove(text, "out of board")
        return col

    def _won(self, bits):
        """True when ``bits`` (one player's discs) hold four in a row."""
        for s in self._shifts:
            pairs = bits & (bits >> s)
            if pairs & (pairs >> (2 * s)):
                return True
        return False

    def _grid(self, bits):
        """The bitboard as bool (rows, cols), row 0 at the top."""
        raw = numpy.frombuffer(bits.to_bytes(self._nbytes, "little"), numpy.uint8)
        return numpy.unpackbits(raw, bitorder="little")[self._cell_bits].view(bool)

    def _legal(self, mask):
        """The cached legal mask for the discs ``mask``: bool (cols,)."""
        full = mask & self._top_all
        legal = self._masks.get(full)
        if legal is None:
            legal = numpy.array([not full & t for t in self._top], bool)
            self._masks[full] = legal
        return legal


class ConnectFourState(State):
    """A Connect Four position: ``own`` (the mover's discs) and ``mask`` (all discs) as
    bitboards; ``board`` (int8 (rows, cols), +1/-1/0, row 0 at the top) is built on
    first use."""

    __slots__ = ("game", "own", "mask", "to_play", "last_move", "_winner", "_board")

    def __init__(self, game, own, mask, to_play, last_move, winner):
        self.game, self.own, self.mask = game, own, mask
        self.to_play, self.last_move, self._winner = to_play, last_move, winner
        self._board = None

    def legal_mask(self):
        if self._winner is not None:
            return numpy.zeros(self.game.cols, bool)
        return self.game._legal(self.mask).copy()

    def play(self, action):
        game = self.game
        if self._winner is not None:
            raise IllegalMove(action, "game over")
        if not 0 <= action < game.cols:
            raise IllegalMove(action, "out of board")
        action = int(action)
        mask = self.mask
        if mask & game._top[action]:
            raise IllegalMove(action, "column full")
        new_mask = mask | (mask + game._bottom[action])  # the carry lands on the lowest hole
        mover = self.own | (new_mask ^ mask)
        if game._won(mover):
            winner = self.to_play
        elif new_mask == game._full:
            winner = 0
        else:
            winner = None
        return ConnectFourState(game, mover ^ new_mask, new_mask, -self.to_play, action, winner)

    def is_terminal(self):
        return self._winner is not None

    def winner(self):
        return self._winner

    @property
    def board(self):
        """int8 (rows, cols): +1 / -1 for the players' discs, 0 empty, row 0 at the top."""
        if self._board is None:
            own = self.game._grid(self.own)
            other = self.game._grid(self.own ^ self.mask)
            board = own.astype(numpy.int8) - other.astype(numpy.int8)
            self._board = board if self.to_play == 1 else -board
        return self._board

    def planes(self):
        own = self.game._grid(self.own)
        other = self.game._grid(self.own ^ self.mask)
        turn = numpy.full(own.shape, self.to_play == 1)
        return numpy.stack([own, other, turn]).astype(numpy.float32)

    def render(self):
        marks = {1: "X", -1: "O", 0: "."}
        lines = [" ".join(marks[int(v)] for v in row) for row in self.board]
        return "\n".join(lines + [" ".join(str(c + 1) for c in range(self.game.cols))])

    def __repr__(self):
        return f"ConnectFourState(to_play={self.to_play}, board={self.board.tolist()})"
