"""A perfect Connect Four (7 x 6) solver, the oracle of the strength measurements.

Strong solving as in Pascal Pons' "Solving Connect 4" (blog.gamesolver.org): bitboards,
negamax with alpha-beta, centre-first move ordering refined by the number of threats a
move makes, a transposition table of bounds, and an iterative null-window search for the
exact score.

Bitboards (Python / numba int64) use the layout of ``shenjing.zero.games.connect_four``:
column ``c`` owns bits ``7c .. 7c + 5`` from the bottom up and an empty sentinel bit
``7c + 6`` above them. A position is ``(current, mask, moves)``: the discs of the player
to move, all discs, and the number of discs.

Scores follow Pons' convention, for the player to move in a position with ``n`` discs:

    win with your k-th own disc     ->  22 - k       (positive: faster wins score more)
    draw                            ->  0
    loss to the opponent's k-th     ->  k - 22       (negative: slower losses score more)

so the move that wins at once scores (43 - n) // 2, and a score's sign is the
game-theoretic result (won / drawn / lost).

    s = Solver()
    s.solve_moves("4453")          # exact score of the position after columns d d e c
    s.move_scores(state)           # int (7,) score of each move, ILLEGAL (-1000) if full
"""

import numpy
from numba import njit

WIDTH, HEIGHT = 7, 6
H1 = HEIGHT + 1
CELLS = WIDTH * HEIGHT
MIN_SCORE = -(CELLS // 2) + 3        # -18: the earliest loss is to the opponent's 4th disc
MAX_SCORE = (CELLS + 1) // 2 - 3     # 18: the earliest win is with your own 4th disc
ILLEGAL = -1000                      # move_scores' mark for a full column

BOTTOM = sum(1 << (c * H1) for c in range(WIDTH))
BOARD = BOTTOM * ((1 << HEIGHT) - 1)
ORDER = numpy.array([3, 2, 4, 1, 5, 0, 6], numpy.int64)  # centre first
TT_SIZE = (1 << 23) + 9              # a prime, so that key % size spreads the keys


@njit(cache=True)
def _popcount(m):
    c = 0
    while m:
        m &= m - 1
        c += 1
    return c


@njit(cache=True)
def _winning_cells(position, mask):
    """The empty cells (playable now or not) that would complete four for ``position``'s
    owner: the threats. Left shifts may overflow past bit 63; the final mask drops that."""
    # vertical: three on top of each other, the cell above
    r = (position << 1) & (position << 2) & (position << 3)
    for s in (H1, H1 - 1, H1 + 1):   # horizontal and the two diagonals
        p = (position << s) & (position << (2 * s))
        r |= p & (position << (3 * s))
        r |= p & (position >> s)
        p = (position >> s) & (position >> (2 * s))
        r |= p & (position << s)
        r |= p & (position >> (3 * s))
    return r & (BOARD ^ mask)


@njit(cache=True)
def _possible(mask):
    """The cells a disc would land in, one per non-full column."""
    return (mask + BOTTOM) & BOARD


@njit(cache=True)
def _non_losing_moves(current, mask):
    """The playable cells that do not hand the opponent an immediate win; 0 when every
    move loses (the opponent has two threats to block, or only a cell under a threat is
    left). Assumes the player to move cannot win at once."""
    possible = _possible(mask)
    opponent_win = _winning_cells(current ^ mask, mask)
    forced = possible & opponent_win
    if forced:
        if forced & (forced - 1):
            return 0                 # two threats: one can be blocked
        possible = forced
    return possible & ~(opponent_win >> 1)   # never play right under an opponent's threat


@njit(cache=True)
def _negamax(current, mask, moves, alpha, beta, keys, vals, buf_move, buf_score):
    """The score of the position if it lies in (alpha, beta); otherwise a bound on the
    same side of the window (fail-soft is not needed: alpha-beta's contract). Assumes the
    player to move cannot win at once."""
    nxt = _non_losing_moves(current, mask)
    if nxt == 0:
        return -((CELLS - moves) // 2)
    if moves >= CELLS - 2:
        return 0                     # the opponent's last disc cannot win: it would be ours
    lo = -((CELLS - 2 - moves) // 2)  # we cannot lose at the opponent's next disc
    if alpha < lo:
        alpha = lo
        if alpha >= beta:
            return alpha
    hi = (CELLS - 1 - moves) // 2    # we cannot win with our next disc
    key = current + mask
    slot = key % TT_SIZE
    if keys[slot] == key:
        v = vals[slot]
        if v > MAX_SCORE - MIN_SCORE + 1:        # a lower bound
            lo = v + 2 * MIN_SCORE - MAX_SCORE - 2
            if alpha < lo:
                alpha = lo
                if alpha >= beta:
                    return alpha
        else:                                    # an upper bound
            hi = v + MIN_SCORE - 1
    if beta > hi:
        beta = hi
        if alpha >= beta:
            return beta
    # order: most threats made first, ties in centre-first order (insertion sort, stable)
    n = 0
    for i in range(WIDTH):
        col = ORDER[WIDTH - 1 - i]
        move = nxt & (((1 << HEIGHT) - 1) << (col * H1))
        if move:
            sc = _popcount(_winning_cells(current | move, mask))
            j = n
            while j > 0 and buf_score[moves, j - 1] > sc:
                buf_move[moves, j] = buf_move[moves, j - 1]
                buf_score[moves, j] = buf_score[moves, j - 1]
                j -= 1
            buf_move[moves, j] = move
            buf_score[moves, j] = sc
            n += 1
    for i in range(n - 1, -1, -1):
        move = buf_move[moves, i]
        score = -_negamax(current ^ mask, mask | move, moves + 1, -beta, -alpha,
                          keys, vals, buf_move, buf_score)
        if score >= beta:
            keys[slot] = key
            vals[slot] = score + MAX_SCORE - 2 * MIN_SCORE + 2
            return score
        if score > alpha:
            alpha = score
    keys[slot] = key
    vals[slot] = alpha - MIN_SCORE + 1
    return alpha


@njit(cache=True)
def _solve(current, mask, moves, keys, vals, buf_move, buf_score):
    """The exact score of a non-terminal position (iterative null-window search)."""
    if _winning_cells(current, mask) & _possible(mask):
        return (CELLS + 1 - moves) // 2
    lo = -((CELLS - moves) // 2)
    hi = (CELLS + 1 - moves) // 2
    while lo < hi:
        med = lo + (hi - lo) // 2
        # probe near 0 first: most positions are decided by a small margin
        half_lo, half_hi = -((-lo) // 2), hi // 2   # C-style division toward zero
        if med <= 0 and half_lo < med:
            med = half_lo
        elif med >= 0 and half_hi > med:
            med = half_hi
        r = _negamax(current, mask, moves, med, med + 1, keys, vals, buf_move, buf_score)
        if r <= med:
            hi = r
        else:
            lo = r
    return lo


def _is_win(bits):
    """True when ``bits`` hold four in a row (plain Python, for parsing)."""
    for s in (1, H1, H1 - 1, H1 + 1):
        m = bits & (bits >> s)
        if m & (m >> (2 * s)):
            return True
    return False


class Position:
    """A position as bitboards: ``current`` (the mover's discs), ``mask``, ``moves``."""

    __slots__ = ("current", "mask", "moves")

    def __init__(self, current=0, mask=0, moves=0):
        self.current, self.mask, self.moves = current, mask, moves

    @classmethod
    def from_moves(cls, sequence):
        """The position after ``sequence``: columns as a string of 1-based digits
        (Pons' notation, ``"4453"``) or an iterable of 0-based ints. Raises ValueError on
        a full column or a move after four in a row."""
        if isinstance(sequence, str):
            cols = [int(ch) - 1 for ch in sequence]
        else:
            cols = [int(c) for c in sequence]
        pos = cls()
        for i, col in enumerate(cols):
            if not 0 <= col < WIDTH or not pos.can_play(col):
                raise ValueError(f"Position.from_moves: move {i} (column {col}) is not "
                                 f"playable in {sequence!r}")
            if pos.is_winning_move(col):
                if i != len(cols) - 1:
                    raise ValueError(f"Position.from_moves: the game is over after move {i} "
                                     f"of {sequence!r}")
            pos.play(col)
        return pos

    @classmethod
    def from_state(cls, state):
        """The position of a ``shenjing.zero`` ConnectFourState (7 x 6)."""
        game = state.game
        if (game.rows, game.cols) != (HEIGHT, WIDTH):
            raise ValueError(f"Position.from_state: the solver is for 7x6 boards, got "
                             f"{game.cols}x{game.rows}")
        return cls(int(state.own), int(state.mask), bin(state.mask).count("1"))

    def can_play(self, col):
        return not self.mask & (1 << (HEIGHT - 1 + col * H1))

    def _move_bit(self, col):
        return (self.mask + (1 << (col * H1))) & (((1 << HEIGHT) - 1) << (col * H1))

    def is_winning_move(self, col):
        """True when dropping a disc in ``col`` makes four for the player to move."""
        return _is_win(self.current | self._move_bit(col))

    def play(self, col):
        """Drop the mover's disc in ``col`` (in place)."""
        move = self._move_bit(col)
        self.current ^= self.mask
        self.mask |= move
        self.moves += 1

    def copy(self):
        return Position(self.current, self.mask, self.moves)


class Solver:
    """Exact scores of positions (see the module docstring); the transposition table
    (about 75 MB) is kept between calls, which is sound because it stores only bounds
    that hold for the position whatever the window."""

    def __init__(self):
        self.keys = numpy.full(TT_SIZE, -1, numpy.int64)  # no key is -1; the empty board's is 0
        self.vals = numpy.zeros(TT_SIZE, numpy.int8)
        self.buf_move = numpy.zeros((CELLS + 1, WIDTH), numpy.int64)
        self.buf_score = numpy.zeros((CELLS + 1, WIDTH), numpy.int64)

    def solve(self, pos):
        """The exact score of ``pos`` (a Position, not over) for the player to move."""
        if pos.moves >= CELLS:
            raise ValueError("Solver.solve: the board is full")
        return int(_solve(pos.current, pos.mask, pos.moves, self.keys, self.vals,
                          self.buf_move, self.buf_score))

    def solve_moves(self, sequence):
        """The exact score after ``sequence`` (see Position.from_moves)."""
        return self.solve(Position.from_moves(sequence))

    def move_scores(self, pos):
        """int64 (7,): the exact score, for the player to move in ``pos``, of each move;
        ``ILLEGAL`` on full columns. ``pos`` may be a Position or a ConnectFourState."""
        if not isinstance(pos, Position):
            pos = Position.from_state(pos)
        out = numpy.full(WIDTH, ILLEGAL, numpy.int64)
        for col in range(WIDTH):
            if not pos.can_play(col):
                continue
            if pos.is_winning_move(col):
                out[col] = (CELLS + 1 - pos.moves) // 2
            elif pos.moves + 1 == CELLS:
                out[col] = 0
            else:
                child = pos.copy()
                child.play(col)
                out[col] = -self.solve(child)
        return out


def minimax_score(state):
    """The exact score of a ``shenjing.zero`` ConnectFourState by plain negamax over the
    game's own rules: no pruning, no table, no bitboard tricks. Exponential: only for
    positions with few empty cells. The cross-check of ``Solver``."""
    n = bin(state.mask).count("1")
    best = -CELLS
    for action in state.legal_moves():
        child = state.play(action)
        if child.is_terminal():
            w = child.winner()
            score = 0 if w == 0 else (CELLS + 1 - n) // 2   # the mover just won
        else:
            score = -minimax_score(child)
        best = max(best, score)
    return best
