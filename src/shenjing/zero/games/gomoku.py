"""Free-style Gomoku: on a ``size`` x ``size`` board, ``k`` or more stones in a row
(across, down or along either diagonal) wins; overlines count. A full board with no
line is a draw."""

import numpy

from .base import _COLUMNS, Game, IllegalMove, State


class Gomoku(Game):
    """Gomoku on a ``size`` x ``size`` board, ``k`` in a row. Moves are the cells row by
    row (``action_size = size * size``); planes (3, size, size): the mover's stones, the
    opponent's stones, and a plane of ones when player +1 is to move."""

    name = "gomoku"
    num_planes = 3

    def __init__(self, size=15, k=5):
        if not 1 <= k <= size:
            raise ValueError(f"Gomoku: need 1 <= k <= size, got size={size}, k={k}")
        self.size, self.k = int(size), int(k)
        self.rows = self.cols = self.size
        self.action_size = self.size * self.size
        self._lines = _line_indices(self.size, self.k)

    def config(self):
        return {"name": self.name, "size": self.size, "k": self.k}

    def initial_state(self):
        # the flat board has one extra cell, always empty, that off-board line cells read
        return GomokuState(self, numpy.zeros(self.action_size + 1, numpy.int8), 1, None, 0,
                           None)

    def _wins(self, cells, action, player):
        """True when ``player``'s stone at ``action`` completes k in a row on ``cells``
        (the flat board with its trailing empty cell)."""
        k = self.k
        runs = (cells[self._lines[action]] == player).cumsum(axis=1)
        return bool((runs[:, k:] - runs[:, :-k]).max() >= k)


def _line_indices(size, k):
    """int (size*size, 4, 2k): for each cell, the flat indices of the four lines of
    2k - 1 cells centred on it (after a leading pad); off-board cells point to the
    trailing empty cell ``size * size``."""
    off = size * size
    steps = numpy.arange(-(k - 1), k)
    rows, cols = numpy.divmod(numpy.arange(off), size)
    out = numpy.full((off, 4, 2 * k), off, numpy.intp)
    for d, (dr, dc) in enumerate(((0, 1), (1, 0), (1, 1), (1, -1))):
        r = rows[:, None] + dr * steps
        c = cols[:, None] + dc * steps
        inside = (r >= 0) & (r < size) & (c >= 0) & (c < size)
        out[:, d, 1:] = numpy.where(inside, r * size + c, off)
    return out


class GomokuState(State):
    """A Gomoku position: ``board`` int8 (size, size), +1 / -1 stones, 0 empty; a view
    of ``cells`` int8 (size * size + 1,), the flat board and one always-empty cell that
    off-board line cells read. ``moves`` counts the stones played."""

    __slots__ = ("game", "cells", "board", "to_play", "last_move", "moves", "_winner")

    def __init__(self, game, cells, to_play, last_move, moves, winner):
        self.game, self.cells, self.to_play = game, cells, to_play
        self.last_move, self.moves, self._winner = last_move, moves, winner
        self.board = cells[:-1].reshape(game.size, game.size)

    def legal_mask(self):
        if self._winner is not None:
            return numpy.zeros(self.game.action_size, bool)
        return self.cells[:-1] == 0

    def play(self, action):
        game = self.game
        if self._winner is not None:
            raise IllegalMove(action, "game over")
        if not 0 <= action < game.action_size:
            raise IllegalMove(action, "out of board")
        action = int(action)
        if self.cells[action]:
            raise IllegalMove(action, "occupied")
        cells = self.cells.copy()
        cells[action] = self.to_play
        moves = self.moves + 1
        if game._wins(cells, action, self.to_play):
            winner = self.to_play
        elif moves == game.action_size:
            winner = 0
        else:
            winner = None
        return GomokuState(game, cells, -self.to_play, action, moves, winner)

    def is_terminal(self):
        return self._winner is not None

    def winner(self):
        return self._winner

    def planes(self):
        own = self.board == self.to_play
        other = self.board == -self.to_play
        turn = numpy.full(own.shape, self.to_play == 1)
        return numpy.stack([own, other, turn]).astype(numpy.float32)

    def render(self):
        size, marks = self.game.size, {1: "X", -1: "O", 0: "."}
        width = len(str(size))
        lines = [f"{size - r:>{width}} " + " ".join(marks[int(v)] for v in row)
                 for r, row in enumerate(self.board)]
        return "\n".join(lines + [" " * (width + 1) + " ".join(_COLUMNS[:size])])

    def __repr__(self):
        return f"GomokuState(to_play={self.to_play}, board={self.board.tolist()})"
