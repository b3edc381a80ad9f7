import json

import pytest

from shenjing.zero.config import ZeroConfig, load_config, preset


def test_preset_overrides_defaults_and_json_overrides_preset(tmp_path):
    base = preset("tictactoe")
    assert base.blocks == 2 and base.filters == 32
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"simulations": 10, "lr": 1}))
    config = load_config(path, base)
    assert config.simulations == 10 and config.lr == 1.0 and config.blocks == 2


def test_unknown_and_mistyped_settings_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown setting.*simulation"):
        ZeroConfig.from_dict({"simulation": 3})
    with pytest.raises(ValueError, match="'blocks' expects int"):
        ZeroConfig.from_dict({"blocks": "four"})
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_config(path)


def test_unknown_game_gets_the_defaults():
    assert preset("no-such-game") == ZeroConfig()
