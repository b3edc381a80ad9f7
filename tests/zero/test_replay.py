import numpy
import pytest

from shenjing.zero.games import make_game
from shenjing.zero.replay import ReplayBuffer


def example(game, seed):
    rng = numpy.random.default_rng(seed)
    planes = rng.random((game.num_planes, game.rows, game.cols)).astype(numpy.float32)
    pi = rng.random(game.action_size).astype(numpy.float32)
    return planes, pi / pi.sum(), float(rng.choice([-1, 0, 1]))


def test_add_stores_every_symmetry_with_the_same_outcome():
    game = make_game("tictactoe")
    buffer = ReplayBuffer(game, 100)
    planes, pi, z = example(game, 0)
    buffer.add(planes, pi, z)
    assert len(buffer) == 8 and buffer.added == 8
    numpy.testing.assert_array_equal(buffer.planes[0], planes)   # identity first
    assert (buffer.values[:8] == z).all()
    # a rotation moves the policy with the board: the probability of each cell is kept
    for p, q in zip(buffer.planes[:8], buffer.policies[:8]):
        own = p[0].reshape(-1)
        numpy.testing.assert_allclose(numpy.sort(q), numpy.sort(pi))
        numpy.testing.assert_allclose(numpy.sort(own), numpy.sort(planes[0].reshape(-1)))


def test_ring_keeps_the_most_recent_examples():
    game = make_game("tictactoe")
    buffer = ReplayBuffer(game, 5)
    for i in range(7):
        planes, pi, _ = example(game, i)
        buffer.add(planes, pi, float(i), augment=False)
    assert len(buffer) == 5
    assert sorted(buffer.values.tolist()) == [2, 3, 4, 5, 6]


def test_sample_shapes_and_empty_error():
    game = make_game("tictactoe")
    buffer = ReplayBuffer(game, 50)
    with pytest.raises(ValueError, match="empty"):
        buffer.sample(4, numpy.random.default_rng(0))
    buffer.extend([example(game, i) for i in range(3)])
    planes, pi, z = buffer.sample(16, numpy.random.default_rng(0))
    assert planes.shape == (16, 3, 3, 3) and pi.shape == (16, 9) and z.shape == (16,)
    assert planes.dtype == pi.dtype == z.dtype == numpy.float32


def test_state_dict_round_trip_continues_the_ring():
    game = make_game("tictactoe")
    full = ReplayBuffer(game, 10)
    full.extend([example(game, i) for i in range(3)])     # 24 added into 10 rows
    restored = ReplayBuffer(game, 10)
    restored.load_state_dict(full.state_dict())
    assert (restored.next, restored.size, restored.added) == (full.next, full.size, full.added)
    numpy.testing.assert_array_equal(restored.planes, full.planes)
    planes, pi, z = example(game, 9)
    full.add(planes, pi, z)
    restored.add(planes, pi, z)
    numpy.testing.assert_array_equal(restored.values, full.values)


def test_state_dict_refuses_another_board():
    small = ReplayBuffer(make_game("tictactoe"), 10)
    small.extend([example(make_game("tictactoe"), 0)])
    other = ReplayBuffer(make_game("gomoku6"), 10)
    with pytest.raises(ValueError, match="shape"):
        other.load_state_dict(small.state_dict())
