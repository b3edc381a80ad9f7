"""A first Go network learned from a teacher's games, as AlphaGo's first network was.

Self-play from random weights needs many thousands of games before a 9x9 network plays
sensible Go.  A quicker start is supervised: let a Go program (the *teacher*, e.g. GNU Go
over GTP) play games against itself, and fit the policy-value network to

    policy target pi = one-hot of the teacher's move,   value target z = the game's result
                                                           (from the side to move, +1 won)

with the same loss as self-play (``alphazero_loss``).  A few random moves open each game so
that the games differ.  The teacher's ``final_score`` (dead stones removed) decides z, so
the value head learns real Go results, not the all-stones-alive count.  The network can
then go on learning by self-play (``shenjing zero train go --model FILE``).

    shenjing zero imitate go --teacher "gnugo --mode gtp --level 1 --chinese-rules" \\
        --games 600 --steps 4000 --out go9.safetensors
"""

import shutil
import time

import numpy

from .. import no_grad, optim, tensor
from .checkpoint import save_checkpoint
from .games import IllegalMove
from .network import PolicyValueNet, alphazero_loss
from .replay import ReplayBuffer


def parse_score(text):
    """A GTP ``final_score`` answer as black's margin: ``'B+3.5'`` -> 3.5, ``'W+2'`` -> -2.0,
    ``'0'`` -> 0.0, a resignation +-inf; ValueError for anything else."""
    text = text.strip().upper()
    if text in ("0", "DRAW", "JIGO"):
        return 0.0
    if len(text) > 2 and text[0] in "BW" and text[1] == "+":
        margin = text[2:]
        value = float("inf") if margin in ("R", "RESIGN") else float(margin)
        return value if text[0] == "B" else -value
    raise ValueError(f"parse_score: expected a final_score answer like 'B+3.5', got {text!r}")


def find_program(name):
    """The path of the program ``name`` on PATH, or in /usr/games where Debian puts gnugo;
    SystemExit saying how to install it otherwise."""
    path = shutil.which(name) or shutil.which(name, path="/usr/games")
    if path is None:
        raise SystemExit(f"shenjing zero imitate: the teacher {name!r} is not on PATH nor in "
                         f"/usr/games (for GNU Go: apt-get install gnugo)")
    return path


def teacher_game(game, engine, rng, random_moves=4):
    """One game of ``engine`` (a ``gtp.GTPClient``) against itself on ``game`` (a Go), after
    ``random_moves`` random opening moves.  Returns ``(examples, margin)``: examples
    ``(planes (C, H, W), pi (A,), z)`` for every teacher move, margin black's score by the
    teacher's ``final_score`` (+-inf after a resignation)."""
    engine.send(f"boardsize {game.size}")
    engine.send("clear_board")
    engine.send(f"komi {game.komi}")
    state, moves = game.initial_state(), []
    margin = None
    while not state.is_terminal():
        colour = "b" if state.to_play == 1 else "w"
        if state.moves < random_moves:
            choices = numpy.flatnonzero(state.legal_mask() & ~state.eye_mask())
            choices = choices[choices != game.pass_move]
            action = int(rng.choice(choices))
            engine.send(f"play {colour} {game.format_move(action)}")
        else:
            answer = engine.send(f"genmove {colour}")
            if answer.lower() == "resign":
                margin = -state.to_play * float("inf")
                break
            action = game.parse_move(answer)
            moves.append((state.planes(), action, state.to_play))
        try:
            state = state.play(action)
        except IllegalMove:         # the teacher's ko rule is looser than positional superko
            break
    if margin is None:
        margin = parse_score(engine.send("final_score"))
    result = numpy.sign(margin)
    examples = []
    for planes, action, player in moves:
        pi = numpy.zeros(game.action_size, numpy.float32)
        pi[action] = 1.0
        examples.append((planes, pi, float(result * player)))
    return examples, margin


def teacher_games(game, engine, count, seed=0, random_moves=4, report=None):
    """``count`` teacher games: a list of ``(examples, margin)``, one per game."""
    rng = numpy.random.default_rng(seed)
    games = []
    for i in range(count):
        games.append(teacher_game(game, engine, rng, random_moves))
        if report and (i + 1) % 50 == 0:
            report(f"teacher games: {i + 1}/{count}")
    return games


def agreement(net, examples, batch=512):
    """On held-out examples: (share of positions where the policy's top move is the
    teacher's, share where the value's sign is the result's)."""
    if not examples:
        return float("nan"), float("nan")
    net.eval()
    planes = numpy.stack([e[0] for e in examples])
    moves = numpy.array([numpy.argmax(e[1]) for e in examples])
    results = numpy.array([e[2] for e in examples])
    top, values = [], []
    with no_grad():
        for start in range(0, len(planes), batch):
            logits, value = net(tensor(planes[start:start + batch]))
            top.append(numpy.argmax(logits.numpy(), axis=1))
            values.append(value.numpy())
    top, values = numpy.concatenate(top), numpy.concatenate(values)
    decided = results != 0
    return (float((top == moves).mean()),
            float((numpy.sign(values[decided]) == results[decided]).mean()))


