"""Networks trained by ``shenjing zero train`` and shipped with the package.

Each ``<game>.safetensors`` is a checkpoint of ``zero.checkpoint`` (weights, the game's
settings, the network's shape); ``<game>.json`` beside it records the command, the
settings and the measured strength of the run that made it.
"""

import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def path_for(game):
    """The shipped checkpoint for ``game`` (a Game), or None when there is none."""
    config = game.config()
    for name in _names(config):
        path = os.path.join(_HERE, f"{name}.safetensors")
        if os.path.exists(path):
            return path
    return None


def _names(config):
    name = config["name"]
    if name == "gomoku":
        return [f"gomoku{config['size']}k{config['k']}"]
    if name == "connect4":
        return ["connect4"] if (config.get("rows", 6), config.get("cols", 7)) == (6, 7) else []
    if name == "go":           # one network a board size, whatever the komi and move cap
        return [f"go{config.get('size', 9)}"]
    return [name]
