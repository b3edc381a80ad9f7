"""The ``cnn`` workload: a small MNIST-shaped convnet, one training step, shenjing vs PyTorch.

1x28x28 -> Conv 32 3x3 -> ReLU -> MaxPool 2 -> Conv 64 3x3 -> ReLU -> MaxPool 2
-> Conv 64 3x3 -> ReLU -> Flatten -> Linear 64 -> ReLU -> Linear 10 (valid padding),
cross-entropy on integer labels, Adam (lr 1e-3), batch 64 (../shared/BENCHMARKS.md).

    python -m benchmarks run --only cnn        # in the suite (also: python -m benchmarks.cnn)
    python -m benchmarks.cnn --profile         # where shenjing's step spends its time
"""

import argparse

import numpy

from .common import compare, load_same_weights, print_comparison

NAME = "cnn"
TITLE = "cnn: conv-pool-conv-pool-conv-linear, train step"
BATCH = 64
TINY = {"batch": 2}
GEMM_FUNCTIONS = ("gemm", "input_grad_gemm", "weight_grad_gemm")


def _conv_flops(n, c, o, k, out):
    return 2 * n * c * o * k * k * out * out


def flops_per_step(batch=BATCH, width=1.0):
    """Multiply-adds x 2 of forward, x 3 for forward + both backward GEMMs (the first
    layer needs no input gradient, counted anyway as the plan's figure does)."""
    c1, c2, c3, hidden = (max(1, int(c * width)) for c in (32, 64, 64, 64))
    forward = (_conv_flops(batch, 1, c1, 3, 26) + _conv_flops(batch, c1, c2, 3, 11)
               + _conv_flops(batch, c2, c3, 3, 3) + 2 * batch * (c3 * 9 * hidden + hidden * 10))
    return 3 * forward


def build(lib, batch=BATCH, seed=0, width=1.0):
    """(model, loss_fn, inputs, target) made with ``lib`` from the same NumPy arrays;
    ``width`` scales the channels (32, 64, 64) and the hidden linear layer (64)."""
    nn = lib.nn
    rng = numpy.random.default_rng(seed)
    lib.manual_seed(seed)
    c1, c2, c3, hidden = (max(1, int(c * width)) for c in (32, 64, 64, 64))
    model = nn.Sequential(
        nn.Conv2d(1, c1, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c2, c3, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(c3 * 9, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    load_same_weights(lib, model, rng)     # the same weights in both libraries
    x = lib.tensor(rng.random((batch, 1, 28, 28), dtype=numpy.float32))
    y = lib.tensor(rng.integers(0, 10, batch))
    return model, nn.CrossEntropyLoss(), x, y


def profile(steps=30, top=25):
    """cProfile of shenjing's training step; prints the top functions by own time and the
    share of the step spent in the GEMMs (NumPy's matmul)."""
    from .profile import profile as profile_step  # the runner imports this module
    stats = profile_step("cnn", steps, top)
    total = sum(v[2] for v in stats.stats.values())       # own time of every function
    # the conv GEMMs live in three one-line functions of ops/conv.py (``a @ b`` itself does
    # not show in a profile); the linear layers' small GEMMs are counted as other time
    gemm = sum(v[2] for k, v in stats.stats.items()
               if k[0].endswith("conv.py") and k[2] in GEMM_FUNCTIONS)
    # the conv path: everything under Conv.forward and Conv.backward (ops/conv.py)
    conv = sum(v[3] for k, v in stats.stats.items()
               if k[0].endswith("ops/conv.py") and k[2] in ("forward", "backward"))
    ms = lambda t: t / steps * 1e3  # noqa: E731
    print(f"step {ms(total):.2f} ms (CPU); conv ops {ms(conv):.2f} ms = {conv / total:.0%} of it; "
          f"their GEMMs {ms(gemm):.2f} ms = {gemm / conv:.0%} of the conv path, "
          f"{gemm / total:.0%} of the step")
    return gemm / conv


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--steps", type=int, default=5, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the shenjing step")
    args = parser.parse_args(argv)
    if args.profile:
        profile()
        return 0
    results = compare(lambda lib, batch: build(lib, batch), args.batch, steps=args.steps,
                      repeats=args.repeats, use_torch=not args.no_torch)
    print_comparison("cnn: conv-pool-conv-pool-conv-linear, train step", results, args.batch,
                     flops_per_step(args.batch))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
