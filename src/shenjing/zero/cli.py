"""``shenjing zero ...``: train, play, compare and serve AlphaZero players.

    shenjing zero train GAME [--config FILE] [--dir DIR] [--iterations N] [--workers N]
                             [--model PATH] [--mpi]
    shenjing zero imitate go [--teacher CMD] [--games N] [--steps N] --out FILE
    shenjing zero play GAME [--model PATH] [--simulations N] [--second]
    shenjing zero arena A B --games N [--game GAME]
    shenjing zero gtp [--model PATH | --player SPEC] [--simulations N]

A player SPEC (for ``arena`` and ``gtp``) is ``random``, ``uct`` or ``uct:ROLLOUTS``,
``minimax`` (tic-tac-toe), ``shipped`` (the network shipped for the game), or the path
of a checkpoint, optionally ``PATH:SIMULATIONS``; ``gtp`` also takes ``playout:N`` (the
light Monte-Carlo Go player of ``go_player``).  ``gtp`` without ``--model`` or ``--player``
plays the network shipped for the board size (9x9), or ``playout:300`` where there is none.
"""

import argparse
import os
import sys

from .games import IllegalMove, game_names, make_game


def add_commands(sub):
    """Add the ``zero`` command and its subcommands to the subparsers ``sub``."""
    zero = sub.add_parser("zero", help="AlphaZero: self-play training, play, arena, GTP",
                          description="AlphaZero on board games: " + ", ".join(game_names()))
    commands = zero.add_subparsers(dest="zero_command", metavar="command", required=True)

    train = commands.add_parser("train", help="train a network by self-play")
    train.add_argument("game", help="game name: " + ", ".join(game_names()))
    train.add_argument("--config", help="JSON file of settings overriding the game's preset")
    train.add_argument("--dir", help="run directory (default runs/zero-GAME); an existing "
                       "run there is resumed")
    train.add_argument("--iterations", type=int, help="stop after this many iterations")
    train.add_argument("--workers", type=int, help="self-play processes (default: config)")
    train.add_argument("--model", help="start a new run from this checkpoint instead of "
                       "random weights ('shipped': the network shipped for GAME)")
    train.add_argument("--mpi", action="store_true", help="under mpirun (or shenjing launch): "
                       "play the games on every rank, train on rank 0")
    train.set_defaults(run=_cmd_train)

    imitate = commands.add_parser("imitate", help="fit a first Go network to a GTP "
                                  "program's games against itself (supervised)")
    imitate.add_argument("game", help="a Go game name (go)")
    imitate.add_argument("--teacher", default="gnugo --mode gtp --level 1 --chinese-rules",
                         help="the GTP program's command line")
    imitate.add_argument("--games", type=int, default=600)
    imitate.add_argument("--steps", type=int, default=4000, help="Adam steps of 128 positions")
    imitate.add_argument("--random-moves", type=int, default=4,
                         help="random opening moves before the teacher plays")
    imitate.add_argument("--blocks", type=int, default=4)
    imitate.add_argument("--filters", type=int, default=64)
    imitate.add_argument("--seed", type=int, default=0)
    imitate.add_argument("--games-file", help="keep the teacher's games in this file (read "
                         "back when it exists, so that a new fit need not replay them)")
    imitate.add_argument("--out", required=True, help="checkpoint file to write")
    imitate.set_defaults(run=_cmd_imitate)

    play = commands.add_parser("play", help="play against the network in the terminal")
    play.add_argument("game", help="game name")
    play.add_argument("--model", help="checkpoint (default: the network shipped for GAME)")
    play.add_argument("--simulations", type=int, default=200, help="searches per move")
    play.add_argument("--second", action="store_true", help="let the network move first")
    play.set_defaults(run=_cmd_play)

    arena = commands.add_parser("arena", help="play two players against each other")
    arena.add_argument("a", help="player spec (see shenjing zero --help)")
    arena.add_argument("b", help="player spec")
    arena.add_argument("--games", type=int, default=10)
    arena.add_argument("--game", help="game name (default: from a checkpoint)")
    arena.add_argument("--simulations", type=int, default=200,
                       help="searches per move for networks without :N (default 200)")
    arena.add_argument("--seed", type=int, default=0)
    arena.set_defaults(run=_cmd_arena)

    gtp = commands.add_parser("gtp", help="speak the Go Text Protocol on stdin/stdout")
    gtp.add_argument("--model", help="a Go checkpoint")
    gtp.add_argument("--player", default=None, help="a player spec instead of --model "
                     "(shipped[:N], the default where a network is shipped for the size; "
                     "playout:N, flat Monte-Carlo with N play-outs a move, the default "
                     "elsewhere; random, uct:N)")
    gtp.add_argument("--size", type=int, default=9, help="board size (default 9)")
    gtp.add_argument("--komi", type=float, default=7.5)
    gtp.add_argument("--simulations", type=int, default=200)
    gtp.add_argument("--seed", type=int, default=0)
    gtp.set_defaults(run=_cmd_gtp)


