"""``shenjing zero train --mpi`` under ``mpirun -n 2``: the games are spread over both
ranks, rank 0 trains, and the run is the same as one process playing every game."""

import json
import sys

TINY = {"blocks": 1, "filters": 8, "value_hidden": 8, "simulations": 4,
        "games_per_iteration": 4, "train_steps": 2, "batch_size": 8, "arena_games": 2,
        "arena_simulations": 2, "buffer_size": 500}


def _record(run):
    record = json.loads((run / "log.jsonl").read_text().splitlines()[-1])
    record.pop("seconds")
    return record


def test_self_play_over_two_ranks_matches_one_process(mpi, tmp_path):
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps(TINY))
    train = ["-m", "shenjing", "zero", "train", "tictactoe", "--config", str(config),
             "--iterations", "1"]
    done = mpi.call(mpi.command(2) + [sys.executable] + train
                    + ["--mpi", "--dir", str(tmp_path / "mpi")], timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    # 4 self-play games and 2 arena games: 3 on each rank
    assert "games played per rank: [3, 3]" in done.stdout
    assert done.stdout.count("iteration 1: self-play 4 games") == 1   # rank 0 alone reports
    alone = mpi.call([sys.executable] + train + ["--workers", "1", "--dir",
                                                 str(tmp_path / "one")], timeout=240)
    assert alone.returncode == 0, alone.stderr[-3000:]
    assert _record(tmp_path / "mpi") == _record(tmp_path / "one")
    assert (tmp_path / "mpi" / "best.safetensors").exists()
