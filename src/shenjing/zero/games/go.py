"""Go on a square board, with area scoring and positional superko.

Rules: black (+1) moves first; a stone whose group has no liberty left is captured;
suicide is forbidden; no move may recreate any earlier whole-board position (positional
superko, which covers simple ko); passing is always legal. The game ends after two
consecutive passes, or after ``max_moves`` moves (passes included), and is scored by area:
stones plus the empty regions that touch only one colour, with ``komi`` added to white.

Moves are ``row * size + col`` (row 0 at the top) and ``size * size`` for the pass.
Positions are compared by Zobrist hashes; each state keeps the frozenset of the hashes of
its game so far (shared with nobody, never modified).
"""

import numpy

from ..players import Player
from .base import _COLUMNS, Game, IllegalMove, State

_BLACK, _WHITE = 1, 2  # the codes of the stones in GoState's byte string; 0 is empty
_TO_INT8 = numpy.array([0, 1, -1], numpy.int8)  # byte code -> board value


class Go(Game):
    """Go on a ``size`` x ``size`` board (2 to 25), ``komi`` points to white; the game
    stops after ``max_moves`` moves (default ``2 * size * size``) if it has not ended.
    ``pass_move`` is the pass's action, ``size * size``.

    Planes of ``GoState.planes()``, each (size, size): the mover's stones, the opponent's
    stones, ones when black is to move, and ones everywhere (shows the board's edge to a
    zero-padded convolution).
    """

    name = "go"
    num_planes = 4

    def __init__(self, size=9, komi=7.5, max_moves=None):
        if not 2 <= int(size) <= len(_COLUMNS):
            raise ValueError(f"Go: size must be 2 to {len(_COLUMNS)}, got {size}")
        if max_moves is not None and int(max_moves) < 1:
            raise ValueError(f"Go: max_moves must be positive, got {max_moves}")
        self.size = self.rows = self.cols = int(size)
        self.komi = float(komi)
        self._max_moves = None if max_moves is None else int(max_moves)
        self.max_moves = self._max_moves or 2 * self.size * self.size
        n = self.size * self.size
        self.action_size = n + 1
        self.pass_move = n
        self._neighbours = tuple(_neighbours(self.size, p) for p in range(n))
        rng = numpy.random.default_rng(12345 + self.size)
        keys = rng.integers(1, 2**63, size=(3, n), dtype=numpy.int64)
        self._zobrist = (None, tuple(map(int, keys[1])), tuple(map(int, keys[2])))

    def config(self):
        config = {"name": self.name, "size": self.size, "komi": self.komi}
        if self._max_moves is not None:
            config["max_moves"] = self._max_moves
        return config

    def initial_state(self):
        return GoState(self, bytes(self.size * self.size), 1, None, 0, frozenset([0]),
                       0, 0, 0, 0)

    def setup(self, board, to_play=1):
        """A position to start from (its game has no earlier positions). ``board`` is an
        int array (size, size) of +1 black, -1 white, 0 empty, or ``size`` strings of
        ``X`` (black), ``O`` (white) and ``.``, top row first (spaces are ignored).
        Raises ValueError when a group has no liberty."""
        if len(board) and isinstance(board[0], str):
            marks = {"X": 1, "O": -1, ".": 0, "+": 0}
            board = [[marks[c] for c in row.upper().replace(" ", "")] for row in board]
        board = numpy.asarray(board, dtype=numpy.int64)
        if board.shape != (self.size, self.size) or not numpy.isin(board, (-1, 0, 1)).all():
            raise ValueError(f"Go.setup: need a {self.size}x{self.size} board of -1, 0, 1")
        codes = numpy.where(board == -1, _WHITE, board).astype(numpy.uint8).reshape(-1)
        cells = codes.tobytes()
        for p in numpy.flatnonzero(codes):
            if _group_if_dead(cells, int(p), self._neighbours) is not None:
                raise ValueError(f"Go.setup: the group at {self.format_move(p)} has no liberty")
        zobrist_hash = 0
        for p in numpy.flatnonzero(codes):
            zobrist_hash ^= self._zobrist[codes[p]][p]
        stones = int(numpy.count_nonzero(codes))
        return GoState(self, cells, 1 if to_play == 1 else -1, None, zobrist_hash,
                       frozenset([zobrist_hash]), 0, 0, stones, stones)

    def format_move(self, action):
        """GTP style: ``'D4'`` (column letter without I, row 1 at the bottom) or ``'pass'``."""
        action = int(action)
        if action == self.pass_move:
            return "pass"
        if not 0 <= action < self.pass_move:
            raise IllegalMove(action, "out of board")
        row, col = divmod(action, self.size)
        return f"{_COLUMNS[col].upper()}{self.size - row}"

    def parse_move(self, text):
        """A move written as ``format_move`` writes it (any case), or an integer index."""
        if text.strip().lower() == "pass":
            return self.pass_move
        return super().parse_move(text)


