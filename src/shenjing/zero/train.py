"""The AlphaZero training loop: self-play, learn, and promote only what is stronger.

One iteration:

1. **self-play**: the best network so far plays ``games_per_iteration`` games against
   itself with search (``selfplay``), on all cores; the positions go into the replay
   buffer with their symmetries;
2. **learn**: the candidate network takes ``train_steps`` Adam steps on batches drawn
   from the buffer, minimising ``(z - v)^2 - pi . log p + l2 ||theta||^2``;
3. **arena**: the candidate plays ``arena_games`` games against the best network (colours
   alternating, search without noise); it becomes the best when it scores at least
   ``promote_score`` (wins count 1, draws 1/2).

After every iteration the directory holds ``best.safetensors`` (a playable checkpoint:
``shenjing zero play GAME --model DIR/best.safetensors``), ``trainer.safetensors`` (the
candidate, the optimizer, the buffer and the counters, to resume after an interruption)
and ``log.jsonl`` (one JSON object per iteration). Both files are written atomically.
"""

import copy
import json
import os
import time

import numpy

from .. import backend, io, optim
from ..autograd.creation import tensor
from .checkpoint import load_checkpoint, save_checkpoint
from .inference import FoldedNet
from .mcts import MCTS
from .network import PolicyValueNet, alphazero_loss
from .replay import ReplayBuffer
from .selfplay import self_play_games
from .workers import WorkerPool, split
from .games import make_game

BEST, TRAINER, LOG = "best.safetensors", "trainer.safetensors", "log.jsonl"


