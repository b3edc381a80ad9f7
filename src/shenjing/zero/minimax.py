"""Exact game values by negamax with memoisation, for small games (tic-tac-toe).

``value(state)`` is the result under perfect play from the view of the player to move:
+1 win, 0 draw, -1 loss. ``MinimaxPlayer`` plays perfectly: a winning move when there is
one, else a drawing one; among equal moves it picks at random (``seed``), so that a test
meets all of a perfect player's lines, not one.
"""

import numpy

from .players import Player


class Solver:
    """Negamax over a game's positions; positions are cached by their board and mover."""

    def __init__(self):
        self.cache = {}

    def value(self, state):
        """+1, 0 or -1: the perfect-play result for ``state.to_play``."""
        if state.is_terminal():
            return state.winner() * state.to_play
        key = (state.board.tobytes(), state.to_play)
        cached = self.cache.get(key)
        if cached is None:
            cached = max(-self.value(state.play(a)) for a in state.legal_moves())
            self.cache[key] = cached
        return cached

    def move_values(self, state):
        """Dict move -> value of that move for the player to move."""
        return {int(a): -self.value(state.play(a)) for a in state.legal_moves()}


class MinimaxPlayer(Player):
    """A perfect player for games small enough to solve (needs ``state.board``)."""

    name = "minimax"

    def __init__(self, seed=None, solver=None):
        self.solver = solver or Solver()
        self.rng = numpy.random.default_rng(seed)

    def select(self, state):
        values = self.solver.move_values(state)
        best = max(values.values())
        return int(self.rng.choice([a for a, v in values.items() if v == best]))
