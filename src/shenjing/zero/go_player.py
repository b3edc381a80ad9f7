"""A light Go player that needs no network: flat Monte-Carlo search over light play-outs,
which passes only when passing does not change the result.

Each candidate move a (legal, not filling one of its own eyes, not putting a group of two
or more stones into atari) gets play-outs (``go_playout``) from the position after it;
the play-outs are shared out by UCB1,

    a = argmax_a  wins(a) / n(a) + c * sqrt(ln n / n(a)),

and the most visited move is played. Before that the player judges the position as it
stands (``go_scoring.judge``: dead stones off, area count) and passes when

- the opponent has just passed and the game, ended now, is won; or it is lost and no move
  wins as much as one play-out in ten (passing would not change the result); or
- the position is settled: every point ends, in most play-outs, the way the judgement
  counts it (owned by the same colour, or nobody's for a neutral point), so no group is
  left that passing would lose, and the play-outs' result is the judgement's.

It never passes while a neutral point (dame) is left that it may fill: under area scoring
each is a point, and a finished game then needs no convention about them (GNU Go, for
one, shares them out when it counts). After 2 * size * size moves it passes.

``time_budget`` (seconds, set by a GTP time manager) bounds one ``select``; without it
the player runs all of its ``playouts``. ``cleanup = True`` (GTP's
``kgs-genmove_cleanup``) never passes while opponent stones judged dead are on the board
and plays on their liberties first.
"""

import math
import random
import time

import numpy

from .go_playout import Geometry, owners, playout, try_move
from .go_scoring import judge
from .players import Player


class PlayoutGoPlayer(Player):
    """Flat Monte-Carlo Go: ``playouts`` play-outs per move (a third of them to judge the
    position for the pass decision), exploration ``c``; ``seed`` makes it repeatable."""

    name = "playout"

    def __init__(self, playouts=300, c=0.7, seed=None):
        if int(playouts) < 6:
            raise ValueError(f"PlayoutGoPlayer: playouts must be at least 6, got {playouts}")
        self.playouts, self.c = int(playouts), float(c)
        self.rand = random.Random(seed)
        self.time_budget = None
        self.cleanup = False
        self.last_judgement = None

    def select(self, state):
        """The move to play in ``state`` (a ``GoState``); ``game.pass_move`` to pass."""
        game = state.game
        start = time.monotonic()
        deadline = None if self.time_budget is None else start + float(self.time_budget)
        me = state.to_play
        judge_deadline = None if deadline is None else start + (deadline - start) / 3
        judged = judge(state, max(2, self.playouts // 3), self.rand.randrange(2**31),
                       deadline=judge_deadline)
        self.last_judgement = judged
        candidates = self._candidates(state, judged)
        if not candidates:
            return game.pass_move
        if self.cleanup and any(c == -me for _, c, _ in _dead(judged)):
            return self._search(state, candidates, deadline)[0]
        # a neutral point (dame) is a point of area for whoever fills it: fill them all
        # before passing, so that the count needs no convention about them
        owner = _area_owner(judged.board).reshape(-1)
        dame = [a for a in candidates if owner[a] == 0 and judged.board.flat[a] == 0]
        settled = _settled(judged)
        if dame and settled:
            return self._search(state, dame, deadline)[0]
        winning_now = judged.score * me > 0
        if not dame and state.passes == 1 and winning_now:
            return game.pass_move
        move, win_rate = self._search(state, candidates, deadline)
        if not dame and state.passes == 1 and win_rate < 0.1:
            return game.pass_move
        if not dame and settled and (win_rate >= 0.5) == winning_now:
            return game.pass_move
        if state.moves >= 2 * game.size * game.size:  # a long game: stop playing on
            return game.pass_move
        return move

    def _candidates(self, state, judged):
        """The moves worth a play-out: legal, not into one of our eyes, not a self-atari
        of two or more stones; in cleanup, the liberties of dead opponent groups first."""
        game = state.game
        geometry = Geometry(game.size)
        cells = geometry.cells_of(state.board)
        color = 1 if state.to_play == 1 else 2
        mask = state.legal_mask() & ~state.eye_mask()
        mask[game.pass_move] = False
        moves = []
        for action in numpy.flatnonzero(mask).tolist():
            p = geometry.points[action]
            trial = list(cells)
            if try_move(trial, p, color, geometry.neighbours) is not None:
                moves.append(action)
        if self.cleanup:
            targets = {q for _, c, stones in _dead(judged) if c == -state.to_play
                       for q in _liberties(stones, state.board)}
            first = [a for a in moves if a in targets]
            if first:
                return first
        return moves

    def _search(self, state, candidates, deadline):
        """(most visited move, its win rate) after UCB1 over ``candidates``."""
        game = state.game
        geometry = Geometry(game.size)
        cells = geometry.cells_of(state.board)
        me = state.to_play
        color = 1 if me == 1 else 2
        rand = self.rand.random
        budget = max(len(candidates), self.playouts - self.playouts // 3)
        if len(candidates) > budget:
            candidates = self.rand.sample(candidates, budget)
        k = len(candidates)
        wins, visits = numpy.zeros(k), numpy.zeros(k)
        max_moves = 3 * game.size * game.size
        for i in range(budget):
            if deadline is not None and i >= 1 and time.monotonic() > deadline:
                break
            if i < k:
                j = i
            else:
                ucb = wins / visits + self.c * numpy.sqrt(math.log(i) / visits)
                j = int(numpy.argmax(ucb))
            b = list(cells)
            try_move(b, geometry.points[candidates[j]], color, geometry.neighbours)
            final = owners(playout(b, 3 - color, geometry, rand, max_moves), geometry)
            score = final.count(1) - final.count(2) - game.komi
            visits[j] += 1
            wins[j] += score * me > 0
        tried = visits > 0
        best = int(numpy.argmax(numpy.where(tried, visits + wins / (visits + 1), -1)))
        return candidates[best], float(wins[best] / max(visits[best], 1))

    def reset(self):
        self.last_judgement = None


def _dead(judged):
    return [g for g in judged.groups if g[0] == "dead"]


def _liberties(stones, board):
    size = board.shape[0]
    flat = board.reshape(-1)
    out = set()
    for p in stones:
        row, col = divmod(p, size)
        for q, ok in ((p - size, row > 0), (p + size, row < size - 1),
                      (p - 1, col > 0), (p + 1, col < size - 1)):
            if ok and flat[q] == 0:
                out.add(q)
    return out


def _settled(judged, margin=0.5):
    """True when every point ends, in most play-outs, as the judgement counts it: the
    judged owner's (black, white) with |ownership| >= ``margin``, or for a point nobody
    owns (dame, seki) neither colour's with |ownership| >= ``margin``."""
    ownership = judged.estimate.ownership
    area_owner = _area_owner(judged.board)
    agree = numpy.where(area_owner == 0, numpy.abs(ownership) < margin,
                        area_owner * ownership >= margin)
    return bool(agree.all())


def _area_owner(board):
    """int (size, size): Tromp-Taylor's owner of each point of ``board`` (+1 black, -1
    white, 0 a region touching both colours)."""
    geometry = Geometry(board.shape[0])
    codes = numpy.array(owners(geometry.cells_of(board), geometry)).reshape(board.shape)
    return numpy.where(codes == 2, -1, codes)
