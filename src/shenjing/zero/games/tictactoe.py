"""Tic-tac-toe on a 3x3 board: X (+1) moves first, three in a row wins."""

import numpy

from .base import Game, IllegalMove, State

# the eight lines of three, as cell indices: rows, columns, diagonals
_LINES = numpy.array([[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8],
                      [0, 4, 8], [2, 4, 6]])


class TicTacToe(Game):
    """Tic-tac-toe. Moves 0..8 are the cells row by row; planes: the mover's marks, the
    opponent's marks, and a plane of ones when X is to move."""

    name = "tictactoe"
    rows = cols = 3
    action_size = 9
    num_planes = 3

    def initial_state(self):
        return TicTacToeState(self, numpy.zeros(9, numpy.int8), 1, None)


class TicTacToeState(State):
    """A tic-tac-toe position: ``board`` int8 (9,) with +1 for X, -1 for O, 0 empty."""

    __slots__ = ("game", "board", "to_play", "last_move", "_winner")

    def __init__(self, game, board, to_play, last_move):
        self.game, self.board, self.to_play, self.last_move = game, board, to_play, last_move
        sums = board[_LINES].sum(axis=1)
        if (sums == 3).any():
            self._winner = 1
        elif (sums == -3).any():
            self._winner = -1
        elif board.all():
            self._winner = 0
        else:
            self._winner = None

    def legal_mask(self):
        if self._winner is not None:
            return numpy.zeros(9, bool)
        return self.board == 0

    def play(self, action):
        action = int(action)
        if self._winner is not None:
            raise IllegalMove(action, "game over")
        if not 0 <= action < 9:
            raise IllegalMove(action, "out of board")
        if self.board[action]:
            raise IllegalMove(action, "occupied")
        board = self.board.copy()
        board[action] = self.to_play
        return TicTacToeState(self.game, board, -self.to_play, action)

    def is_terminal(self):
        return self._winner is not None

    def winner(self):
        return self._winner

    def planes(self):
        own = (self.board == self.to_play).reshape(3, 3)
        other = (self.board == -self.to_play).reshape(3, 3)
        turn = numpy.full((3, 3), self.to_play == 1)
        return numpy.stack([own, other, turn]).astype(numpy.float32)

    def render(self):
        marks = {1: "X", -1: "O", 0: "."}
        lines = [f"{3 - r} " + " ".join(marks[int(v)] for v in self.board[3 * r:3 * r + 3])
                 for r in range(3)]
        return "\n".join(lines + ["  a b c"])

    def __repr__(self):
        return f"TicTacToeState(to_play={self.to_play}, board={self.board.tolist()})"
