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


def load_same_weights(lib, model, rng, draw=None):
    """Give ``model`` weights drawn from ``rng`` by parameter name, so that the model built
    with shenjing and the one built with PyTorch start from the same point.

    ``draw(name, shape)`` returns a float32 array, or None for the default: uniform in
    +-1/sqrt(fan_in) (fan_in = product of the shape but the first axis), and 1 / 0 for a
    batch norm's weight / bias (1-D parameters of a module that has running statistics).
    """
    import numpy
    state = {}
    buffers = {name.rsplit(".", 1)[0] for name, _ in model.named_buffers()}
    for name, p in model.named_parameters():
        shape = tuple(p.shape)
        array = draw(name, shape) if draw is not None else None
        if array is None:
            module, kind = name.rsplit(".", 1) if "." in name else ("", name)
            if len(shape) == 1 and module in buffers:
                array = numpy.full(shape, 1.0 if kind == "weight" else 0.0)
            else:
                fan_in = int(numpy.prod(shape[1:])) if len(shape) > 1 else shape[0]
                bound = 1 / numpy.sqrt(fan_in)
                array = rng.uniform(-bound, bound, shape)
        state[name] = lib.tensor(numpy.asarray(array, dtype=numpy.float32))
    model.load_state_dict(state, strict=False)
    return model
