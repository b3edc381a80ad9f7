"""Plain UCT with random roll-outs: the baseline opponent, which needs no network.

Each iteration walks down the tree choosing at a fully expanded node s the UCB1 move

    a = argmax_a  W(s,a) / N(s,a) + c * sqrt(ln N(s) / N(s,a))

(W the total result for the player to move at s, N(s) = sum_b N(s,b)), adds one untried
move of the node where it stops (untried moves come in a random order), plays uniformly
random moves from there to the end of the game, and backs the result up along the path.
The move played is the most visited one at the root.

The tree is kept between moves: ``observe(action)`` moves the root to the child (if it
was explored), and each ``select`` adds ``rollouts`` new iterations to what is there.
"""

import math
import random

import numpy

from .mcts import same_position
from .players import Player


class UCTNode:
    """A position and its moves' statistics: ``actions`` int (k,) the legal moves, ``N``
    and ``W`` float64 (k,) visits and total results for ``to_play``, ``children`` a list,
    ``untried`` the indices not expanded yet, ``n`` = N.sum(). Terminal nodes keep
    ``winner`` and have no moves."""

    __slots__ = ("state", "to_play", "winner", "actions", "N", "W", "n", "children",
                 "untried")

    def __init__(self, state, rand):
        self.state, self.to_play = state, state.to_play
        self.winner = state.winner() if state.is_terminal() else None
        self.n = 0
        if self.winner is None:
            self.actions = state.legal_moves()
            k = len(self.actions)
            self.N, self.W = numpy.zeros(k), numpy.zeros(k)
            self.children = [None] * k
            self.untried = list(range(k))
            rand.shuffle(self.untried)


def rollout(state, rand):
    """Play uniformly random moves from ``state`` to the end; the winner (+1, -1, 0).
    ``rand`` is a ``random.Random``."""
    random_, size = rand.random, state.game.action_size
    while not state.is_terminal():
        mask = state.legal_mask()
        # draw moves until a legal one (cheaper than listing them); after a few misses
        # list them. Either way the move is uniform over the legal ones.
        for _ in range(8):
            action = int(random_() * size)
            if mask[action]:
                break
        else:
            moves = numpy.flatnonzero(mask)
            action = int(moves[int(random_() * len(moves))])
        state = state.play(action)
    return state.winner()


class UCTPlayer(Player):
    """UCT search with ``rollouts`` random play-outs per move and exploration ``c``."""

    name = "uct"

    def __init__(self, rollouts=1000, c=1.4, seed=None):
        self.rollouts, self.c = rollouts, c
        self.rand = random.Random(seed)
        self.root = None

    def select(self, state):
        """Run ``rollouts`` iterations from ``state``; the most visited move."""
        if self.root is None or not same_position(self.root.state, state):
            self.root = UCTNode(state, self.rand)
        root = self.root
        if root.winner is not None:
            raise ValueError(f"UCTPlayer: the game is over in this position:\n{state}")
        for _ in range(self.rollouts):
            self._iterate(root)
        best = numpy.flatnonzero(root.N == root.N.max())
        return int(root.actions[best[int(self.rand.random() * len(best))]])

    def visit_counts(self):
        """The root's visit counts, float64 (action_size,) (None before a search)."""
        if self.root is None:
            return None
        out = numpy.zeros(self.root.state.game.action_size)
        if self.root.winner is None:
            out[self.root.actions] = self.root.N
        return out

    def observe(self, action):
        """Keep the subtree under ``action`` if it was explored."""
        root = self.root
        if root is None or root.winner is not None:
            self.root = None
            return
        index = numpy.flatnonzero(root.actions == action)
        self.root = root.children[index[0]] if len(index) else None

    def reset(self):
        """Forget the tree."""
        self.root = None

    def _iterate(self, root):
        """One select / expand / roll-out / backup iteration."""
        path, node, c = [], root, self.c
        while node.winner is None and not node.untried:
            N = node.N
            ucb = node.W / N + c * numpy.sqrt(math.log(node.n) / N)
            index = int(numpy.argmax(ucb))
            path.append((node, index))
            node = node.children[index]
        if node.winner is None:
            index = node.untried.pop()
            child = UCTNode(node.state.play(node.actions[index]), self.rand)
            node.children[index] = child
            path.append((node, index))
            node = child
        winner = node.winner if node.winner is not None else rollout(node.state, self.rand)
        for parent, index in path:
            parent.N[index] += 1.0
            parent.W[index] += winner * parent.to_play
            parent.n += 1

    def __repr__(self):
        return f"UCTPlayer(rollouts={self.rollouts}, c={self.c})"
