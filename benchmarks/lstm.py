"""The ``lstm`` workload: a two-layer LSTM text classifier, one training step, shenjing vs PyTorch.

token ids (vocab 10,000, length 200) -> Embedding 64 -> LSTM 64 (all steps) -> LSTM 32
(last step) -> Linear 64 -> ReLU -> Dropout 0.5 -> Linear 1, BCE with logits, Adam
(lr 1e-3), batch 32 (../shared/BENCHMARKS.md).

    python -m benchmarks run --only lstm       # in the suite (also: python -m benchmarks.lstm)
    python -m benchmarks.lstm --profile        # where shenjing's step spends its time
"""

import argparse

import numpy

from .common import compare, print_comparison

NAME = "lstm"
TITLE = "lstm: embedding-LSTM64-LSTM32-linear, train step"
BATCH, VOCAB, LENGTH, EMBED, HIDDEN1, HIDDEN2 = 32, 10_000, 200, 64, 64, 32
TINY = {"batch": 2, "length": 8}


def flops_per_step(batch=BATCH, length=LENGTH):
    """Multiply-adds x 2 of the GEMMs, x 3 for forward + both backward GEMMs."""
    lstm1 = 4 * HIDDEN1 * (EMBED + HIDDEN1)
    lstm2 = 4 * HIDDEN2 * (HIDDEN1 + HIDDEN2)
    head = HIDDEN2 * 64 + 64
    return 3 * 2 * batch * (length * (lstm1 + lstm2) + head)


def build(lib, batch=BATCH, seed=0, length=LENGTH):
    """(model, loss_fn, inputs, target) made with ``lib`` from the same NumPy arrays."""
    nn = lib.nn

    class TextLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, EMBED)
            self.lstm1 = nn.LSTM(EMBED, HIDDEN1, batch_first=True)
            self.lstm2 = nn.LSTM(HIDDEN1, HIDDEN2, batch_first=True)
            self.head = nn.Sequential(nn.Linear(HIDDEN2, 64), nn.ReLU(), nn.Dropout(0.5),
                                      nn.Linear(64, 1))

        def forward(self, ids):
            x, _ = self.lstm1(self.embedding(ids))      # all steps
            _, (h, _) = self.lstm2(x)                   # the last step's state
            return self.head(h[-1]).squeeze(1)

    rng = numpy.random.default_rng(seed)
    lib.manual_seed(seed)
    model = TextLSTM()
    # the same weights in both libraries: drawn here, loaded by name
    bounds = {"lstm1": HIDDEN1, "lstm2": HIDDEN2, "head.0": HIDDEN2, "head.3": 64}  # fan-ins
    state = {}
    for name, p in model.named_parameters():
        module = name.rsplit(".", 1)[0]
        if module == "embedding":
            state[name] = rng.standard_normal(tuple(p.shape)).astype(numpy.float32)
        else:
            bound = 1 / numpy.sqrt(bounds[module])
            state[name] = rng.uniform(-bound, bound, tuple(p.shape)).astype(numpy.float32)
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    ids = lib.tensor(rng.integers(0, VOCAB, (batch, length)))
    y = lib.tensor(rng.integers(0, 2, batch).astype(numpy.float32))
    return model, nn.BCEWithLogitsLoss(), ids, y


def profile(steps=10, top=25):
    """cProfile of shenjing's training step; prints the top functions by own time and
    where the step goes: the recurrent time loops, the GEMMs outside them, the rest."""
    from .profile import profile as profile_step  # the runner imports this module
    stats = profile_step("lstm", steps, top)
    total = sum(v[2] for v in stats.stats.values())
    parts = {"recurrent time loops (forward, backward)": 0.0,
             "recurrent GEMMs outside the loops (projection, weight gradients)": 0.0}
    for (path, _, name), v in stats.stats.items():
        if path.endswith("recurrent.py"):
            key = "recurrent GEMMs outside the loops (projection, weight gradients)" if name in (
                "_project", "_weight_grads") else "recurrent time loops (forward, backward)"
            parts[key] += v[2]
    parts["everything else (embedding, head, loss, Adam, engine)"] = total - sum(parts.values())
    for key, seconds in parts.items():
        print(f"{key}: {seconds / total:.0%} ({seconds / steps * 1e3:.2f} ms per step)")
    print(f"total: {total / steps * 1e3:.2f} ms per step (CPU time)")
    return parts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--length", type=int, default=LENGTH, help="tokens per sequence")
    parser.add_argument("--steps", type=int, default=5, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the shenjing step")
    args = parser.parse_args(argv)
    if args.profile:
        profile()
        return 0
    results = compare(lambda lib, batch: build(lib, batch, length=args.length), args.batch,
                      steps=args.steps, repeats=args.repeats, use_torch=not args.no_torch)
    print_comparison("lstm: embedding-LSTM64-LSTM32-linear, train step", results, args.batch,
                     flops_per_step(args.batch, args.length))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
