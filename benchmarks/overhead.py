"""Per-op overhead: a long chain of tiny elementwise ops, forward + backward.

On a (16, 16) float32 tensor the arithmetic costs next to nothing, so the time per op is
what the framework itself adds: making the output tensor, recording the graph node,
walking it back, accumulating gradients.  The chain cycles through ``x * w``, ``x + b``,
``tanh(x)`` and ``sigmoid(x)`` (``w`` and ``b`` are leaves that require grad, so their
gradients add up over every use), then ``x.sum().backward()``.

shenjing and PyTorch (when importable) run the same chain on the same inputs in one
process, alternating repeat by repeat after a warm-up, so that a drift in the machine's
speed hits both alike.  Printed: median and minimum microseconds per op for the forward,
the backward and both, and the ratio shenjing / PyTorch (below 1.0: shenjing is faster).

    python -m benchmarks.overhead [--ops 1000] [--repeats 15] [--warmup 3]
"""

import argparse
import statistics
import time

import numpy

import shenjing

OPS = ("mul", "add", "tanh", "sigmoid")


def chain(lib, x, w, b, n_ops):
    """Apply ``n_ops`` elementwise ops in turn (mul, add, tanh, sigmoid); ``lib`` is shenjing
    or torch, and x, w, b its tensors."""
    for i in range(n_ops):
        k = i % 4
        if k == 0:
            x = x * w
        elif k == 1:
            x = x + b
        elif k == 2:
            x = lib.tanh(x)
        else:
            x = lib.sigmoid(x)
    return x


def _inputs(shape, seed):
    rng = numpy.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(numpy.float32)
    w = (1 + 0.1 * rng.standard_normal(shape)).astype(numpy.float32)
    b = (0.1 * rng.standard_normal(shape)).astype(numpy.float32)
    return x, w, b


class _Runner:
    """One library's chain: ``run()`` times one forward and one backward."""

    def __init__(self, lib, make, arrays, n_ops):
        self.lib, self.n_ops = lib, n_ops
        self.leaves = [make(a.copy()).requires_grad_() for a in arrays]

    def run(self):
        for t in self.leaves:
            t.grad = None
        x, w, b = self.leaves
        t0 = time.perf_counter()
        loss = chain(self.lib, x, w, b, self.n_ops).sum()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        self.loss = float(loss.item())
        return t1 - t0, t2 - t1

    def grads(self):
        return [numpy.array(t.grad.numpy(), dtype=numpy.float64) for t in self.leaves]


def run(n_ops=1000, repeats=15, warmup=3, shape=(16, 16), seed=0, use_torch=True):
    """Time the chain in shenjing and (if ``use_torch`` and importable) PyTorch.

    Returns ``{"config": {...}, "results": {name: {"forward"|"backward"|"total": [seconds
    per op, one per repeat]}}, "loss": {name: float}, "grads": {name: [dx, dw, db]}}``.
    """
    arrays = _inputs(shape, seed)
    runners = {"shenjing": _Runner(shenjing, shenjing.from_numpy, arrays, n_ops)}
    if use_torch:
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None:
            runners["pytorch"] = _Runner(torch, torch.from_numpy, arrays, n_ops)
    results = {name: {"forward": [], "backward": [], "total": []} for name in runners}
    for i in range(warmup + repeats):
        # alternate which library goes first, so neither always runs on a warmer cache
        names = list(runners) if i % 2 == 0 else list(reversed(runners))
        for name in names:
            forward, backward = runners[name].run()
            if i >= warmup:
                r = results[name]
                r["forward"].append(forward / n_ops)
                r["backward"].append(backward / n_ops)
                r["total"].append((forward + backward) / n_ops)
    return {
        "config": {"n_ops": n_ops, "repeats": repeats, "warmup": warmup, "shape": tuple(shape),
                   "ops": OPS, "torch": runners["pytorch"].lib.__version__
                   if "pytorch" in runners else None},
        "results": results,
        "loss": {name: r.loss for name, r in runners.items()},
        "grads": {name: r.grads() for name, r in runners.items()},
    }


def format_table(report):
    """The report of ``run`` as a text table (microseconds per op)."""
    c = report["config"]
    res = report["results"]
    lines = [
        f"overhead: a chain of {c['n_ops']} elementwise ops ({', '.join(c['ops'])}) on a "
        f"{c['shape']} float32 tensor, forward + backward;",
        f"median and min of {c['repeats']} repeats after {c['warmup']} warm-up, microseconds "
        f"per op (shenjing {shenjing.__version__}, "
        f"PyTorch {c['torch'] or 'not installed'})",
        "",
        f"{'':10}{'forward':>20}{'backward':>20}{'forward+backward':>20}",
        f"{'':10}" + f"{'median':>10}{'min':>10}" * 3,
    ]

    def stats(name):
        return [f(res[name][part]) * 1e6 for part in ("forward", "backward", "total")
                for f in (statistics.median, min)]

    for name in res:
        lines.append(f"{name:10}" + "".join(f"{v:10.2f}" for v in stats(name)))
    if "pytorch" in res:
        ratio = [a / b for a, b in zip(stats("shenjing"), stats("pytorch"))]
        lines.append(f"{'ratio':10}" + "".join(f"{v:10.2f}" for v in ratio))
        lines.append("")
        lines.append("ratio = shenjing / PyTorch (below 1.0: shenjing is faster)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overhead",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=1000, help="ops in the chain (default 1000)")
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed repeats first (default 3)")
    parser.add_argument("--no-torch", action="store_true", help="time shenjing alone")
    args = parser.parse_args(argv)
    report = run(n_ops=args.ops, repeats=args.repeats, warmup=args.warmup,
                 use_torch=not args.no_torch)
    print(format_table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
