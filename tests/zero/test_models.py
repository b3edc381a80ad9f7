"""The networks shipped in shenjing/zero/models: each loads for its own game, and the JSON
beside it says how it was made."""

import json
import os

import numpy
import pytest

from shenjing.zero import models
from shenjing.zero.checkpoint import load_checkpoint
from shenjing.zero.config import ZeroConfig
from shenjing.zero.games import make_game
from shenjing.zero.inference import FoldedNet

SHIPPED = [name[:-len(".safetensors")] for name in sorted(os.listdir(models._HERE))
           if name.endswith(".safetensors")]


def test_the_course_games_have_networks():
    assert {"tictactoe", "connect4", "gomoku6k4"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_network_loads_for_its_game_and_says_how_it_was_made(name):
    path = os.path.join(models._HERE, name + ".safetensors")
    with open(os.path.join(models._HERE, name + ".json"), encoding="utf-8") as f:
        made = json.load(f)
    game = make_game(made["game"]["name"], **{k: v for k, v in made["game"].items()
                                              if k != "name"})
    assert models.path_for(game) == path
    net, stored, _ = load_checkpoint(path, game)
    assert stored.config() == game.config()
    if made["command"].startswith("shenjing zero imitate"):     # fitted to a teacher's games
        assert made["data"]["games"] > 0 and made["fit"]["held_out_move_agreement"] > 0
    else:                                                        # learned by self-play
        assert made["command"].startswith(("shenjing zero train",
                                           "OPENBLAS_NUM_THREADS=1 shenjing"))
        settings = ZeroConfig.from_dict(made["settings"])
        assert 0 < made["iterations"] <= settings.iterations
    assert made["strength"]
    assert os.path.getsize(path) < 4 << 20          # a few MB at most
    priors, values = FoldedNet.from_module(net)(game.initial_state().planes()[None])
    assert priors.shape == (1, game.action_size) and numpy.isfinite(values).all()
