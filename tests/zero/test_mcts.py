"""PUCT search: the visit spread the formula dictates, exact play with a perfect value,
batching with virtual loss, tree reuse, root noise and temperature."""

import numpy
import pytest

from shenjing.zero.games.tictactoe import _LINES, TicTacToe, TicTacToeState
from shenjing.zero.mcts import MCTS, MCTSPlayer
from shenjing.zero.minimax import Solver

GAME = TicTacToe()


class Uniform:
    """Evaluator: uniform priors (or fixed ``priors``), value 0; records each batch."""

    def __init__(self, priors=None, action_size=9):
        self.priors = numpy.full(action_size, 1 / action_size) if priors is None else priors
        self.batches = []

    def __call__(self, planes):
        self.batches.append(planes.copy())
        b = len(planes)
        return (numpy.tile(self.priors.astype(numpy.float32), (b, 1)),
                numpy.zeros(b, numpy.float32))


def state_from_planes(planes):
    """The tic-tac-toe position drawn in ``planes`` (3, 3, 3)."""
    to_play = 1 if planes[2, 0, 0] else -1
    board = ((planes[0] - planes[1]) * to_play).reshape(9).astype(numpy.int8)
    return TicTacToeState(GAME, board, to_play, None)


class Oracle:
    """Evaluator: uniform priors and the exact minimax value for the mover."""

    def __init__(self):
        self.solver = Solver()

    def __call__(self, planes):
        values = []
        for p in planes:
            state = state_from_planes(p)
            assert not state.is_terminal(), "terminal positions are scored without the net"
            values.append(self.solver.value(state))
        return numpy.full((len(planes), 9), 1 / 9, numpy.float32), numpy.array(values,
                                                                               numpy.float32)


def position(moves):
    state = GAME.initial_state()
    for a in moves:
        state = state.play(a)
    return state


def puct_counts(priors, simulations, c_puct):
    """Root visits by the PUCT rule when every Q stays 0, simulated directly."""
    counts = numpy.zeros(len(priors))
    for _ in range(simulations):
        u = priors * (c_puct * max(counts.sum(), 1.0) ** 0.5) / (1.0 + counts)
        counts[int(numpy.argmax(0.0 + u))] += 1
    return counts


# (a) the spread of visits -----------------------------------------------------------

@pytest.mark.parametrize("simulations", [1, 9, 13, 30, 50])
def test_uniform_priors_spread_visits_evenly(simulations):
    # from the empty board nothing is terminal within 4 plies; with 50 simulations the
    # tree never gets that deep, so every Q stays 0
    counts = MCTS(Uniform(), simulations, batch_size=1).search(GAME.initial_state())
    q, r = divmod(simulations, 9)
    assert counts.tolist() == [q + 1] * r + [q] * (9 - r)  # argmax ties: lowest move


@pytest.mark.parametrize("simulations", [5, 20, 60])
def test_non_uniform_priors_follow_the_puct_formula(simulations):
    raw = numpy.array([0.30, 0.05, 0.10, 0.02, 0.25, 0.08, 0.05, 0.10, 0.05])
    raw = raw.astype(numpy.float32)
    state = position([4])  # the root's legal moves: all but 4
    legal = state.legal_mask()
    p = raw[legal].astype(numpy.float64)
    expected = numpy.zeros(9)
    expected[legal] = puct_counts(p / p.sum(), simulations, 1.5)
    counts = MCTS(Uniform(raw), simulations, c_puct=1.5, batch_size=1).search(state)
    numpy.testing.assert_array_equal(counts, expected)
    assert counts[4] == 0


# (b) exact play with a perfect value ------------------------------------------------

def threats(state, who):
    """Cells where ``who`` would complete a line."""
    out = []
    for a in state.legal_moves():
        board = state.board.copy()
        board[a] = who
        if (board[_LINES].sum(axis=1) == 3 * who).any():
            out.append(int(a))
    return out


def all_positions():
    seen = {}

    def walk(s):
        key = s.board.tobytes()
        if key not in seen:
            seen[key] = s
            for a in s.legal_moves():
                walk(s.play(a))

    walk(GAME.initial_state())
    return [s for s in seen.values() if not s.is_terminal()]


