"""``shenjing zero ...`` end to end: each command run as a user runs it."""

import json
import subprocess
import sys

import pytest

from shenjing.cli import main
from shenjing.zero.checkpoint import save_checkpoint
from shenjing.zero.games import make_game
from shenjing.zero.network import PolicyValueNet


@pytest.fixture
def tictactoe_model(tmp_path):
    game = make_game("tictactoe")
    net = PolicyValueNet.for_game(game, blocks=1, filters=8, value_hidden=8)
    path = tmp_path / "ttt.safetensors"
    save_checkpoint(path, net, game)
    return path


def run_cli(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "shenjing", "zero", *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_play_refuses_illegal_input_and_goes_on(tictactoe_model):
    # the human (X) plays the centre, then tries it again, then an off-board cell, then quits
    out = run_cli("play", "tictactoe", "--model", str(tictactoe_model), "--simulations", "4",
                  stdin="b2\nb2\nz9\nquit\n")
    assert out.returncode == 0, out.stderr
    assert "network plays" in out.stdout
    assert "illegal move: occupied" in out.stdout
    assert "illegal move: out of board" in out.stdout
    assert out.stdout.rstrip().endswith("bye")


def test_play_to_the_end_announces_the_result(tictactoe_model):
    moves = "\n".join(["a1", "a2", "a3", "b1", "b2", "b3", "c1", "c2", "c3"] * 2) + "\n"
    out = run_cli("play", "tictactoe", "--model", str(tictactoe_model), "--simulations", "2",
                  stdin=moves)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip().splitlines()[-1] in ("draw", "you win", "the network wins")


def test_play_refuses_a_checkpoint_of_another_game(tictactoe_model):
    out = run_cli("play", "connect4", "--model", str(tictactoe_model))
    assert out.returncode == 2
    assert "tictactoe" in out.stderr and "connect4" in out.stderr


def test_arena_between_named_players(capsys):
    assert main(["zero", "arena", "uct:200", "random", "--game", "tictactoe",
                 "--games", "4"]) == 0
    line = capsys.readouterr().out
    assert "uct:200 vs random" in line and "4 games" in line
    wins = int(line.split(" wins")[0].rsplit(" ", 1)[1])
    losses = int(line.split(" losses")[0].rsplit(" ", 1)[1])
    assert wins >= 3 and losses == 0


def test_arena_takes_the_game_from_a_checkpoint(tictactoe_model, capsys):
    assert main(["zero", "arena", f"{tictactoe_model}:4", "random", "--games", "2"]) == 0
    assert "TicTacToe()" in capsys.readouterr().out


def test_arena_without_a_game_says_what_is_missing(capsys):
    assert main(["zero", "arena", "random", "random"]) == 2
    assert "--game" in capsys.readouterr().err


def test_train_runs_and_resumes(tmp_path):
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({"blocks": 1, "filters": 8, "value_hidden": 8,
                                  "simulations": 4, "games_per_iteration": 2,
                                  "train_steps": 2, "batch_size": 8, "arena_games": 2,
                                  "arena_simulations": 2, "buffer_size": 500}))
    run = tmp_path / "run"
    out = run_cli("train", "tictactoe", "--config", str(config), "--dir", str(run),
                  "--iterations", "1", "--workers", "1")
    assert out.returncode == 0, out.stderr
    assert "iteration 1: self-play 2 games" in out.stdout
    out = run_cli("train", "tictactoe", "--config", str(config), "--dir", str(run),
                  "--iterations", "2", "--workers", "1")
    assert "resumed" in out.stdout and "iteration 2:" in out.stdout
    assert len((run / "log.jsonl").read_text().splitlines()) == 2


def test_train_from_the_shipped_network(tmp_path):
    config = tmp_path / "short.json"
    config.write_text(json.dumps({"simulations": 4, "games_per_iteration": 2,
                                  "train_steps": 2, "batch_size": 8, "arena_games": 2,
                                  "arena_simulations": 2, "buffer_size": 500}))
    out = run_cli("train", "tictactoe", "--config", str(config), "--dir",
                  str(tmp_path / "run"), "--iterations", "1", "--workers", "1",
                  "--model", "shipped")
    assert out.returncode == 0, out.stderr
    assert "new run starting from" in out.stdout and "tictactoe.safetensors" in out.stdout
    # a network of another shape is refused in a line, not a traceback
    config.write_text(json.dumps({"blocks": 1}))
    out = run_cli("train", "tictactoe", "--config", str(config), "--dir",
                  str(tmp_path / "other"), "--model", "shipped")
    assert out.returncode == 2 and "settings ask for" in out.stderr
    assert "Traceback" not in out.stderr


def test_gtp_over_stdin(tmp_path):
    script = "1 protocol_version\n2 boardsize 5\n3 play black c3\n4 play white c3\n" \
             "5 genmove white\nquit\n"
    out = run_cli("gtp", "--player", "random", stdin=script)
    assert out.returncode == 0, out.stderr
    lines = [line.rstrip() for line in out.stdout.splitlines() if line.strip()]
    assert lines[0] == "=1 2"
    assert lines[1] == "=2" and lines[2] == "=3"
    assert lines[3].startswith("?4") and "occupied" in lines[3]
    assert lines[4].startswith("=5 ")
