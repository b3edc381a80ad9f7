"""Players: anything that picks a move in a position.

The protocol every player follows (arena, self-play, the terminal and GTP use it):

- ``select(state) -> int``: the move to play in ``state`` (``state.to_play`` is this
  player);
- ``observe(action)``: told after every move of either side, its own included, so that a
  search can keep its tree between moves;
- ``reset()``: a new game starts.
"""

import numpy


class Player:
    """Base class: a player that keeps nothing between moves."""

    name = "player"

    def select(self, state):
        """The move to play in ``state``."""
        raise NotImplementedError

    def observe(self, action):
        """``action`` was just played (by either side)."""

    def reset(self):
        """A new game starts."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class RandomPlayer(Player):
    """Plays a uniformly random legal move; ``seed`` makes it repeatable."""

    name = "random"

    def __init__(self, seed=None):
        self.rng = numpy.random.default_rng(seed)

    def select(self, state):
        moves = state.legal_moves()
        if len(moves) == 0:
            raise ValueError(f"RandomPlayer: no legal move in this position:\n{state}")
        return int(self.rng.choice(moves))


class FunctionPlayer(Player):
    """A player made from a function ``state -> action`` (a test's oracle, a script)."""

    def __init__(self, choose, name="function"):
        self.choose, self.name = choose, name

    def select(self, state):
        return int(self.choose(state))