class Trainer:
    """Trains a policy-value network for ``game`` by self-play, in ``directory``.

    Resumes from ``directory/trainer.safetensors`` when it exists (the stored game must
    match). Otherwise a new run starts from random weights, or from the checkpoint at
    ``start`` (for ``game``, with the config's blocks, filters and value_hidden), which
    becomes both the candidate and the best network. ``report`` receives one line of
    progress text at a time (default ``print``).
    """

    def __init__(self, game, config, directory, report=print, start=None):
        self.game, self.config = game, config
        self.directory = os.fspath(directory)
        self.report = report
        os.makedirs(self.directory, exist_ok=True)
        backend.manual_seed(config.seed)       # the same seed, the same first network
        self.candidate = PolicyValueNet.for_game(game, blocks=config.blocks,
                                                 filters=config.filters,
                                                 value_hidden=config.value_hidden)
        self.optimizer = optim.Adam(self.candidate.parameters(), lr=config.lr)
        self.best = copy.deepcopy(self.candidate)
        self.buffer = ReplayBuffer(game, config.buffer_size)
        self.iteration = 0
        self.rng = numpy.random.default_rng(config.seed)
        if os.path.exists(self.path(TRAINER)):
            self._resume()
            if start is not None:
                report(f"kept the resumed run's networks, not {start}")
        elif start is not None:
            self._start_from(start)

    def path(self, name):
        """The path of file ``name`` in the run's directory."""
        return os.path.join(self.directory, name)

    # ------------------------------------------------------------ the loop

    def run(self, iterations=None, pool=None):
        """Run until ``iterations`` (default: the config's) iterations are done in all;
        returns the list of log records of the iterations run now.  ``pool``: where the
        games are played (default: ``config.workers`` local processes; ``zero.mpi.MPIPool``
        spreads them over MPI ranks)."""
        total = self.config.iterations if iterations is None else iterations
        records = []
        with (WorkerPool(self.config.workers) if pool is None else pool) as pool:
            while self.iteration < total:
                records.append(self.step(pool))
        return records

    def step(self, pool):
        """One iteration (self-play, learn, arena, save); returns its log record."""
        config, it = self.config, self.iteration + 1
        times = {}

        start = time.perf_counter()
        games = self.self_play(pool)
        times["self_play"] = time.perf_counter() - start
        firsts = sum(1 for _, winner, _ in games if winner == 1)
        draws = sum(1 for _, winner, _ in games if winner == 0)
        lengths = [len(moves) for _, _, moves in games]
        self.report(f"iteration {it}: self-play {len(games)} games in "
                    f"{times['self_play']:.1f} s (first player won {firsts}, drew {draws}, "
                    f"mean length {numpy.mean(lengths):.1f}); buffer {len(self.buffer)}")

        start = time.perf_counter()
        losses = self.learn()
        times["learn"] = time.perf_counter() - start
        self.report(f"iteration {it}: {config.train_steps} training steps in "
                    f"{times['learn']:.1f} s, loss {losses['loss']:.3f} (policy "
                    f"{losses['policy']:.3f}, value {losses['value']:.3f})")

        start = time.perf_counter()
        wins, losses_, arena_draws = self.arena(pool)
        times["arena"] = time.perf_counter() - start
        score = (wins + arena_draws / 2) / max(1, config.arena_games)
        promoted = score >= config.promote_score
        if promoted:
            self.best.load_state_dict(self.candidate.state_dict())
        self.report(f"iteration {it}: arena candidate vs best {wins}-{losses_}-{arena_draws} "
                    f"(score {score:.2f}) -> {'promoted' if promoted else 'kept the best'}")

        self.iteration = it
        record = {"iteration": it, "games": len(games), "first_player_wins": firsts,
                  "draws": draws, "mean_length": float(numpy.mean(lengths)),
                  "buffer": len(self.buffer), **{k: float(v) for k, v in losses.items()},
                  "arena": {"wins": wins, "losses": losses_, "draws": arena_draws,
                            "score": score},
                  "promoted": promoted, "seconds": {k: round(v, 2) for k, v in times.items()}}
        self.save(record)
        return record

    def self_play(self, pool):
        """Play the iteration's self-play games with the best network; fill the buffer."""
        config = self.config
        evaluator = FoldedNet.from_module(self.best)
        seeds = self._seeds("self-play", config.games_per_iteration)
        chunks = _chunks(seeds, pool.workers)
        results = pool.map(self_play_games, [(self.game.config(), evaluator, config, c)
                                             for c in chunks])
        games = [game for chunk in results for game in chunk]
        for examples, _, _ in games:
            self.buffer.extend(examples)
        return games

    def learn(self):
        """``train_steps`` Adam steps on the candidate; the mean losses of the last tenth."""
        config, net = self.config, self.candidate
        net.train()
        history = []
        for _ in range(config.train_steps):
            planes, pi, z = self.buffer.sample(config.batch_size, self.rng)
            logits, value = net(tensor(planes))
            loss, parts = alphazero_loss(logits, value, tensor(pi), tensor(z),
                                         model=net, l2=config.l2)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            history.append((float(loss.item()), float(parts["policy"].item()),
                            float(parts["value"].item())))
        tail = numpy.array(history[-max(1, len(history) // 10):])
        return {"loss": tail[:, 0].mean(), "policy": tail[:, 1].mean(),
                "value": tail[:, 2].mean()}

    def arena(self, pool):
        """The candidate against the best: (candidate wins, losses, draws)."""
        config = self.config
        nets = (FoldedNet.from_module(self.candidate), FoldedNet.from_module(self.best))
        seeds = self._seeds("arena", config.arena_games)
        jobs = [(self.game.config(), nets, config, chunk, offset)
                for chunk, offset in _chunks_with_offsets(seeds, pool.workers)]
        results = [r for chunk in pool.map(arena_games, jobs) for r in chunk]
        return results.count(1), results.count(-1), results.count(0)

    # ------------------------------------------------------------ files

    def save(self, record):
        """Write the best network, the trainer's state, and append ``record`` to the log."""
        save_checkpoint(self.path(BEST), self.best, self.game, iteration=self.iteration,
                        config=self.config.to_dict())
        io.save({"game": self.game.config(), "config": self.config.to_dict(),
                 "iteration": self.iteration,
                 "candidate": self.candidate.state_dict(), "best": self.best.state_dict(),
                 "optimizer": self.optimizer.state_dict(),
                 "buffer": self.buffer.state_dict(),
                 "rng": json.dumps(self.rng.bit_generator.state)}, self.path(TRAINER))
        with open(self.path(LOG), "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def _resume(self):
        state = io.load(self.path(TRAINER))
        if state["game"] != self.game.config():
            raise ValueError(f"Trainer: {self.path(TRAINER)} is a run of "
                             f"{make_game(**state['game'])!r}, not {self.game!r}; use "
                             f"another directory")
        self.candidate.load_state_dict(state["candidate"])
        self.best.load_state_dict(state["best"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.buffer.load_state_dict(state["buffer"])
        self.iteration = int(state["iteration"])
        self.rng.bit_generator.state = json.loads(state["rng"])
        self.report(f"resumed {self.directory} after iteration {self.iteration} "
                    f"(buffer {len(self.buffer)})")

    def _start_from(self, path):
        net, _, _ = load_checkpoint(path, self.game)
        if net.config() != self.candidate.config():
            raise ValueError(f"Trainer: {path} holds a network {net.config()}, but the "
                             f"settings ask for {self.candidate.config()}")
        self.candidate.load_state_dict(net.state_dict())
        self.best.load_state_dict(net.state_dict())
        self.report(f"new run starting from {path}")

    def _seeds(self, phase, n):
        base = (self.config.seed * 1_000_003 + self.iteration * 10_007
                + (0 if phase == "self-play" else 5_003))
        return [base + i for i in range(n)]


def arena_games(game_config, nets, config, seeds, offset):
    """Arena games between ``nets[0]`` (the candidate) and ``nets[1]``, one per seed; game
    ``offset + i`` has the candidate move first when even. Returns each result from the
    candidate's view (+1, -1, 0). Top-level so that worker processes can run it."""
    game = make_game(**game_config)
    results = []
    for i, seed in enumerate(seeds):
        candidate_first = (offset + i) % 2 == 0
        order = nets if candidate_first else nets[::-1]
        winner = _arena_game(game, order, config, seed)
        results.append(winner if candidate_first else -winner)
    return results


def _arena_game(game, nets, config, seed):
    """One game, ``nets[0]`` moving first; the winner (+1 first player, -1, 0)."""
    rng = numpy.random.default_rng(seed)
    searches = [MCTS(net, simulations=config.arena_simulations, c_puct=config.c_puct,
                     batch_size=config.leaf_batch, seed=seed + k)
                for k, net in enumerate(nets)]
    state, ply = game.initial_state(), 0
    while not state.is_terminal():
        visits = searches[ply % 2].search(state)
        if ply < config.arena_temperature_moves:
            action = int(rng.choice(len(visits), p=visits / visits.sum()))
        else:
            action = int(rng.choice(numpy.flatnonzero(visits == visits.max())))
        state = state.play(action)
        for search in searches:
            search.advance(action)
        ply += 1
    return state.winner()


def _chunks(items, parts):
    return [chunk for chunk, _ in _chunks_with_offsets(items, parts)]


def _chunks_with_offsets(items, parts):
    out, start = [], 0
    for count in split(len(items), parts):
        out.append((items[start:start + count], start))
        start += count
    return out