def imitate(game, games, steps, blocks=4, filters=64, batch_size=128, lr=1e-3, l2=1e-4,
            held_out=0.1, seed=0, report=None):
    """Fit a new ``PolicyValueNet`` for ``game`` to teacher ``games`` (from
    ``teacher_games``) for ``steps`` Adam steps (with the board's symmetries); the last
    ``held_out`` share of games is kept out for ``agreement``.  Returns ``(net, stats)``."""
    from .. import manual_seed
    manual_seed(seed)
    split = len(games) - int(round(held_out * len(games)))
    train_examples = [e for examples, _ in games[:split] for e in examples]
    test_examples = [e for examples, _ in games[split:] for e in examples]
    buffer = ReplayBuffer(game, 8 * max(1, len(train_examples)))
    buffer.extend(train_examples)
    net = PolicyValueNet.for_game(game, blocks=blocks, filters=filters)
    optimizer = optim.Adam(net.parameters(), lr=lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, steps))
    rng = numpy.random.default_rng(seed)
    start, history = time.perf_counter(), []
    for step in range(steps):
        net.train()
        planes, pi, z = buffer.sample(batch_size, rng)
        logits, value = net(tensor(planes))
        loss, parts = alphazero_loss(logits, value, tensor(pi), tensor(z), model=net, l2=l2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        history.append((float(parts["policy"].item()), float(parts["value"].item())))
        if report and (step + 1) % 500 == 0:
            tail = numpy.mean(history[-100:], axis=0)
            report(f"step {step + 1}/{steps}: policy loss {tail[0]:.3f}, value loss "
                   f"{tail[1]:.3f}")
    move_agreement, value_agreement = agreement(net, test_examples)
    tail = numpy.mean(history[-max(1, steps // 10):], axis=0)
    stats = {"train_positions": len(train_examples), "held_out_positions": len(test_examples),
             "policy_loss": round(float(tail[0]), 4), "value_loss": round(float(tail[1]), 4),
             "held_out_move_agreement": round(move_agreement, 4),
             "held_out_value_sign_agreement": round(value_agreement, 4),
             "train_seconds": round(time.perf_counter() - start, 1)}
    return net, stats


def save_games(path, games):
    """Write teacher ``games`` (as ``teacher_games`` returns them) to one safetensors file:
    every position's planes, move and result, its game's number, and each game's margin."""
    from .. import save
    examples = [(i, e) for i, (ex, _) in enumerate(games) for e in ex]
    save({"planes": tensor(numpy.stack([e[0] for _, e in examples])),
          "moves": tensor(numpy.array([int(e[1].argmax()) for _, e in examples])),
          "results": tensor(numpy.array([e[2] for _, e in examples], numpy.float32)),
          "game": tensor(numpy.array([i for i, _ in examples])),
          "margins": [float(m) if numpy.isfinite(m) else str(m) for _, m in games]}, path)


def load_games(path, game):
    """The teacher games ``save_games`` wrote at ``path``, for ``game``."""
    from .. import load
    data = load(path)
    planes, moves = data["planes"].numpy(), data["moves"].numpy()
    results, index = data["results"].numpy(), data["game"].numpy()
    games = [([], float(m)) for m in data["margins"]]
    for p, a, z, i in zip(planes, moves, results, index):
        pi = numpy.zeros(game.action_size, numpy.float32)
        pi[a] = 1.0
        games[i][0].append((p, pi, float(z)))
    return games


def run(game, teacher, count, steps, out, blocks=4, filters=64, random_moves=4, seed=0,
        games_file=None, report=print):
    """The ``shenjing zero imitate`` command: play ``count`` games of the ``teacher``
    command (a list of words), or read them from ``games_file`` when it exists (written
    there otherwise), fit a network, save the checkpoint at ``out`` with its provenance in
    ``extra``.  Returns the stats dict."""
    import os
    from .gtp import GTPClient
    start = time.perf_counter()
    if games_file and os.path.exists(games_file):
        games = load_games(games_file, game)
        count = len(games)
        report(f"{count} teacher games read from {games_file}")
    else:
        with GTPClient([find_program(teacher[0]), *teacher[1:]]) as engine:
            games = teacher_games(game, engine, count, seed, random_moves, report)
        if games_file:
            save_games(games_file, games)
        report(f"{count} teacher games in {time.perf_counter() - start:.0f} s")
    black_wins = sum(margin > 0 for _, margin in games)
    report(f"black won {black_wins} of {count}")
    net, stats = imitate(game, games, steps, blocks, filters, seed=seed, report=report)
    stats.update(teacher=" ".join(teacher), games=count, random_moves=random_moves,
                 steps=steps, seed=seed, black_wins=int(black_wins))
    save_checkpoint(out, net, game, imitation=stats)
    report(f"saved {out}: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
    return stats
