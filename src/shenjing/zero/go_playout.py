"""Light Monte-Carlo play-outs of Go, and the ownership of each point they estimate.

A play-out plays random moves from a position to the end of the game with the two rules
that make random Go end the way people end it:

- a player never fills one of its own eyes (an empty point whose neighbours are all its
  stones and whose diagonals hold at most one opponent stone, none on the edge);
- a player never puts a group of two or more of its stones into atari without capturing
  (so the shared liberties of a seki stay empty; a single stone may still be thrown in,
  as a nakade needs).

A player with no other move passes, and two passes end it. Every point then belongs to
the colour of its stone, or of the stones around its empty region, or to nobody (a seki
liberty). Averaged over many play-outs this is the *ownership* of the points: how often
each ends black, white or neutral,

    ownership(p) = P(p ends black) - P(p ends white)      in [-1, 1],

which is how Go programs tell dead stones (owned by the other colour) from living ones.

The play-outs run on a flat padded board (a list, one border cell around the board) with
simple ko only; the first move is taken from the real position, which knows superko.
"""

import random
import time

import numpy

_EMPTY, _BLACK, _WHITE, _BORDER = 0, 1, 2, 3


class Geometry:
    """The padded board of one size: ``points`` the on-board cells of a list of
    ``(size + 2) ** 2``, ``neighbours`` and ``diagonals`` of every cell, and the maps
    between actions (``row * size + col``) and cells."""

    _cache = {}

    def __new__(cls, size):
        if size not in cls._cache:
            self = super().__new__(cls)
            stride = size + 2
            self.size, self.stride = size, stride
            self.points = [(r + 1) * stride + c + 1 for r in range(size) for c in range(size)]
            cells = (size + 2) ** 2
            self.neighbours = [(p - stride, p + stride, p - 1, p + 1) if 0 < p % stride <= size
                               and stride <= p < cells - stride else () for p in range(cells)]
            self.diagonals = [(p - stride - 1, p - stride + 1, p + stride - 1, p + stride + 1)
                              if self.neighbours[p] else () for p in range(cells)]
            self.template = [_BORDER] * cells
            for p in self.points:
                self.template[p] = _EMPTY
            cls._cache[size] = self
        return cls._cache[size]

    def cells_of(self, board):
        """The padded list of an int (size, size) board of +1 black, -1 white, 0 empty."""
        cells = list(self.template)
        for p, v in zip(self.points, numpy.asarray(board).reshape(-1).tolist()):
            cells[p] = _BLACK if v == 1 else _WHITE if v == -1 else _EMPTY
        return cells


def _is_eye(b, p, color, neighbours, diagonals):
    for q in neighbours[p]:
        v = b[q]
        if v != color and v != _BORDER:
            return False
    enemy, edge = 0, 0
    for q in diagonals[p]:
        v = b[q]
        if v == _BORDER:
            edge = 1
        elif v and v != color:
            enemy += 1
    return enemy + edge < 2


def _dead_group(b, start, neighbours):
    """The stones of the group at ``start`` when it has no liberty, else None."""
    color = b[start]
    group, stack = [start], [start]
    seen = {start}
    while stack:
        for q in neighbours[stack.pop()]:
            v = b[q]
            if v == _EMPTY:
                return None
            if v == color and q not in seen:
                seen.add(q)
                group.append(q)
                stack.append(q)
    return group


def _atari_and_size(b, start, neighbours):
    """(liberties, stones) of the group at ``start``, the count of liberties stopped at 2."""
    color = b[start]
    liberties, seen, stack = set(), {start}, [start]
    while stack:
        for q in neighbours[stack.pop()]:
            v = b[q]
            if v == _EMPTY:
                liberties.add(q)
                if len(liberties) > 1:
                    return 2, len(seen)
            elif v == color and q not in seen:
                seen.add(q)
                stack.append(q)
    return len(liberties), len(seen)


def try_move(b, p, color, neighbours):
    """Play ``color`` at empty cell ``p`` of the padded list ``b`` if the play-out rules
    allow it: the captured cells (a list, maybe empty), or None (suicide, or a group of
    two or more stones put into atari without a capture; ``b`` is left unchanged)."""
    other = 3 - color
    b[p] = color
    captured = []
    for q in neighbours[p]:
        if b[q] == other:
            dead = _dead_group(b, q, neighbours)
            if dead is not None:
                for s in dead:
                    b[s] = _EMPTY
                captured.extend(dead)
    if not captured:
        liberties, stones = _atari_and_size(b, p, neighbours)
        if liberties == 0 or (liberties == 1 and stones > 1):
            b[p] = _EMPTY
            return None
    return captured


