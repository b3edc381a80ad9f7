"""How close the Connect Four network plays to perfect play, judged by an exact solver.

Samples positions a dozen to twenty random moves into random games (fixed seed), scores
every move of each with the perfect solver of the test tree (``tests/zero/c4_solver.py``)
and prints, for the network's policy alone (the legal move of highest prior, no search)
and for the MCTS player (``--simulations`` per move, each position searched from
scratch), the share of won/drawn positions where the chosen move keeps the result, the
same over the critical positions (where some move spoils it), and the share of best moves
(fastest win, draw, slowest loss), each with a 95% Wilson interval. Definitions:
``tests/zero/c4_perfect_play.py``.

    python -m benchmarks.connect4_perfect_play [--positions 200] [--simulations 800]
        [--seed 0] [--model PATH] [--no-search] [--show-failures]
"""

import argparse
import time

from shenjing.zero.checkpoint import load_checkpoint
from shenjing.zero.cli import network_player, shipped_model
from shenjing.zero.games import make_game
from shenjing.zero.inference import FoldedNet

from tests.zero.c4_perfect_play import judge, policy_chooser, sample_positions, search_chooser
from tests.zero.c4_solver import Solver


def _progress(name, every=20):
    """A ``judge`` progress callback printing the running counts every ``every`` positions."""
    def show(i, report):
        if (i + 1) % every == 0:
            print(f"  [{name}] {i + 1}: kept {report.kept}/{report.not_lost}, "
                  f"best {report.best}/{report.positions}", flush=True)
    return show


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.connect4_perfect_play",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=200)
    parser.add_argument("--search-positions", type=int,
                        help="judge the MCTS player on the first N positions only "
                             "(default: all)")
    parser.add_argument("--simulations", type=int, default=800)
    parser.add_argument("--seed", type=int, default=0, help="seed of the random games")
    parser.add_argument("--model", help="checkpoint (default: the shipped network)")
    parser.add_argument("--no-search", action="store_true", help="the policy alone")
    parser.add_argument("--show-failures", action="store_true",
                        help="print the positions where the result was spoiled")
    args = parser.parse_args(argv)

    game = make_game("connect4")
    path = args.model or shipped_model(game)
    start = time.perf_counter()
    positions = sample_positions(args.positions, seed=args.seed, solver=Solver())
    print(f"{len(positions)} positions (seed {args.seed}) solved in "
          f"{time.perf_counter() - start:.1f} s; {path}")

    net, _, _ = load_checkpoint(path, game)
    players = [("policy alone (argmax prior)", policy_chooser(FoldedNet.from_module(net)),
                positions)]
    if not args.no_search:
        player = network_player(path, game, args.simulations, seed=0)
        players.append((f"MCTS, {args.simulations} simulations", search_chooser(player),
                        positions[:args.search_positions]))
    for name, choose, subset in players:
        start = time.perf_counter()
        report = judge(subset, choose, progress=_progress(name))
        took = time.perf_counter() - start
        print(f"\n{name}: {len(subset)} positions in {took:.1f} s "
              f"({took / max(len(subset), 1):.2f} s each)")
        for line in report.lines():
            print("  " + line)
        if args.show_failures:
            for moves, chosen, scores in report.failures:
                print(f"    after {''.join(str(m + 1) for m in moves)}: played "
                      f"{chosen + 1}, scores {scores}")


if __name__ == "__main__":
    main()
