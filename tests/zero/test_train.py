import json

import numpy
import pytest

from shenjing.zero.checkpoint import load_checkpoint
from shenjing.zero.config import ZeroConfig
from shenjing.zero.games import make_game
from shenjing.zero.train import Trainer

TINY = dict(blocks=1, filters=8, value_hidden=8, simulations=8, leaf_batch=4,
            games_per_iteration=3, workers=1, train_steps=4, batch_size=16, arena_games=2,
            arena_simulations=4, buffer_size=2000, iterations=2)


def tiny(**changes):
    return ZeroConfig.from_dict({**TINY, **changes})


def test_iterations_write_log_best_and_trainer_state(tmp_path):
    game = make_game("tictactoe")
    lines = []
    records = Trainer(game, tiny(), tmp_path, report=lines.append).run()
    assert [r["iteration"] for r in records] == [1, 2]
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert log == json.loads(json.dumps(records))
    for record in log:
        assert record["games"] == 3
        assert record["arena"]["wins"] + record["arena"]["losses"] + record["arena"]["draws"] == 2
        assert numpy.isfinite(record["loss"]) and record["loss"] > 0
    # every self-play position is stored with its 8 symmetric copies
    assert log[-1]["buffer"] % 8 == 0 and log[-1]["buffer"] > log[0]["buffer"]
    assert any("arena candidate vs best" in line for line in lines)
    net, loaded_game, extra = load_checkpoint(tmp_path / "best.safetensors", game)
    assert extra["iteration"] == 2 and loaded_game == game


def test_resume_continues_where_the_run_stopped(tmp_path):
    game = make_game("tictactoe")
    first = Trainer(game, tiny(iterations=1), tmp_path, report=lambda line: None)
    first.run()
    buffer_size = len(first.buffer)
    weights = {k: v.numpy().copy() for k, v in first.candidate.state_dict().items()}
    lines = []
    second = Trainer(game, tiny(iterations=2), tmp_path, report=lines.append)
    assert second.iteration == 1 and len(second.buffer) == buffer_size
    assert "resumed" in lines[0]
    for key, value in second.candidate.state_dict().items():
        numpy.testing.assert_array_equal(value.numpy(), weights[key])
    assert second.optimizer.state_dict()["state"], "the Adam moments were restored"
    records = second.run()
    assert [r["iteration"] for r in records] == [2]
    assert len((tmp_path / "log.jsonl").read_text().splitlines()) == 2


def test_a_run_of_another_game_is_refused(tmp_path):
    Trainer(make_game("tictactoe"), tiny(iterations=1), tmp_path, report=lambda l: None).run()
    with pytest.raises(ValueError, match="TicTacToe.*not Gomoku"):
        Trainer(make_game("gomoku", size=5, k=4), tiny(), tmp_path, report=lambda l: None)


def test_self_play_in_two_processes_matches_one(tmp_path):
    game = make_game("tictactoe")
    one = Trainer(game, tiny(workers=1), tmp_path / "one", report=lambda l: None)
    two = Trainer(game, tiny(workers=2), tmp_path / "two", report=lambda l: None)
    from shenjing.zero.workers import WorkerPool
    with WorkerPool(1) as p1, WorkerPool(2) as p2:
        games_one, games_two = one.self_play(p1), two.self_play(p2)
    # the same seeds give the same games whichever process plays them
    assert [moves for _, _, moves in games_one] == [moves for _, _, moves in games_two]


def test_a_new_run_can_start_from_a_checkpoint(tmp_path):
    game = make_game("tictactoe")
    Trainer(game, tiny(iterations=1), tmp_path / "a", report=lambda line: None).run()
    source = tmp_path / "a" / "best.safetensors"
    net, _, _ = load_checkpoint(source, game)
    lines = []
    trainer = Trainer(game, tiny(iterations=1, seed=5), tmp_path / "b", report=lines.append,
                      start=source)
    assert lines == [f"new run starting from {source}"] and trainer.iteration == 0
    for module in (trainer.candidate, trainer.best):
        for key, value in module.state_dict().items():
            numpy.testing.assert_array_equal(value.numpy(), net.state_dict()[key].numpy())
    with pytest.raises(ValueError, match="settings ask for"):
        Trainer(game, tiny(filters=16), tmp_path / "c", start=source)
    with pytest.raises(ValueError, match="is for tictactoe.*not gomoku 5x5"):
        Trainer(make_game("gomoku", size=5, k=4), tiny(), tmp_path / "d", start=source)
