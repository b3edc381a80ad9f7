"""PUCT Monte Carlo tree search guided by a policy-value evaluator, as in AlphaZero.

The evaluator is any callable ``evaluator(planes) -> (priors, values)``: ``planes``
float32 (B, C, H, W) stacked ``State.planes()``; ``priors`` (B, action_size)
probabilities over all moves (illegal ones are masked out here and the rest
renormalised); ``values`` (B,) in [-1, 1] for the player to move in each position.

A simulation walks down from the root choosing at each node s

    a = argmax_a  Q(s,a) + c_puct * P(s,a) * sqrt(N(s)) / (1 + N(s,a))

where Q(s,a) = W(s,a) / N(s,a) is the mean value of the move for the player to move at
s, and N(s) = sum_b N(s,b). Unvisited moves get Q = ``fpu`` (0 by default: "as good as a
draw", so that the prior alone orders them), and N(s) is taken as at least 1 so that at a
fresh node the prior, not the move index, picks the first move. The walk stops at a
position not yet expanded: a terminal position is scored exactly (the winner relative to
its mover) without the evaluator; any other is expanded with the evaluator's priors and
value. The value is then backed up along the path, its sign following the mover.

Leaves are gathered ``batch_size`` at a time, for one evaluator call per batch. Each
pending path carries a virtual loss: its moves count ``virtual_loss`` extra visits that
lost, so that the next walks of the batch spread out; backing up removes it. Two walks
of one batch that end on the same unexpanded position share one evaluation and both back
it up.

Each node keeps its children's statistics as numpy arrays over its legal moves
(priors ``P``, visits ``N``, total values ``W``), so selection is one vectorised
expression.
"""

import numpy

from .players import Player


class Node:
    """A position in the tree and the statistics of the moves out of it.

    ``actions`` int (k,) the legal moves; ``P``, ``N``, ``W`` float64 (k,) their priors,
    visit counts (virtual losses included while a batch is pending) and total values for
    ``to_play``; ``children`` a list of k Nodes or None; ``n`` = N.sum(). A terminal node
    keeps ``terminal_value`` (for its mover) and is never expanded.
    """

    __slots__ = ("state", "to_play", "terminal_value", "expanded", "pending", "value",
                 "actions", "P", "N", "W", "n", "children", "noised")

    def __init__(self, state):
        self.state, self.to_play = state, state.to_play
        self.terminal_value = state.winner() * state.to_play if state.is_terminal() else None
        self.expanded = self.pending = self.noised = False
        self.value = 0.0
        self.n = 0.0

    def expand(self, priors):
        """Keep the legal moves' priors (from ``priors`` (action_size,), renormalised)."""
        actions = numpy.flatnonzero(self.state.legal_mask())
        p = numpy.asarray(priors, dtype=numpy.float64)[actions]
        total = p.sum()
        p = p / total if total > 0 else numpy.full(len(actions), 1.0 / len(actions))
        self.actions, self.P = actions, p
        self.N, self.W = numpy.zeros(len(actions)), numpy.zeros(len(actions))
        self.children = [None] * len(actions)
        self.expanded = True

    def select(self, c_puct, fpu):
        """The index (into ``actions``) of the move maximising the PUCT score."""
        N = self.N
        q = self.W / numpy.maximum(N, 1e-300)  # W = 0 where N = 0, so Q = 0 there
        if fpu:
            q[N == 0] = fpu
        u = self.P * (c_puct * max(self.n, 1.0) ** 0.5) / (1.0 + N)
        return int((q + u).argmax())

    def child(self, index):
        """The child node after move ``actions[index]``, created on first use."""
        child = self.children[index]
        if child is None:
            child = self.children[index] = Node(self.state.play(self.actions[index]))
        return child


def same_position(a, b):
    """Whether two states are the same position (same mover, last move and planes)."""
    if a is b:
        return True
    return (type(a) is type(b) and a.to_play == b.to_play and a.last_move == b.last_move
            and numpy.array_equal(a.planes(), b.planes()))