def _neighbours(size, p):
    row, col = divmod(p, size)
    out = []
    if row > 0:
        out.append(p - size)
    if row < size - 1:
        out.append(p + size)
    if col > 0:
        out.append(p - 1)
    if col < size - 1:
        out.append(p + 1)
    return tuple(out)


def _group_if_dead(cells, start, neighbours):
    """The set of the stones of the group at ``start`` when it has no liberty, else None
    (a depth-first search over the group that stops at its first liberty)."""
    color = cells[start]
    group, stack = {start}, [start]
    while stack:
        for q in neighbours[stack.pop()]:
            v = cells[q]
            if v == 0:
                return None
            if v == color and q not in group:
                group.add(q)
                stack.append(q)
    return group


def _group_and_liberties(cells, start, neighbours):
    """(stones, liberties) of the group at ``start``, two sets of points."""
    color = cells[start]
    group, liberties, stack = {start}, set(), [start]
    while stack:
        for q in neighbours[stack.pop()]:
            v = cells[q]
            if v == 0:
                liberties.add(q)
            elif v == color and q not in group:
                group.add(q)
                stack.append(q)
    return group, liberties


class GoState(State):
    """A Go position. ``board`` is int8 (size, size): +1 black, -1 white, 0 empty;
    ``passes`` counts the passes just played in a row, ``moves`` all moves so far."""

    __slots__ = ("game", "to_play", "last_move", "passes", "moves", "_cells", "_hash",
                 "_history", "_stones", "_peak", "_board", "_legal")

    def __init__(self, game, cells, to_play, last_move, zobrist_hash, history, passes,
                 moves, stones, peak):
        # cells: bytes (size*size,) of 0 / _BLACK / _WHITE; history: the hashes of every
        # position of the game so far, this one included; stones: how many are on the
        # board, peak: the most there ever were (no earlier position has more).
        self.game, self._cells, self.to_play, self.last_move = game, cells, to_play, last_move
        self._hash, self._history = zobrist_hash, history
        self.passes, self.moves, self._stones, self._peak = passes, moves, stones, peak
        self._board = self._legal = None

    @property
    def board(self):
        """int8 (size, size): +1 black stone, -1 white stone, 0 empty (read-only)."""
        if self._board is None:
            size = self.game.size
            board = _TO_INT8[numpy.frombuffer(self._cells, numpy.uint8)].reshape(size, size)
            board.flags.writeable = False
            self._board = board
        return self._board

    def is_terminal(self):
        return self.passes >= 2 or self.moves >= self.game.max_moves

    def play(self, action):
        game = self.game
        action = int(action)
        if self.is_terminal():
            raise IllegalMove(action, "game over")
        if action == game.pass_move:
            return GoState(game, self._cells, -self.to_play, action, self._hash,
                           self._history, self.passes + 1, self.moves + 1, self._stones,
                           self._peak)
        if not 0 <= action < game.pass_move:
            raise IllegalMove(action, "out of board")
        if self._cells[action]:
            raise IllegalMove(action, "occupied")
        me = _BLACK if self.to_play == 1 else _WHITE
        other = 3 - me
        neighbours = game._neighbours
        cells = bytearray(self._cells)
        cells[action] = me
        zobrist_hash = self._hash ^ game._zobrist[me][action]
        captured = 0
        for q in neighbours[action]:
            if cells[q] == other:
                dead = _group_if_dead(cells, q, neighbours)
                if dead is not None:
                    keys = game._zobrist[other]
                    for s in dead:
                        cells[s] = 0
                        zobrist_hash ^= keys[s]
                    captured += len(dead)
        if not captured and _group_if_dead(cells, action, neighbours) is not None:
            raise IllegalMove(action, "suicide")
        if zobrist_hash in self._history:
            raise IllegalMove(action, "ko")
        stones = self._stones + 1 - captured
        return GoState(game, bytes(cells), -self.to_play, action, zobrist_hash,
                       self._history | {zobrist_hash}, 0, self.moves + 1, stones,
                       max(stones, self._peak))

    def legal_mask(self):
        if self._legal is None:
            self._legal = self._compute_legal()
        return self._legal.copy()

    def _compute_legal(self):
        game = self.game
        size, n = game.size, game.pass_move
        mask = numpy.zeros(n + 1, bool)
        if self.is_terminal():
            return mask
        mask[n] = True
        me = _BLACK if self.to_play == 1 else _WHITE
        other = 3 - me
        codes = numpy.frombuffer(self._cells, numpy.uint8).reshape(size, size)
        empty = codes == 0
        empty_nb = _any_neighbour(empty)
        other_nb = _any_neighbour(codes == other)
        # an empty point with an empty neighbour and no opponent neighbour can neither
        # capture nor be suicide: only superko can refuse it
        simple = (empty & empty_nb & ~other_nb).reshape(-1)
        mask[:n] = simple
        cells, history, keys = self._cells, self._history, game._zobrist[me]
        if self._stones + 1 <= self._peak:  # else no earlier position has as many stones
            for p in numpy.flatnonzero(simple).tolist():
                if self._hash ^ keys[p] in history:
                    mask[p] = False
        groups = {}  # stone -> (stones, liberties, hash of the stones) of its group
        neighbours, other_keys = game._neighbours, game._zobrist[other]
        for p in numpy.flatnonzero(empty.reshape(-1) & ~simple).tolist():
            zobrist_hash, captures, lives = self._hash ^ keys[p], False, False
            seen = set()
            for q in neighbours[p]:
                v = cells[q]
                if v == 0:
                    lives = True
                    continue
                if q not in groups:
                    stones, liberties = _group_and_liberties(cells, q, neighbours)
                    group_keys = keys if v == me else other_keys
                    group_hash = 0
                    for s in stones:
                        group_hash ^= group_keys[s]
                    info = (stones, liberties, group_hash)
                    for s in stones:
                        groups[s] = info
                stones, liberties, group_hash = groups[q]
                if v == me:
                    lives = lives or len(liberties) > 1
                elif len(liberties) == 1 and id(stones) not in seen:
                    seen.add(id(stones))
                    captures = True
                    zobrist_hash ^= group_hash
            mask[p] = (captures or lives) and zobrist_hash not in history
        return mask

    def eye_mask(self, color=None):
        """Boolean (action_size,): the empty points that are an eye of ``color`` (default:
        the player to move), by the usual heuristic of random play-outs: every neighbour
        is a stone of that colour, and of the diagonal points at most one is the
        opponent's in the middle of the board, none on the edge. The pass is False."""
        color = self.to_play if color is None else color
        board = self.board
        pad = numpy.pad(board, 1, constant_values=2)  # 2 marks off the board
        up, down, left, right = pad[:-2, 1:-1], pad[2:, 1:-1], pad[1:-1, :-2], pad[1:-1, 2:]
        own = [(d == color) | (d == 2) for d in (up, down, left, right)]
        diagonals = (pad[:-2, :-2], pad[:-2, 2:], pad[2:, :-2], pad[2:, 2:])
        enemy = sum((d == -color).astype(numpy.int8) for d in diagonals)
        edge = sum((d == 2).astype(numpy.int8) for d in diagonals) > 0
        eyes = (board == 0) & own[0] & own[1] & own[2] & own[3] & (enemy + edge < 2)
        return numpy.concatenate([eyes.reshape(-1), [False]])

    def area(self):
        """(black area, white area): stones plus the empty points whose region touches
        only that colour."""
        board = self.board
        empty = board == 0
        reach = []
        for color in (1, -1):
            stones = board == color
            region = stones
            while True:  # grow through empty points until nothing changes
                grown = stones | (empty & (region | _any_neighbour(region)))
                if (grown == region).all():
                    break
                region = grown
            reach.append(region & empty)
        black, white = reach
        return (int((board == 1).sum() + (black & ~white).sum()),
                int((board == -1).sum() + (white & ~black).sum()))

    def score(self):
        """Black's area minus white's area minus komi (float): > 0 when black wins."""
        black, white = self.area()
        return black - white - self.game.komi

    def winner(self):
        if not self.is_terminal():
            return None
        score = self.score()
        return 1 if score > 0 else -1 if score < 0 else 0

    def planes(self):
        board = self.board
        size = self.game.size
        return numpy.stack([board == self.to_play, board == -self.to_play,
                            numpy.full((size, size), self.to_play == 1),
                            numpy.ones((size, size), bool)]).astype(numpy.float32)

    def render(self):
        size = self.game.size
        letters = "   " + " ".join(_COLUMNS[:size].upper())
        marks = {1: "X", -1: "O", 0: "."}
        lines = [letters]
        for r, row in enumerate(self.board.tolist()):
            number = f"{size - r:2d}"
            lines.append(f"{number} " + " ".join(marks[v] for v in row) + f" {number}")
        lines.append(letters)
        return "\n".join(lines)

    def __repr__(self):
        return (f"GoState(size={self.game.size}, to_play={self.to_play}, "
                f"moves={self.moves}, passes={self.passes})")


def _any_neighbour(mask):
    """Boolean (size, size): True where some orthogonal neighbour is True in ``mask``."""
    out = numpy.zeros_like(mask)
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    return out


class RandomGoPlayer(Player):
    """Plays a random legal move that does not fill one of its own eyes (see
    ``GoState.eye_mask``), and passes when no other move is left; ``seed`` makes it
    repeatable. Games between such players end with every dead stone captured."""

    name = "random-go"

    def __init__(self, seed=None):
        self.rng = numpy.random.default_rng(seed)

    def select(self, state):
        moves = numpy.flatnonzero(state.legal_mask() & ~state.eye_mask())
        moves = moves[moves != state.game.pass_move]
        if len(moves) == 0:
            return state.game.pass_move
        return int(self.rng.choice(moves))
