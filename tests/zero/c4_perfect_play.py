"""How close a Connect Four player comes to perfect play, judged by ``c4_solver``.

Positions are sampled from random games (a fixed seed): ``min_moves`` .. ``max_moves``
uniformly random legal moves from the empty board; a game that ends on the way is drawn
again. Each position's moves are scored exactly by the solver (Pons' scores: the sign is
won / drawn / lost for the mover, the size how fast). For a player's chosen move:

- it *keeps the result* when its score has the sign of the best score: a won position
  stays won, a drawn one stays drawn. Lost positions have no result to keep and are left
  out of this share;
- it is a *best move* when its score equals the best score (the fastest win, a draw, the
  slowest loss), counted over all positions.

Positions where every legal move keeps the result (nothing can be spoiled) are counted
too, so the share is also given over the *critical* positions, those with at least one
move that spoils the result.

    positions = sample_positions(200, seed=0)
    report = judge(positions, choose)        # choose(state) -> column
    report.keep_share, report.best_share, report.keep_critical_share
"""

import math
from dataclasses import dataclass, field

import numpy

from shenjing.zero.games import make_game

from .c4_solver import ILLEGAL, Solver


@dataclass
class Scored:
    """A sampled position: the random ``moves`` that reach it, the ``state`` and the
    solver's ``scores`` int (7,) of each move (``ILLEGAL`` on a full column)."""

    moves: list
    state: object
    scores: numpy.ndarray

    @property
    def best(self):
        return int(self.scores.max())

    @property
    def result(self):
        """+1 won, 0 drawn, -1 lost for the player to move."""
        return int(numpy.sign(self.best))

    @property
    def critical(self):
        """True when some legal move spoils the result."""
        legal = self.scores[self.scores != ILLEGAL]
        return bool((numpy.sign(legal) != self.result).any())


def sample_positions(count, seed=0, min_moves=12, max_moves=20, solver=None):
    """``count`` Scored positions after min_moves..max_moves random moves (see the module
    docstring); the same ``seed`` gives the same positions."""
    game = make_game("connect4")
    solver = solver or Solver()
    rng = numpy.random.default_rng(seed)
    out = []
    while len(out) < count:
        length = int(rng.integers(min_moves, max_moves + 1))
        state, moves = game.initial_state(), []
        for _ in range(length):
            if state.is_terminal():
                break
            action = int(rng.choice(state.legal_moves()))
            state = state.play(action)
            moves.append(action)
        if state.is_terminal():
            continue
        out.append(Scored(moves, state, solver.move_scores(state)))
    return out


def wilson(successes, n, z=1.96):
    """The Wilson score interval (low, high) of a binomial share at ~95% (z = 1.96)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class Report:
    """Counts of a judged player: ``positions`` judged; ``not_lost`` (won or drawn),
    ``kept`` of those; ``critical`` of those, ``kept_critical``; ``best`` over all;
    ``failures``: (moves, chosen, scores) where the result was spoiled."""

    positions: int = 0
    not_lost: int = 0
    kept: int = 0
    critical: int = 0
    kept_critical: int = 0
    best: int = 0
    failures: list = field(default_factory=list)

    @property
    def keep_share(self):
        return self.kept / max(self.not_lost, 1)

    @property
    def keep_critical_share(self):
        return self.kept_critical / max(self.critical, 1)

    @property
    def best_share(self):
        return self.best / max(self.positions, 1)

    def lines(self):
        """The shares as text, each with its 95% Wilson interval."""
        def row(name, k, n):
            lo, hi = wilson(k, n)
            return f"{name}: {k}/{n} = {k / max(n, 1):.1%} (95% CI {lo:.1%} .. {hi:.1%})"
        return [row("keeps the result (won/drawn positions)", self.kept, self.not_lost),
                row("keeps the result (critical positions)", self.kept_critical,
                    self.critical),
                row("best move (all positions)", self.best, self.positions)]


def judge(positions, choose, progress=None):
    """A Report of ``choose(state) -> column`` on the Scored ``positions``."""
    report = Report()
    for i, pos in enumerate(positions):
        chosen = int(choose(pos.state))
        score = int(pos.scores[chosen])
        if score == ILLEGAL:
            raise ValueError(f"judge: the player chose the full column {chosen} after "
                             f"{pos.moves}")
        report.positions += 1
        report.best += score == pos.best
        if pos.result >= 0:
            report.not_lost += 1
            kept = numpy.sign(score) == pos.result
            report.kept += kept
            if pos.critical:
                report.critical += 1
                report.kept_critical += kept
            if not kept:
                report.failures.append((pos.moves, chosen, pos.scores.tolist()))
        if progress:
            progress(i, report)
    return report


def policy_chooser(evaluate):
    """``choose`` for the network's policy alone: the legal move of highest prior."""
    def choose(state):
        priors, _ = evaluate(state.planes()[None])
        p = numpy.where(state.legal_mask(), numpy.asarray(priors)[0], -numpy.inf)
        return int(p.argmax())
    return choose


def search_chooser(player):
    """``choose`` for an MCTS player searching each position from scratch."""
    def choose(state):
        player.reset()
        return player.select(state)
    return choose
