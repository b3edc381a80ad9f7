"""MCTS simulations per second with the policy-value network, on Connect Four.

The same PUCT search (``shenjing.zero.mcts.MCTS``, leaves evaluated 8 at a time) from the
empty board, guided by the same network weights evaluated three ways: shenjing's folded,
graph-free inference path (``zero.inference.FoldedNet``), shenjing's module in eval mode
under ``no_grad``, and PyTorch eager (eval mode, ``no_grad``) when it is installed. The
search itself is the same Python code for all three, so the differences are the network's.

    python -m benchmarks.mcts [--simulations 800] [--blocks 4] [--filters 64] [--repeats 5]
"""

import argparse
import statistics
import time

import numpy

from shenjing.zero.games import make_game
from shenjing.zero.inference import FoldedNet, evaluator
from shenjing.zero.mcts import MCTS
from shenjing.zero.network import PolicyValueNet

from .resnet_az import build_model


def torch_evaluator(net, game):
    """The same network in PyTorch eager (``resnet_az.build_model``, the weights copied) as
    an evaluator, or None when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    c = net.config()
    twin = build_model(torch, c["planes"], c["rows"], c["cols"], c["actions"], c["filters"],
                       c["blocks"], c["value_hidden"])
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in net.state_dict().items()})
    twin.eval()

    def evaluate(planes):
        with torch.no_grad():
            logits, value = twin(torch.from_numpy(planes))
            return torch.softmax(logits, 1).numpy(), value.numpy()
    return evaluate


def sims_per_second(evaluate, game, simulations, repeats):
    """Median simulations per second of fresh searches from the empty board."""
    rates = []
    for seed in range(repeats):
        search = MCTS(evaluate, simulations=simulations, batch_size=8, seed=seed)
        start = time.perf_counter()
        search.search(game.initial_state())
        rates.append(simulations / (time.perf_counter() - start))
    return statistics.median(rates)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mcts", description=__doc__)
    parser.add_argument("--simulations", type=int, default=800)
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    game = make_game("connect4")
    import shenjing
    shenjing.manual_seed(0)
    net = PolicyValueNet.for_game(game, blocks=args.blocks, filters=args.filters).eval()
    rows = [("shenjing FoldedNet", FoldedNet.from_module(net)),
            ("shenjing module (eval)", evaluator(net)),
            ("torch eager (eval)", torch_evaluator(net, game))]
    print(f"MCTS on Connect Four, {args.simulations} simulations from the empty board, leaves "
          f"in batches of 8, network {args.blocks} blocks x {args.filters} filters")
    results = {}
    for name, evaluate in rows:
        if evaluate is None:
            print(f"{name:24s} (PyTorch not installed)")
            continue
        evaluate(numpy.zeros((8, game.num_planes, game.rows, game.cols), numpy.float32))
        results[name] = sims_per_second(evaluate, game, args.simulations, args.repeats)
        print(f"{name:24s} {results[name]:9.0f} simulations/s")
    if "torch eager (eval)" in results:
        ratio = results["torch eager (eval)"] / results["shenjing FoldedNet"]
        print(f"time ratio FoldedNet / torch eager: {ratio:.2f} (below 1.0: shenjing faster)")
    return results


if __name__ == "__main__":
    main()