@pytest.fixture(scope="module")
def test_positions():
    """Win-in-one positions (where only the immediate wins win, so that the oracle's
    values single them out), some with the opponent threatening too, and positions
    with one opponent threat to block that is not already lost."""
    solver, wins, both, blocks = Solver(), [], [], []
    for s in all_positions():
        own, opp = threats(s, s.to_play), threats(s, -s.to_play)
        values = solver.move_values(s)
        if own and all(a in own for a, v in values.items() if v == 1):
            (both if opp else wins).append((s, own))
        elif not own and len(opp) == 1 and values[opp[0]] > -1:
            blocks.append((s, opp))
    rng = numpy.random.default_rng(0)
    pick = lambda xs: [xs[i] for i in rng.choice(len(xs), 40, replace=False)]  # noqa: E731
    return {"win": pick(wins), "win despite threat": pick(both), "block": pick(blocks)}


@pytest.mark.parametrize("kind", ["win", "win despite threat", "block"])
@pytest.mark.parametrize("batch_size", [1, 8])
def test_perfect_value_finds_wins_and_blocks(test_positions, kind, batch_size):
    oracle = Oracle()
    for state, good in test_positions[kind]:
        mcts = MCTS(oracle, simulations=48, batch_size=batch_size, seed=0)
        probs = mcts.policy(state, temperature=0)
        assert int(numpy.argmax(probs)) in good, f"{kind}:\n{state}\n{mcts.visit_counts()}"


def test_terminal_leaves_skip_the_evaluator():
    # X O X / X O O / . X .  with O to move: 6 blocks (a draw next), after 8 X wins at 6;
    # the games end two plies down, where the oracle must not be asked
    state = position([0, 1, 2, 4, 3, 5, 7])
    oracle = Oracle()  # asserts it never sees a finished game
    counts = MCTS(oracle, simulations=40, batch_size=4).search(state)
    assert counts.sum() == 40 and counts[6] > counts[8]


# (c) batches, virtual loss, duplicate leaves ----------------------------------------

def test_batches_keep_the_visit_total_and_spread():
    ev = Uniform()
    mcts = MCTS(ev, simulations=50, batch_size=8)
    counts = mcts.search(GAME.initial_state())
    assert counts.sum() == 50
    assert [len(b) for b in ev.batches][:2] == [1, 8]  # the root, then a full batch
    assert sum(len(b) for b in ev.batches) <= 51
    # virtual loss sends the first batch's walks to 8 different moves
    first = ev.batches[1].reshape(8, -1)
    assert len({row.tobytes() for row in first}) == 8


def test_duplicate_leaves_share_one_evaluation():
    # two empty cells, neither finishes the game: walks of a batch of 8 must revisit
    state = position([0, 1, 2, 4, 3, 5, 7])  # X O X / X O O / . X .
    assert state.legal_moves().tolist() == [6, 8] and not threats(state, state.to_play)
    ev = Uniform()
    mcts = MCTS(ev, simulations=8, batch_size=8)
    counts = mcts.search(state)
    assert counts.sum() == 8
    for batch in ev.batches:
        assert len({p.tobytes() for p in batch}) == len(batch)  # no position twice
    assert sum(len(b) for b in ev.batches) < 1 + 8
    assert (mcts.root.N == numpy.rint(mcts.root.N)).all()  # virtual loss all removed


@pytest.mark.parametrize("batch_size", [1, 3, 8, 32])
def test_visit_total_for_any_batch_size(batch_size):
    counts = MCTS(Uniform(), 37, batch_size=batch_size).search(GAME.initial_state())
    assert counts.sum() == 37


# (d) tree reuse ----------------------------------------------------------------------

