"""Self-play: the network plays itself with search, and each position becomes a training
example.

At every move the search's visit counts N(s, a) give the policy target
``pi(a) = N(s, a) / sum_b N(s, b)``; the move played is drawn from ``pi`` for the first
``temperature_moves`` moves (exploration) and is the most visited one after. When the
game ends, every position gets the outcome ``z`` from the view of the player who moved
there: +1 won, -1 lost, 0 draw.

With ``config.fast_simulations`` > 0 (playout cap randomisation), only a random
``full_search_fraction`` of the moves get the full search with root noise and become
examples; the others are played after a fast search without noise.
"""

import numpy

from .games import make_game
from .mcts import MCTS


def self_play_game(game, evaluator, config, seed):
    """One game of ``evaluator`` against itself.

    Returns ``(examples, winner, moves)``: examples a list of ``(planes (C, H, W),
    pi (A,), z)`` triples, winner +1/-1/0 (the first player's view), moves the actions.
    """
    rng = numpy.random.default_rng(seed)
    search = MCTS(evaluator, simulations=config.simulations, c_puct=config.c_puct,
                  batch_size=config.leaf_batch, dirichlet_alpha=config.dirichlet_alpha,
                  noise_fraction=config.noise_fraction, seed=seed)
    state, history, moves = game.initial_state(), [], []
    while not state.is_terminal():
        full = config.fast_simulations <= 0 or rng.random() < config.full_search_fraction
        if full:
            visits = search.search(state)
        else:
            visits = search.search(state, config.fast_simulations, noise=False)
        pi = (visits / visits.sum()).astype(numpy.float32)
        if len(moves) < config.temperature_moves:
            action = int(rng.choice(len(pi), p=pi))
        else:
            action = int(rng.choice(numpy.flatnonzero(visits == visits.max())))
        if full:
            history.append((state.planes(), pi, state.to_play))
        state = state.play(action)
        search.advance(action)
        moves.append(action)
    winner = state.winner()
    return [(planes, pi, float(winner * mover)) for planes, pi, mover in history], winner, moves


def self_play_games(game_config, evaluator, config, seeds):
    """Play one game per seed; a top-level function so that worker processes can run it.

    Returns a list of ``(examples, winner, moves)`` as ``self_play_game`` gives.
    """
    game = make_game(**game_config)
    return [self_play_game(game, evaluator, config, seed) for seed in seeds]