# ---------------------------------------------------------------- player specs

def shipped_model(game):
    """The path of the network shipped for ``game``, or None."""
    from . import models
    return models.path_for(game)


def make_player(spec, game, simulations=200, seed=0):
    """The player a SPEC names (see the module docstring), for ``game``."""
    from .players import RandomPlayer
    kind, _, arg = spec.partition(":")
    if kind == "random":
        return RandomPlayer(seed)
    if kind == "uct":
        from .uct import UCTPlayer
        return UCTPlayer(rollouts=int(arg or 1000), seed=seed)
    if kind == "minimax":
        from .minimax import MinimaxPlayer
        return MinimaxPlayer(seed)
    path = spec
    if spec.rpartition(":")[2].isdigit() and not os.path.exists(spec):
        path, _, count = spec.rpartition(":")
        simulations = int(count)
    if path == "shipped":
        path = shipped_model(game)
        if path is None:
            raise SystemExit(f"shenjing zero: no network is shipped for {game.name}; "
                             f"train one with: shenjing zero train {game.name}")
    return network_player(path, game, simulations, seed)


def network_player(path, game, simulations, seed=0):
    """An MCTS player guided by the checkpoint at ``path`` (which must be for ``game``)."""
    from .checkpoint import load_checkpoint
    from .inference import FoldedNet
    from .mcts import MCTSPlayer
    if not os.path.exists(path):
        raise SystemExit(f"shenjing zero: no such checkpoint: {path}")
    if game.name == "go":       # komi and move cap are the referee's: the board must match
        net, stored, _ = load_checkpoint(path)
        if stored.name != "go" or stored.size != game.size:
            raise SystemExit(f"shenjing zero: {path} is a network for {stored.name} "
                             f"{stored.rows}x{stored.cols}, not Go {game.size}x{game.size}")
    else:
        net, _, _ = load_checkpoint(path, game)
    player = MCTSPlayer(FoldedNet.from_module(net), simulations=simulations, seed=seed)
    if game.name == "go":        # refereed with dead stones off: pass when the count says so
        from .go_network_player import GoNetworkPlayer
        return GoNetworkPlayer(player, seed=seed)
    return player


def _game_of(spec):
    """The game stored in a checkpoint spec, or None when the spec is not a file."""
    from .checkpoint import load_checkpoint
    path = spec if os.path.exists(spec) else spec.rpartition(":")[0]
    if path and os.path.exists(path):
        return load_checkpoint(path)[1]
    return None


# ---------------------------------------------------------------- commands

def _cmd_train(args):
    if getattr(args, "mpi", False):
        from .mpi import train_over_mpi
        return train_over_mpi(args, _cmd_train_here)
    return _cmd_train_here(args)


def _cmd_train_here(args, pool=None):
    from .config import load_config, preset
    from .train import Trainer
    game = make_game(args.game)
    config = preset(game.name)
    if args.config:
        config = load_config(args.config, config)
    if args.workers is not None:
        config.workers = args.workers
    directory = args.dir or os.path.join("runs", f"zero-{args.game}")
    print(f"shenjing zero train {args.game}: {game!r}, run directory {directory}")
    print("settings: " + ", ".join(f"{k}={v}" for k, v in config.to_dict().items()))
    start = shipped_model(game) if args.model == "shipped" else args.model
    try:
        trainer = Trainer(game, config, directory, start=start)
    except (ValueError, FileNotFoundError) as error:
        print(f"shenjing zero train: {error}", file=sys.stderr)
        return 2
    trainer.run(args.iterations if args.iterations is not None else config.iterations, pool)
    print(f"best network: {trainer.path('best.safetensors')}")
    return 0


