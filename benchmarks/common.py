"""Shared timing of training-step workloads, shenjing beside PyTorch in one process.

A workload is written once against the PyTorch-style API: ``build(lib, batch)`` returns
``(model, loss_fn, inputs, target)`` made with ``lib`` (``shenjing`` or ``torch``), from
the same NumPy arrays for both.  A step is forward + loss + backward + Adam (lr 1e-3), as
../shared/BENCHMARKS.md defines.  After a warm-up, blocks of steps are timed repeatedly,
alternating between the libraries so that a drift in machine speed hits both alike.
"""

import importlib
import statistics
import time


def libraries(use_torch=True):
    """``{"shenjing": module, "torch": module}``, torch only when importable and wanted."""
    libs = {"shenjing": importlib.import_module("shenjing")}
    if use_torch:
        try:
            libs["torch"] = importlib.import_module("torch")
        except ImportError:
            pass
    return libs


def training_step(lib, model, loss_fn, inputs, target):
    """A closure running one forward + loss + backward + Adam step; returns it and the optimizer."""
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), target)
        loss.backward()
        optimizer.step()
        return loss

    return step


def compare(build, batch, steps=5, repeats=7, warmup=3, use_torch=True):
    """Time ``build``'s training step in each library; seconds per step for every repeat.

    Returns ``{name: {"times": [...], "median": s, "min": s, "loss": float}}``.
    """
    libs = libraries(use_torch)
    steppers = {}
    for name, lib in libs.items():
        if name == "torch":
            lib.set_num_threads(lib.get_num_threads())  # default threads, stated for clarity
        steppers[name] = training_step(lib, *build(lib, batch))
    for step in steppers.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in steppers}
    losses = {}
    for _ in range(repeats):
        for name, step in steppers.items():
            start = time.perf_counter()
            for _ in range(steps):
                loss = step()
            times[name].append((time.perf_counter() - start) / steps)
            losses[name] = float(loss.item())
    return {name: {"times": t, "median": statistics.median(t), "min": min(t),
                   "loss": losses[name]} for name, t in times.items()}


def print_comparison(title, results, batch, flops_per_step=None):
    """One line per library: median and min ms per step, samples/s, GFLOP/s; then the ratio."""
    print(f"{title} (batch {batch})")
    for name, r in results.items():
        line = (f"  {name:9s} median {r['median'] * 1e3:8.2f} ms  min {r['min'] * 1e3:8.2f} ms  "
                f"{batch / r['median']:9.0f} samples/s")
        if flops_per_step:
            line += f"  {flops_per_step / r['median'] / 1e9:6.1f} GFLOP/s"
        print(line)
    if "torch" in results:
        ratio = results["shenjing"]["median"] / results["torch"]["median"]
        print(f"  ratio shenjing/torch (median): {ratio:.2f}")
