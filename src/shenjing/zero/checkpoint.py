"""Checkpoints of a policy-value network: one safetensors file, written atomically.

The file (``shenjing.save``: tensors + JSON metadata, never a pickle) holds

    {"format": "shenjing.zero.checkpoint/1",
     "game": game.config(),        e.g. {"name": "gomoku", "size": 6, "k": 4}
     "net": net.config(),          PolicyValueNet's constructor arguments
     "extra": {...},               what the caller adds: iteration, games played, ...
     "model": net.state_dict()}    tensors "model.stem.0.weight", ...

so that ``load_checkpoint`` rebuilds both the game and the network from the file alone.
"""

from ..io import load, save
from .games import make_game
from .network import PolicyValueNet

FORMAT = "shenjing.zero.checkpoint/1"


def save_checkpoint(path, net, game, **extra):
    """Write ``net`` (its config and state dict), ``game.config()`` and ``extra`` (JSON-able
    values: numbers, strings, lists, dicts; or arrays) to ``path``; atomic: a crash leaves
    the old file or the new one, never half of one."""
    save({"format": FORMAT, "game": game.config(), "net": net.config(), "extra": extra,
          "model": net.state_dict()}, path)


def load_checkpoint(path, game=None):
    """``(net, game, extra)`` from a checkpoint file; the net in eval mode.

    With ``game`` given, the checkpoint must be for that game (the same ``config()``), else
    ValueError naming both.  Never unpickles (``shenjing.load``)."""
    data = load(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a shenjing.zero checkpoint (no {FORMAT!r} format "
                         f"field); was it written by save_checkpoint?")
    stored = data["game"]
    if game is not None and game.config() != stored:
        raise ValueError(f"checkpoint {path} is for {describe_game(stored)}, not "
                         f"{describe_game(game.config())}")
    game = game if game is not None else make_game(**stored)
    net = PolicyValueNet(**data["net"])
    net.load_state_dict(data["model"])
    net.eval()
    return net, game, data["extra"]


def describe_game(config):
    """A game in a few words from its config: 'gomoku 6x6 k=4', 'connect4 (6x7)'."""
    rest = {k: v for k, v in config.items() if k not in ("name", "size", "rows", "cols")}
    words = [str(config.get("name", "?"))]
    if "size" in config:
        words.append(f"{config['size']}x{config['size']}")
    elif "rows" in config and "cols" in config:
        words.append(f"({config['rows']}x{config['cols']})")
    else:
        try:                                          # the board size the name implies
            game = make_game(**config)
            words.append(f"({game.rows}x{game.cols})")
        except (TypeError, ValueError):               # a game this version does not know
            pass
    return " ".join(words + [f"{k}={v}" for k, v in rest.items()])
