"""Scoring a finished game of Go as people (and GTP referees) score it: dead stones off.

Two counts:

- ``tromp_taylor_score(state)``: every stone on the board is alive; area = stones plus the
  empty regions that touch only one colour. Exact and instant, the rule self-play
  trains with (``GoState.score``).
- ``judge(state)``: first tell dead stones from living ones, as Go programs do, by the
  ownership of many light play-outs from the position (``go_playout.estimate``, half of
  them with each colour to move first): a group is dead when its stones end the
  opponent's more often than its own,

      dead(g)  <=>  mean over the stones s of g of  colour(g) * ownership(s) < 0;

  then take the dead stones off and count area the Tromp-Taylor way, komi to white:

      score = area_black - area_white - komi      (> 0: black wins).

  A living group is in *seki* when one of its liberties stays empty and nobody's in most
  play-outs (neither side can fill it without putting its own group into atari).

``final_status_list`` and ``final_score`` of ``gtp.GTPEngine`` answer from ``judge``.
"""

import numpy

from .go_playout import estimate

__all__ = ["Judgement", "judge", "groups", "tromp_taylor_score", "format_score"]


def tromp_taylor_score(state):
    """Black's area minus white's minus komi with every stone counted alive (float)."""
    return state.score()


def format_score(score):
    """GTP's result text for black's score minus white's: ``'B+3.5'``, ``'W+7.5'``, ``'0'``."""
    if score == 0:
        return "0"
    return f"{'B' if score > 0 else 'W'}+{abs(score):.1f}"


def groups(board):
    """The groups of an int (size, size) board (+1 black, -1 white): a list of
    ``(colour, stones, liberties)``, stones and liberties as lists of actions
    (``row * size + col``), in the order of their first stone."""
    size = board.shape[0]
    flat = board.reshape(-1).tolist()
    seen, out = set(), []
    for start, color in enumerate(flat):
        if color == 0 or start in seen:
            continue
        stones, liberties, stack = [start], set(), [start]
        seen.add(start)
        while stack:
            p = stack.pop()
            row, col = divmod(p, size)
            for q, ok in ((p - size, row > 0), (p + size, row < size - 1),
                          (p - 1, col > 0), (p + 1, col < size - 1)):
                if not ok:
                    continue
                if flat[q] == 0:
                    liberties.add(q)
                elif flat[q] == color and q not in seen:
                    seen.add(q)
                    stones.append(q)
                    stack.append(q)
        out.append((color, sorted(stones), sorted(liberties)))
    return out


class Judgement:
    """The status of every group of a position and the score that follows.

    ``groups``: a list of ``(status, colour, stones)``, status ``'alive'``, ``'dead'`` or
    ``'seki'``, stones a sorted list of actions; ``score`` (float) black's area minus
    white's minus komi with the dead stones taken off; ``estimate`` the play-outs'
    ``go_playout.Estimate``; ``board`` int (size, size) with the dead stones taken off."""

    def __init__(self, groups, score, estimate, board):
        self.groups, self.score, self.estimate, self.board = groups, score, estimate, board

    def stones(self, status):
        """The stones (actions) of the groups with ``status``, one list per group."""
        if status not in ("alive", "dead", "seki"):
            raise ValueError(f"Judgement.stones: status must be alive, dead or seki, "
                             f"got {status!r}")
        return [stones for s, _, stones in self.groups if s == status]

    def dead_stones(self):
        """The actions of every dead stone, sorted."""
        return sorted(p for stones in self.stones("dead") for p in stones)


def judge(state, playouts=400, seed=0, deadline=None):
    """The ``Judgement`` of ``state`` (a ``GoState``) from ``playouts`` light play-outs
    (``deadline``, a ``time.monotonic`` time, may stop them early)."""
    found = estimate(state, playouts, seed, deadline=deadline)
    ownership, neutral = found.ownership.reshape(-1), found.neutral.reshape(-1)
    board = numpy.array(state.board, dtype=numpy.int64)
    statuses, cleaned = [], board.reshape(-1).copy()
    for color, stones, _ in groups(board):
        dead = color * ownership[stones].mean() < 0
        statuses.append(["dead" if dead else "alive", color, stones])
        if dead:
            cleaned[stones] = 0
    cleaned = cleaned.reshape(board.shape)
    living = {tuple(stones): liberties for _, stones, liberties in groups(cleaned)}
    for entry in statuses:
        liberties = living.get(tuple(entry[2]))
        if entry[0] == "alive" and liberties and (neutral[liberties] > 0.5).any():
            entry[0] = "seki"
    # the count: Tromp-Taylor area on the board without the dead stones
    black, white = state.game.setup(cleaned).area()
    score = black - white - state.game.komi
    return Judgement([tuple(entry) for entry in statuses], float(score), found, cleaned)
