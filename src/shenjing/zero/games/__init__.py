"""The games of ``shenjing.zero``, behind the one interface of ``games.base``.

``make_game("connect4")`` or ``make_game(name="gomoku", size=6, k=4)`` builds a game from
its registry name and settings (the dict ``Game.config()`` returns); the presets
``gomoku6`` (6x6, four in a row), ``gomoku8`` (8x8/5), ``gomoku15`` (15x15/5) and ``go9``,
``go13``, ``go19`` are names too.
"""

from .base import Game, IllegalMove, State, board_symmetries, perft
from .tictactoe import TicTacToe

_GAMES = {"tictactoe": TicTacToe}
_PRESETS = {}


def register(name, cls, **presets):
    """Add a game class under ``name`` (and preset names mapping to its settings)."""
    _GAMES[name] = cls
    for preset, settings in presets.items():
        _PRESETS[preset] = (name, settings)


def make_game(name, **settings):
    """The game called ``name`` (a registry name or preset) with ``settings``."""
    if name in _PRESETS:
        base, preset = _PRESETS[name]
        name, settings = base, {**preset, **settings}
    if name not in _GAMES:
        known = ", ".join(sorted(set(_GAMES) | set(_PRESETS)))
        raise ValueError(f"make_game: unknown game {name!r}; known games: {known}")
    return _GAMES[name](**settings)


def game_names():
    """The registry names and presets, sorted."""
    return sorted(set(_GAMES) | set(_PRESETS))


from .connect_four import ConnectFour  # noqa: E402
from .gomoku import Gomoku  # noqa: E402

register("connect4", ConnectFour)
register("gomoku", Gomoku, gomoku6={"size": 6, "k": 4}, gomoku8={"size": 8, "k": 5},
         gomoku15={"size": 15, "k": 5})

from .go import Go  # noqa: E402

register("go", Go, go9={"size": 9}, go13={"size": 13}, go19={"size": 19})
