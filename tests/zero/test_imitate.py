"""Learning a first Go network from GNU Go's games: the games are recorded as Go rules and
GNU Go's own count say, and the network fits them."""

import shutil

import numpy
import pytest

from shenjing.zero.games.go import Go
from shenjing.zero.imitate import agreement, imitate, parse_score, teacher_games


def _gnugo():
    path = shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games")
    if path is None:
        pytest.skip("GNU Go is not installed (apt-get install gnugo)")
    return [path, "--mode", "gtp", "--level", "0", "--chinese-rules"]


@pytest.mark.parametrize("text, margin", [("B+3.5", 3.5), ("W+12", -12.0), ("0", 0.0),
                                          ("w+R", -float("inf")), (" B+0.5 ", 0.5)])
def test_parse_score(text, margin):
    assert parse_score(text) == margin


def test_parse_score_refuses_other_text():
    with pytest.raises(ValueError, match="got 'B\\+'"):
        parse_score("B+")


@pytest.fixture(scope="module")
def games():
    from shenjing.zero.gtp import GTPClient
    with GTPClient(_gnugo()) as engine:
        return Go(size=9), teacher_games(Go(size=9), engine, 3, seed=1, random_moves=2)


def test_teacher_games_record_one_hot_moves_and_the_teachers_result(games):
    game, played = games
    for examples, margin in played:
        assert len(examples) > 10
        for planes, pi, z in examples:
            assert planes.shape == (game.num_planes, 9, 9)
            assert pi.sum() == 1 and pi.max() == 1
            to_play = 1 if planes[2, 0, 0] == 1 else -1    # plane 2: black to move
            assert z == numpy.sign(margin) * to_play
        # the first recorded position follows the 2 random opening moves
        assert examples[0][0][:2].sum() == 2


def test_imitate_fits_the_teachers_moves(games):
    game, played = games
    net, stats = imitate(game, played, steps=300, blocks=1, filters=16, lr=3e-3, held_out=0.0,
                         seed=0)
    examples = [e for ex, _ in played for e in ex]
    moves, values = agreement(net, examples)
    assert moves > 0.5, stats         # a random policy agrees on ~1 move in 50
    assert stats["train_positions"] == len(examples) and stats["held_out_positions"] == 0


def test_imitate_command_refuses_a_game_that_is_not_go(tmp_path):
    from shenjing import cli
    with pytest.raises(SystemExit, match="Go protocol"):
        cli.main(["zero", "imitate", "tictactoe", "--out", str(tmp_path / "x.safetensors")])


def test_imitate_command_names_a_missing_teacher(tmp_path):
    from shenjing import cli
    with pytest.raises(SystemExit, match="no-such-go-program.*apt-get install gnugo"):
        cli.main(["zero", "imitate", "go", "--teacher", "no-such-go-program --mode gtp",
                  "--games", "1", "--out", str(tmp_path / "x.safetensors")])


def test_teacher_games_survive_a_round_trip_through_their_file(games, tmp_path):
    from shenjing.zero.imitate import load_games, save_games
    game, played = games
    save_games(tmp_path / "games.safetensors", played)
    back = load_games(tmp_path / "games.safetensors", game)
    assert [m for _, m in back] == [m for _, m in played]
    for (examples, _), (again, _) in zip(played, back):
        assert len(examples) == len(again)
        for (p, pi, z), (p2, pi2, z2) in zip(examples, again):
            assert (p == p2).all() and (pi == pi2).all() and z == z2
