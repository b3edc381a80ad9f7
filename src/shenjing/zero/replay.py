"""The replay buffer: the most recent self-play positions, sampled for training.

Each example is a position's planes ``(C, H, W)``, the search's visit distribution
``pi (A,)`` and the game's outcome ``z`` from the view of the player to move there. An
example is stored with all of the board's symmetries (``Game.symmetries``), so that the
network learns that a rotated position is the same position.
"""

import numpy


class ReplayBuffer:
    """A ring buffer of ``capacity`` examples for one game.

    ``planes`` float32 (capacity, C, H, W), ``policies`` float32 (capacity, A),
    ``values`` float32 (capacity,); the first ``len(self)`` rows are filled.
    """

    def __init__(self, game, capacity):
        self.game, self.capacity = game, int(capacity)
        shape = (self.capacity, game.num_planes, game.rows, game.cols)
        self.planes = numpy.zeros(shape, numpy.float32)
        self.policies = numpy.zeros((self.capacity, game.action_size), numpy.float32)
        self.values = numpy.zeros(self.capacity, numpy.float32)
        self.size = 0     # rows filled
        self.next = 0     # the row the next example goes to
        self.added = 0    # examples ever added (augmented ones included)

    def __len__(self):
        return self.size

    def add(self, planes, policy, value, augment=True):
        """Add one example (and its symmetric copies when ``augment``)."""
        pairs = self.game.symmetries(planes, policy) if augment else [(planes, policy)]
        for p, pi in pairs:
            self.planes[self.next], self.policies[self.next] = p, pi
            self.values[self.next] = value
            self.next = (self.next + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)
            self.added += 1

    def extend(self, examples, augment=True):
        """Add examples given as ``(planes, policy, value)`` triples."""
        for planes, policy, value in examples:
            self.add(planes, policy, value, augment)

    def sample(self, batch_size, rng):
        """A batch drawn uniformly with replacement: (planes (B, C, H, W), pi (B, A),
        z (B,))."""
        if self.size == 0:
            raise ValueError("ReplayBuffer.sample: the buffer is empty; play games first")
        rows = rng.integers(0, self.size, batch_size)
        return self.planes[rows], self.policies[rows], self.values[rows]

    def state_dict(self):
        """The filled rows and counters, for a checkpoint (arrays and ints only)."""
        return {"planes": self.planes[:self.size].copy(),
                "policies": self.policies[:self.size].copy(),
                "values": self.values[:self.size].copy(),
                "next": self.next, "added": self.added}

    def load_state_dict(self, state):
        """Restore what ``state_dict`` gave (the capacity may have grown since)."""
        n = len(state["values"])
        if n > self.capacity:
            raise ValueError(f"ReplayBuffer.load_state_dict: {n} stored examples do not fit "
                             f"a capacity of {self.capacity}")
        expected = self.planes.shape[1:]
        if tuple(state["planes"].shape[1:]) != expected:
            raise ValueError(f"ReplayBuffer.load_state_dict: stored planes have shape "
                             f"{tuple(state['planes'].shape[1:])}, this game needs {expected}")
        self.planes[:n], self.policies[:n] = state["planes"], state["policies"]
        self.values[:n] = state["values"]
        self.size, self.added = n, int(state["added"])
        self.next = int(state["next"]) % self.capacity if n == self.capacity else n