def _cmd_imitate(args):
    import shlex
    from .imitate import run
    game = make_game(args.game)
    if game.name != "go":
        raise SystemExit(f"shenjing zero imitate: the teacher speaks GTP, a Go protocol; "
                         f"got game {args.game!r}")
    run(game, shlex.split(args.teacher), args.games, args.steps, args.out, args.blocks,
        args.filters, args.random_moves, args.seed, args.games_file)
    return 0


def _cmd_play(args, stdin=None, stdout=None):
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    game = make_game(args.game)
    path = args.model or shipped_model(game)
    if path is None:
        print(f"no network is shipped for {args.game}: pass --model PATH", file=sys.stderr)
        return 2
    try:
        ai = network_player(path, game, args.simulations)
    except ValueError as error:
        print(f"shenjing zero play: {error}", file=sys.stderr)
        return 2
    human = -1 if args.second else 1
    state = game.initial_state()
    ai.reset()
    say = lambda text: print(text, file=stdout, flush=True)  # noqa: E731
    say(f"{game!r}: you are {'first' if human == 1 else 'second'}; moves like "
        f"{game.format_move(0)}; 'quit' to stop")
    while not state.is_terminal():
        say(state.render())
        if state.to_play == human:
            say("your move: ")
            line = stdin.readline()
            if not line or line.strip().lower() in ("quit", "exit", "q"):
                say("bye")
                return 0
            try:
                action = game.parse_move(line)
                state = state.play(action)
            except IllegalMove as error:
                say(f"illegal move: {error.reason}; try again")
                continue
        else:
            action = ai.select(state)
            say(f"network plays {game.format_move(action)}")
            state = state.play(action)
        ai.observe(action)
    say(state.render())
    winner = state.winner()
    say("draw" if winner == 0 else ("you win" if winner == human else "the network wins"))
    return 0


def _cmd_arena(args):
    from .arena import match
    game = make_game(args.game) if args.game else (_game_of(args.a) or _game_of(args.b))
    if game is None:
        print("shenjing zero arena: say which game with --game when neither player is a "
              "checkpoint", file=sys.stderr)
        return 2
    try:
        a = make_player(args.a, game, args.simulations, seed=args.seed)
        b = make_player(args.b, game, args.simulations, seed=args.seed + 1)
    except ValueError as error:
        print(f"shenjing zero arena: {error}", file=sys.stderr)
        return 2
    result = match(game, a, b, args.games)
    print(f"{args.a} vs {args.b} at {game!r}, {args.games} games (colours alternating): "
          f"{result.wins} wins, {result.losses} losses, {result.draws} draws for {args.a}; "
          f"score {result.score:.3f}")
    return 0


def _cmd_gtp(args):
    from .gtp import GTPEngine, RandomGoPlayer
    # a GTP controller decides when the game ends: no move cap short of that
    game = make_game("go", size=args.size, komi=args.komi, max_moves=20 * args.size ** 2)
    model = args.model or (shipped_model(game) if args.player is None else None)
    if model:               # by default the network shipped for the board size, if any
        player = network_player(model, game, args.simulations, args.seed)
    elif (args.player or "playout").partition(":")[0] == "playout":
        from .go_player import PlayoutGoPlayer
        count = (args.player or "").partition(":")[2]
        player = PlayoutGoPlayer(int(count) if count.isdigit() else 300, seed=args.seed)
    elif args.player == "random":
        player = RandomGoPlayer(args.seed)
    else:
        player = make_player(args.player, game, args.simulations, args.seed)
    GTPEngine(game, player).run(sys.stdin, sys.stdout)
    return 0


def main(argv=None):
    """Run ``shenjing zero`` with ``argv``; the exit status."""
    parser = argparse.ArgumentParser(prog="shenjing")
    add_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["zero", *(sys.argv[1:] if argv is None else argv)])
    return args.run(args)
