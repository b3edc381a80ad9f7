"""The scaling report: step time against batch size and width for ``mlp`` and ``cnn``.

Both libraries run in this process (so under the same allocator setting), alternating block
by block as in the suite.  Written to ``--out``: ``scaling.md`` (the table), ``scaling.json``
and ``scaling.png`` (needs matplotlib: ``pip install 'shenjing[plot]'``).

    python -m benchmarks scaling [--out DIR]
"""

import json
import os
import statistics

from . import cnn, mlp
from .common import libraries, training_step
from .runner import time_block

BATCHES = (16, 32, 64, 128, 256, 512, 1024)
WIDTHS = (0.25, 0.5, 1.0, 2.0, 4.0)
MODULES = {"mlp": mlp, "cnn": cnn}


def measure(module, batch, width, libs, repeats, budget=0.3):
    """Median seconds per step in each library (blocks of about ``budget`` seconds)."""
    steps = {name: training_step(lib, *module.build(lib, batch, width=width))
             for name, lib in libs.items()}
    first = {name: time_block(step, 1)[0] for name, step in steps.items()}  # warm-up
    n = max(1, int(budget / max(first.values())))
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            times[name].append(time_block(step, n)[0])
    return {name: statistics.median(t) for name, t in times.items()}


def sweep(repeats=3, use_torch=True, tiny=False, out=print):
    """Rows ``{"workload", "axis", "batch", "width", "flops", "<lib>": seconds}``."""
    libs = libraries(use_torch)
    batches, widths = ((2, 4), (0.25, 0.5)) if tiny else (BATCHES, WIDTHS)
    rows = []
    for name, module in MODULES.items():
        points = [("batch", b, 1.0) for b in batches]
        points += [("width", module.BATCH if not tiny else 2, w) for w in widths]
        for axis, batch, width in points:
            times = measure(module, batch, width, libs, repeats, 0.01 if tiny else 0.3)
            row = {"workload": name, "axis": axis, "batch": batch, "width": width,
                   "flops": module.flops_per_step(batch, width=width), **times}
            rows.append(row)
            if out:
                out(format_line(row))
    return rows


def format_line(row):
    cells = [f"{row['workload']:4s} {row['axis']:5s} batch {row['batch']:5d} width {row['width']:4g}"]
    for lib in ("shenjing", "torch"):
        if lib in row:
            cells.append(f"{lib} {row[lib] * 1e3:8.2f} ms ({row['flops'] / row[lib] / 1e9:5.1f} GFLOP/s)")
    if "torch" in row:
        cells.append(f"ratio {row['shenjing'] / row['torch']:.2f}")
    return "  ".join(cells)


def format_table(rows):
    has_torch = any("torch" in r for r in rows)
    header = "| workload | axis | batch | width | shenjing ms | samples/s |"
    if has_torch:
        header += " torch ms | samples/s | ratio |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for r in rows:
        line = (f"| {r['workload']} | {r['axis']} | {r['batch']} | {r['width']:g} | "
                f"{r['shenjing'] * 1e3:.2f} | {r['batch'] / r['shenjing']:.0f} |")
        if has_torch:
            line += (f" {r['torch'] * 1e3:.2f} | {r['batch'] / r['torch']:.0f} | "
                     f"{r['shenjing'] / r['torch']:.2f} |")
        lines.append(line)
    return "\n".join(lines)


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("scaling plot: matplotlib is missing; pip install 'shenjing[plot]'") from None
    return plt


def plot(rows, path):
    """Four panels (mlp, cnn) x (batch, width): ms per step, log-log, one line per library."""
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    styles = {"shenjing": dict(color="tab:red", marker="o"),
              "torch": dict(color="tab:blue", marker="s")}
    for i, name in enumerate(MODULES):
        for j, axis in enumerate(("batch", "width")):
            ax = axes[i][j]
            points = [r for r in rows if r["workload"] == name and r["axis"] == axis]
            xs = [r[axis] for r in points]
            for lib, style in styles.items():
                if points and lib in points[0]:
                    ax.plot(xs, [r[lib] * 1e3 for r in points], label=lib, **style)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            fixed = (f"width x{points[0]['width']:g}" if axis == "batch"
                     else f"batch {points[0]['batch']}") if points else ""
            ax.set_title(f"{name}: step time against {axis} ({fixed})")
            ax.set_xlabel(axis if axis == "batch" else "width (x the plan's layer sizes)")
            ax.set_ylabel("ms per training step (median)")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend()
    fig.suptitle("shenjing vs PyTorch (same process, same allocator setting), CPU float32")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def scaling_report(out_dir, repeats=3, use_torch=True, tiny=False):
    """Run the sweep and write the table, the JSON and the PNG into ``out_dir``."""
    _pyplot()                      # fail before the sweep, not after it
    os.makedirs(out_dir, exist_ok=True)
    rows = sweep(repeats, use_torch, tiny)
    table = format_table(rows)
    print()
    print(table)
    with open(os.path.join(out_dir, "scaling.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(out_dir, "scaling.json"), "w") as f:
        json.dump(rows, f, indent=1)
    png = os.path.join(out_dir, "scaling.png")
    plot(rows, png)
    print(f"\nwrote {png} and the table beside it")
    return 0
