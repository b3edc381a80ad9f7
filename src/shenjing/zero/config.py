"""Settings of an AlphaZero run: network, search, self-play, training and arena.

``ZeroConfig`` holds every number in one place; ``preset(game_name)`` gives the settings
used for each game's shipped network, and ``load_config(path, base)`` reads a JSON file
of overrides (``shenjing zero train GAME --config FILE``). Unknown keys are refused.
"""

import dataclasses
import json


@dataclasses.dataclass
class ZeroConfig:
    """Every setting of ``zero.train.Trainer``."""

    # network: AlphaZero's residual tower
    blocks: int = 4
    filters: int = 64
    value_hidden: int = 64
    # search: PUCT, leaves evaluated batch_size at a time
    simulations: int = 100
    c_puct: float = 1.5
    leaf_batch: int = 8
    dirichlet_alpha: float = 0.3
    noise_fraction: float = 0.25
    temperature_moves: int = 8      # moves sampled in proportion to visits, then argmax
    # self-play
    games_per_iteration: int = 50
    # playout cap randomisation (KataGo): with fast_simulations > 0, a move gets the full
    # search (root noise, kept as a training example) with probability
    # full_search_fraction, else a fast search of fast_simulations (no noise, not kept):
    # more games for the same work, so more independent outcomes for the value head
    fast_simulations: int = 0
    full_search_fraction: float = 0.25
    workers: int = 2
    # replay buffer, in examples (symmetric copies included)
    buffer_size: int = 50_000
    # training
    batch_size: int = 128
    train_steps: int = 200          # per iteration
    lr: float = 1e-3
    l2: float = 1e-4
    # arena: the candidate replaces the best network when it scores >= promote_score
    arena_games: int = 20
    arena_simulations: int = 50
    arena_temperature_moves: int = 2
    promote_score: float = 0.55
    # the run
    iterations: int = 20
    seed: int = 0

    def to_dict(self):
        """The settings as a JSON-able dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, settings, base=None):
        """``base`` (default: the defaults) with ``settings`` applied; unknown keys raise."""
        known = {f.name: f.type for f in dataclasses.fields(cls)}
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ValueError(f"ZeroConfig: unknown setting(s) {', '.join(unknown)}; known: "
                             f"{', '.join(known)}")
        merged = (base or cls()).to_dict()
        for key, value in settings.items():
            kind = type(merged[key])
            if kind is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"ZeroConfig: setting {key!r} expects {kind.__name__}, "
                                 f"got {value!r}")
            merged[key] = value
        return cls(**merged)


# the settings that trained each shipped network (small boards, two CPU cores)
PRESETS = {
    "tictactoe": dict(blocks=2, filters=32, simulations=50, leaf_batch=4,
                      dirichlet_alpha=1.0, temperature_moves=4, games_per_iteration=40,
                      buffer_size=20_000, batch_size=64, train_steps=100,
                      arena_games=20, arena_simulations=25, iterations=20),
    "connect4": dict(blocks=4, filters=64, simulations=100, leaf_batch=8,
                     dirichlet_alpha=1.0, temperature_moves=10, games_per_iteration=60,
                     buffer_size=100_000, batch_size=128, train_steps=300,
                     arena_games=20, arena_simulations=50, iterations=60),
    "gomoku": dict(blocks=4, filters=48, simulations=100, leaf_batch=8,
                   dirichlet_alpha=0.5, temperature_moves=6, games_per_iteration=60,
                   buffer_size=100_000, batch_size=128, train_steps=300,
                   arena_games=20, arena_simulations=50, iterations=60),
    "go": dict(blocks=4, filters=64, simulations=100, leaf_batch=8, dirichlet_alpha=0.15,
               temperature_moves=10, games_per_iteration=40, buffer_size=100_000,
               batch_size=128, train_steps=300, arena_games=20, arena_simulations=50,
               iterations=50),
}


def preset(game_name):
    """The preset settings for a game's registry name (defaults when there is none)."""
    return ZeroConfig.from_dict(PRESETS.get(game_name, {}))


def load_config(path, base=None):
    """``base`` with the overrides of the JSON file at ``path`` applied."""
    with open(path, encoding="utf-8") as f:
        try:
            settings = json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(f"load_config: {path} is not valid JSON: {error}") from None
    if not isinstance(settings, dict):
        raise ValueError(f"load_config: {path} must hold a JSON object of settings")
    return ZeroConfig.from_dict(settings, base)