class MCTS:
    """PUCT search with batched leaf evaluation, virtual loss and tree reuse.

    ``evaluator``: see the module docstring. ``simulations`` per ``search`` call;
    ``c_puct`` the exploration constant; ``batch_size`` leaves per evaluator call;
    ``dirichlet_alpha`` (None: no noise) and ``noise_fraction`` eps mix
    P = (1 - eps) P + eps Dir(alpha) into the root priors, once per root (self-play);
    ``virtual_loss`` the visits a pending path counts as lost; ``fpu`` the Q of an
    unvisited move; ``seed`` for the noise and the tie-breaking.
    """

    def __init__(self, evaluator, simulations=200, c_puct=1.5, batch_size=8,
                 dirichlet_alpha=None, noise_fraction=0.25, virtual_loss=1.0, fpu=0.0,
                 seed=None):
        if simulations < 0 or batch_size < 1:
            raise ValueError(f"MCTS: need simulations >= 0 and batch_size >= 1, got "
                             f"{simulations} and {batch_size}")
        self.evaluator, self.simulations, self.c_puct = evaluator, simulations, c_puct
        self.batch_size, self.dirichlet_alpha = batch_size, dirichlet_alpha
        self.noise_fraction, self.virtual_loss, self.fpu = noise_fraction, virtual_loss, fpu
        self.rng = numpy.random.default_rng(seed)
        self.root = None

    def reset(self):
        """Forget the tree."""
        self.root = None

    def advance(self, action):
        """Move the root to its child after ``action`` (either side's move), keeping that
        subtree; the rest of the tree is dropped."""
        root = self.root
        if root is None:
            return
        if not root.expanded:
            self.root = Node(root.state.play(action))
            return
        index = numpy.searchsorted(root.actions, action)
        if index < len(root.actions) and root.actions[index] == action:
            self.root = root.child(index)
        else:
            self.root = Node(root.state.play(action))  # raises IllegalMove if illegal

    def search(self, state, simulations=None, noise=True):
        """Run ``simulations`` (default ``self.simulations``) more simulations from
        ``state`` and return the root's visit counts, float64 (action_size,). The tree is
        reused when ``state`` is the current root's position. ``noise=False`` leaves the
        root's priors without Dirichlet noise for this search (a fast search in
        self-play)."""
        if self.root is None or not same_position(self.root.state, state):
            self.root = Node(state)
        root = self.root
        if root.terminal_value is not None:
            return numpy.zeros(state.game.action_size)
        if not root.expanded:
            priors, values = self._evaluate([root])
            root.expand(priors[0])
        if noise and self.dirichlet_alpha is not None and not root.noised:
            self._add_noise(root)
        todo = self.simulations if simulations is None else simulations
        while todo > 0:
            k = min(self.batch_size, todo)
            self._run_batch(root, k)
            todo -= k
        return self.visit_counts()

    def policy(self, state, temperature=1.0):
        """Search from ``state``, then move probabilities (action_size,) proportional to
        N^(1/temperature); temperature 0 puts all the mass on one most-visited move,
        ties broken at random."""
        if state.is_terminal():
            raise ValueError(f"MCTS.policy: the game is over in this position:\n{state}")
        counts = self.search(state)
        if counts.sum() == 0:  # no simulation ran: fall back on the priors
            counts = self.root_priors() if self.root.expanded else state.legal_mask() * 1.0
        if temperature == 0:
            best = numpy.flatnonzero(counts == counts.max())
            probs = numpy.zeros(len(counts))
            probs[self.rng.choice(best)] = 1.0
            return probs
        logs = numpy.log(numpy.maximum(counts, 1e-300)) / temperature
        probs = numpy.where(counts > 0, numpy.exp(logs - logs.max()), 0.0)
        return probs / probs.sum()

    def visit_counts(self):
        """The current root's visit counts, float64 (action_size,); None before a search."""
        if self.root is None:
            return None
        out = numpy.zeros(self.root.state.game.action_size)
        if self.root.expanded:
            out[self.root.actions] = numpy.rint(self.root.N)
        return out

    def root_priors(self):
        """The root's priors (noise included), float64 (action_size,), 0 on illegal moves."""
        out = numpy.zeros(self.root.state.game.action_size)
        out[self.root.actions] = self.root.P
        return out

    def root_value(self):
        """Mean backed-up value at the root, for the player to move there (0 if none)."""
        root = self.root
        if root is None or not root.expanded or root.n == 0:
            return 0.0
        return float(root.W.sum() / root.N.sum())

    def _add_noise(self, root):
        eps = self.noise_fraction
        noise = self.rng.dirichlet(numpy.full(len(root.actions), self.dirichlet_alpha))
        root.P = (1 - eps) * root.P + eps * noise
        root.noised = True

    def _evaluate(self, nodes):
        planes = numpy.stack([node.state.planes() for node in nodes])
        priors, values = self.evaluator(planes)
        return numpy.asarray(priors), numpy.asarray(values, dtype=numpy.float64)

    def _run_batch(self, root, k):
        """k simulations: k descents with virtual loss, one evaluator call, k backups."""
        vl = self.virtual_loss
        walks, leaves = [], []
        for _ in range(k):
            path, node = [], root
            while node.expanded:
                index = node.select(self.c_puct, self.fpu)
                node.N[index] += vl
                node.W[index] -= vl
                node.n += vl
                path.append((node, index))
                node = node.child(index)
            if node.terminal_value is not None:
                self._backup(path, node, node.terminal_value)
                continue
            if not node.pending:  # a second walk to a pending leaf shares its evaluation
                node.pending = True
                leaves.append(node)
            walks.append((path, node))
        if leaves:
            priors, values = self._evaluate(leaves)
            for node, p, v in zip(leaves, priors, values):
                node.expand(p)
                node.value, node.pending = float(v), False
        for path, node in walks:
            self._backup(path, node, node.value)

    def _backup(self, path, leaf, value):
        """Add ``value`` (for the leaf's mover) along ``path``, removing the virtual loss."""
        vl = self.virtual_loss
        for node, index in path:
            v = value if node.to_play == leaf.to_play else -value
            node.N[index] += 1.0 - vl
            node.W[index] += v + vl
            node.n += 1.0 - vl