def playout(b, color, geometry, rand, max_moves):
    """Play random moves on the padded list ``b`` (changed in place) from ``color`` to
    move (1 black, 2 white) until two passes or ``max_moves``; ``rand`` is
    ``random.Random().random``. Returns ``b``."""
    neighbours, diagonals = geometry.neighbours, geometry.diagonals
    empty = [p for p in geometry.points if b[p] == _EMPTY]
    ko, passes = -1, 0
    for _ in range(max_moves):
        i, moved = len(empty), False
        while i:
            k = int(rand() * i)
            i -= 1
            p = empty[k]
            empty[k], empty[i] = empty[i], p  # tried moves gather at the end
            if p == ko or _is_eye(b, p, color, neighbours, diagonals):
                continue
            captured = try_move(b, p, color, neighbours)
            if captured is None:
                continue
            empty[i] = empty[-1]
            empty.pop()
            ko = -1
            if captured:
                empty.extend(captured)
                if len(captured) == 1 and all(b[q] != color for q in neighbours[p]) \
                        and sum(b[q] == _EMPTY for q in neighbours[p]) == 1:
                    ko = captured[0]
            moved = True
            break
        if moved:
            passes = 0
        else:
            passes, ko = passes + 1, -1
            if passes == 2:
                break
        color = 3 - color
    return b


def owners(b, geometry):
    """The owner of each point (in ``geometry.points`` order) of a finished play-out:
    1 black, 2 white, 0 nobody; an empty region belongs to the one colour around it."""
    neighbours = geometry.neighbours
    out, region_owner = [], {}
    for p in geometry.points:
        v = b[p]
        if v != _EMPTY:
            out.append(v)
            continue
        if p not in region_owner:
            region, border, stack = [p], set(), [p]
            region_owner[p] = None
            while stack:
                for q in neighbours[stack.pop()]:
                    w = b[q]
                    if w == _EMPTY:
                        if q not in region_owner:
                            region_owner[q] = None
                            region.append(q)
                            stack.append(q)
                    elif w != _BORDER:
                        border.add(w)
            owner = border.pop() if len(border) == 1 else 0
            for q in region:
                region_owner[q] = owner
        out.append(region_owner[p])
    return out


class Estimate:
    """What ``estimate`` found: ``black`` and ``white`` float (size, size), the share of
    play-outs in which each point ended that colour's; ``scores`` float (playouts,) the
    area score of each play-out, black minus white minus komi."""

    def __init__(self, black, white, scores):
        self.black, self.white, self.scores = black, white, scores

    @property
    def ownership(self):
        """float (size, size) in [-1, 1]: black's share minus white's."""
        return self.black - self.white

    @property
    def neutral(self):
        """float (size, size): the share of play-outs in which the point ended nobody's."""
        return 1.0 - self.black - self.white

    @property
    def playouts(self):
        return len(self.scores)

    def mean_score(self):
        """The mean area score of the play-outs (black minus white minus komi)."""
        return float(numpy.mean(self.scores)) if len(self.scores) else 0.0


def estimate(state, playouts=200, seed=0, first=None, deadline=None):
    """Run ``playouts`` play-outs from ``state`` (a ``GoState``): half with black to move
    first and half with white (so that a group that lives whoever moves first counts as
    alive), or all with ``first`` (+1 / -1) to move. ``deadline`` (a ``time.monotonic``
    time) stops early, after at least two play-outs. Returns an ``Estimate``."""
    game = state.game
    geometry = Geometry(game.size)
    start = geometry.cells_of(state.board)
    rand = random.Random(seed).random
    max_moves = 3 * game.size * game.size
    counts = numpy.zeros((3, game.size * game.size))
    scores, columns = [], numpy.arange(game.size * game.size)
    for i in range(playouts):
        if deadline is not None and i >= 2 and time.monotonic() > deadline:
            break
        color = first if first is not None else (1 if i % 2 == 0 else -1)
        final = owners(playout(list(start), 1 if color == 1 else 2, geometry, rand,
                               max_moves), geometry)
        counts[final, columns] += 1
        scores.append(final.count(_BLACK) - final.count(_WHITE) - game.komi)
    n = max(len(scores), 1)
    shape = (game.size, game.size)
    return Estimate(counts[_BLACK].reshape(shape) / n, counts[_WHITE].reshape(shape) / n,
                    numpy.array(scores, dtype=float))
