"""Checkpoints: a round trip gives the same network, a checkpoint for another game is
refused naming both, the write is atomic, and loading never unpickles."""

import os
import pickle

import numpy
import pytest

import shenjing
from shenjing.zero.checkpoint import load_checkpoint, save_checkpoint
from shenjing.zero.games import make_game
from shenjing.zero.network import PolicyValueNet

from .test_network import randomize_batch_norms


def small_net(game, seed=0):
    shenjing.manual_seed(seed)
    net = PolicyValueNet.for_game(game, blocks=1, filters=8, value_hidden=16)
    randomize_batch_norms(net, numpy.random.default_rng(seed))
    return net.eval()


def outputs(net, x):
    with shenjing.no_grad():
        logits, value = net(shenjing.tensor(x))
    return logits.numpy(), value.numpy()


def test_round_trip(tmp_path):
    game = make_game("connect4")
    net = small_net(game)
    path = tmp_path / "best.safetensors"
    save_checkpoint(path, net, game, iteration=12, config={"lr": 0.001, "blocks": 1})
    loaded, loaded_game, extra = load_checkpoint(path)
    assert loaded_game == game and extra == {"iteration": 12,
                                             "config": {"lr": 0.001, "blocks": 1}}
    assert loaded.config() == net.config() and not loaded.training
    x = numpy.random.default_rng(0).random((3, game.num_planes, game.rows, game.cols))
    x = x.astype(numpy.float32)
    for a, b in zip(outputs(net, x), outputs(loaded, x)):
        numpy.testing.assert_array_equal(a, b)
    # with the right game given, the same
    assert load_checkpoint(str(path), game)[0].config() == net.config()


def test_another_game_is_refused_naming_both(tmp_path):
    game = make_game("connect4")
    path = tmp_path / "c4.safetensors"
    save_checkpoint(path, small_net(game), game)
    with pytest.raises(ValueError) as info:
        load_checkpoint(path, make_game("gomoku6"))
    message = str(info.value)
    assert str(path) in message and "connect4 (6x7)" in message
    assert "gomoku 6x6 k=4" in message


def test_write_is_atomic(tmp_path, monkeypatch):
    game = make_game("tictactoe")
    path = tmp_path / "net.safetensors"
    save_checkpoint(path, small_net(game, 1), game, iteration=1)
    save_checkpoint(path, small_net(game, 2), game, iteration=2)  # replaces the file
    assert os.listdir(tmp_path) == ["net.safetensors"]          # no temporary file left
    assert load_checkpoint(path)[2] == {"iteration": 2}

    safetensors_numpy = pytest.importorskip("safetensors.numpy")

    def crash(arrays, filename, metadata=None):     # a write that dies half-way
        with open(filename, "wb") as f:
            f.write(b"half a file")
        raise OSError("disk full")
    monkeypatch.setattr(safetensors_numpy, "save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, small_net(game, 3), game, iteration=3)
    assert os.listdir(tmp_path) == ["net.safetensors"]
    assert load_checkpoint(path)[2] == {"iteration": 2}


def test_loading_never_unpickles(tmp_path, monkeypatch):
    game = make_game("tictactoe")
    path = tmp_path / "net.safetensors"
    save_checkpoint(path, small_net(game), game)

    def refuse(*args, **kwargs):
        raise AssertionError("load_checkpoint unpickled")
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    load_checkpoint(path)


def test_a_plain_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "weights.safetensors"
    shenjing.save(small_net(make_game("tictactoe")).state_dict(), path)
    with pytest.raises(ValueError, match="not a shenjing.zero checkpoint"):
        load_checkpoint(path)