class MCTSPlayer(Player):
    """A Player that runs PUCT search each move and keeps its tree between moves.

    Picks by ``temperature`` (0: a most-visited move). ``last_policy`` and
    ``last_counts`` (action_size,) hold the latest search's result; the other
    arguments go to ``MCTS``.
    """

    name = "mcts"

    def __init__(self, evaluator, simulations=200, c_puct=1.5, batch_size=8, temperature=0,
                 dirichlet_alpha=None, noise_fraction=0.25, virtual_loss=1.0, fpu=0.0,
                 seed=None):
        self.rng = numpy.random.default_rng(seed)
        self.mcts = MCTS(evaluator, simulations, c_puct, batch_size, dirichlet_alpha,
                         noise_fraction, virtual_loss, fpu, seed=self.rng.integers(2**63))
        self.temperature = temperature
        self.last_policy = self.last_counts = None

    def select(self, state):
        """Search from ``state`` and pick a move by ``temperature``."""
        self.last_policy = self.mcts.policy(state, self.temperature)
        self.last_counts = self.mcts.visit_counts()
        return int(self.rng.choice(len(self.last_policy), p=self.last_policy))

    def observe(self, action):
        """Keep the subtree under ``action``."""
        self.mcts.advance(action)

    def reset(self):
        """Forget the tree."""
        self.mcts.reset()

    def __repr__(self):
        return (f"MCTSPlayer(simulations={self.mcts.simulations}, "
                f"c_puct={self.mcts.c_puct}, temperature={self.temperature})")