def test_advance_keeps_the_subtree():
    mcts = MCTS(Uniform(), simulations=100, batch_size=4)
    state = GAME.initial_state()
    counts = mcts.search(state)
    mcts.advance(4)
    kept = mcts.visit_counts()
    assert kept.sum() == counts[4] - 1  # its first visit was its own expansion
    again = mcts.search(state.play(4))  # an equal, not the same, state object
    assert again.sum() == kept.sum() + 100
    assert (again >= kept).all()
    mcts.advance(0)  # the opponent's reply
    assert mcts.root.state.board.tolist() == state.play(4).play(0).board.tolist()
    mcts.reset()
    assert mcts.search(state).sum() == 100


def test_search_elsewhere_starts_a_new_tree():
    mcts = MCTS(Uniform(), simulations=20, batch_size=4)
    mcts.search(GAME.initial_state())
    assert mcts.search(position([0])).sum() == 20


# (e) Dirichlet noise -----------------------------------------------------------------

def test_dirichlet_noise_only_when_enabled_and_seeded():
    state = position([4])
    plain = MCTS(Uniform(), simulations=4)
    plain.search(state)
    expected = numpy.where(state.legal_mask(), 1 / 8, 0.0)
    numpy.testing.assert_allclose(plain.root_priors(), expected)

    def noisy(seed):
        m = MCTS(Uniform(), simulations=4, dirichlet_alpha=0.3, seed=seed)
        m.search(state)
        first = m.root_priors()
        m.search(state)  # same root: no second dose of noise
        numpy.testing.assert_array_equal(m.root_priors(), first)
        return first

    fast = MCTS(Uniform(), simulations=4, dirichlet_alpha=0.3, seed=1)
    fast.search(state, noise=False)                  # a fast self-play search: no noise
    numpy.testing.assert_allclose(fast.root_priors(), expected)

    a, b, c = noisy(1), noisy(1), noisy(2)
    numpy.testing.assert_array_equal(a, b)
    assert not numpy.allclose(a, expected) and not numpy.allclose(a, c)
    assert a[4] == 0 and a.sum() == pytest.approx(1.0)
    assert (a[state.legal_mask()] >= 0.75 / 8 - 1e-12).all()  # (1 - eps) of the prior kept


# (f) temperature ---------------------------------------------------------------------

def test_temperature():
    state = GAME.initial_state()
    mcts = MCTS(Uniform(), simulations=13)
    t1 = mcts.policy(state, temperature=1.0)
    counts = mcts.visit_counts()
    numpy.testing.assert_allclose(t1, counts / counts.sum())
    mcts.reset()
    half = mcts.policy(state, temperature=0.5)
    numpy.testing.assert_allclose(half, counts ** 2 / (counts ** 2).sum())
    mcts.reset()
    t0 = mcts.policy(state, temperature=0)
    assert t0.sum() == 1 and t0.max() == 1 and counts[int(t0.argmax())] == counts.max()
    # 9 simulations visit every move once: temperature 0 breaks the tie at random
    picks = {int(MCTS(Uniform(), 9, seed=s).policy(state, 0).argmax()) for s in range(30)}
    assert len(picks) > 3


# the player --------------------------------------------------------------------------

def test_mcts_player_keeps_its_tree_and_plays_perfectly():
    player = MCTSPlayer(Oracle(), simulations=48, batch_size=4, seed=0)
    player.reset()
    state = position([0, 4, 1])  # O must block at 2
    move = player.select(state)
    assert move == 2 and player.last_counts.sum() == 48
    player.observe(move)
    player.observe(6)
    assert player.mcts.root.state.board.tolist() == state.play(2).play(6).board.tolist()
    player.reset()
    assert player.mcts.root is None


def test_connect_four_win_in_one_from_terminal_values_alone():
    from shenjing.zero.games import game_names, make_game
    if "connect4" not in game_names():
        pytest.skip("connect4 is not registered")
    game = make_game("connect4")
    state = game.initial_state()
    for a in (0, 6, 1, 6, 2, 5):  # X holds a1 b1 c1 and wins at d1 (column 3)
        state = state.play(a)
    ev = Uniform(action_size=game.action_size)
    probs = MCTS(ev, simulations=100, batch_size=8, seed=0).policy(state, temperature=0)
    assert int(probs.argmax()) == 3
