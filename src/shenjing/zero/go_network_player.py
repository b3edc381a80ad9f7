"""A network's MCTS player for Go games refereed by other programs: the search chooses the
moves, the dead-stone judgement (``go_scoring.judge``) chooses when to pass.

Self-play scores a finished game by Tromp-Taylor (every stone alive), so the search's idea
of when passing is safe is that count's.  Against GNU Go or under a GTP referee the game
is counted with dead stones taken off, so this player passes as ``PlayoutGoPlayer`` does:

- the opponent has just passed and the judged count, ended now, is won: pass;
- the search wants to pass but the position is not decided (some point may still change
  hands): play the most visited other move instead;
- the search wants to pass and the position is decided: every point ends, in most
  play-outs, as the judged count has it (its owner's, or neutral for dame and seki).

The judgement runs only when a pass is in question, so most moves cost only the search.
"""

import numpy

from .go_player import _area_owner
from .go_scoring import judge
from .players import Player


class GoNetworkPlayer(Player):
    """Wraps ``mcts_player`` (an ``MCTSPlayer`` for a Go game); ``judge_playouts`` light
    play-outs judge a position when a pass is in question."""

    name = "go-network"

    def __init__(self, mcts_player, judge_playouts=200, seed=0):
        self.player, self.judge_playouts, self.seed = mcts_player, int(judge_playouts), seed
        self.time_budget = None
        self.cleanup = False

    def _judge(self, state):
        self.seed += 1
        return judge(state, self.judge_playouts, self.seed)

    def select(self, state):
        """The move to play in ``state`` (a ``GoState``); ``game.pass_move`` to pass."""
        game, me = state.game, state.to_play
        if state.moves >= 2 * game.size * game.size:
            return game.pass_move
        judged = None
        if state.passes == 1 and not self.cleanup:
            judged = self._judge(state)
            if judged.score * me > 0:
                return game.pass_move
        move = self.player.select(state)
        if move != game.pass_move:
            return move
        judged = judged or self._judge(state)
        opponent_dead = any(colour == -me for status, colour, _ in judged.groups
                            if status == "dead")
        if decided(judged) and not (self.cleanup and opponent_dead):
            return move
        counts = self.player.last_counts.copy()
        counts[game.pass_move] = -1
        legal = state.legal_mask()
        counts[~legal] = -1
        best = int(counts.argmax())
        return best if counts[best] >= 0 and legal[best] else game.pass_move

    def observe(self, action):
        self.player.observe(action)

    def reset(self):
        self.player.reset()


def decided(judged, margin=0.5):
    """True when every point of the judged board ends, in at least ``margin`` of the
    play-outs beyond an even split, as the count has it: ``owner * ownership >= margin``
    for the points the count gives a colour, ``neutral >= margin`` for the others."""
    owner = _area_owner(judged.board)
    estimate = judged.estimate
    return bool(numpy.where(owner == 0, estimate.neutral >= margin,
                            owner * estimate.ownership >= margin).all())
