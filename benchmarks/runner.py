"""The benchmark suite: every workload of ../shared/BENCHMARKS.md, shenjing beside PyTorch.

Each workload is written once against the PyTorch-style API (``build(lib, batch)`` in its
module) and run three ways, block by block in turn after a warm-up, so that a drift in the
machine's speed hits all three alike:

- ``shenjing``: in this process;
- ``torch``: PyTorch in this process, so under the same glibc allocator setting that
  shenjing applies at import (src/shenjing/allocator.py; it is process-wide);
- ``torch*``: PyTorch *as installed*: a worker subprocess started with
  ``SHENJING_MALLOPT=0``, no ``MALLOC_*`` variables and no shenjing import, driven over a
  pipe (the parent waits while it runs, so the two never compete for the cores).

Printed per workload: median and minimum time per step, samples/s, achieved GFLOP/s (FLOPs
counted from the layer shapes), its share of the GEMM ceiling measured in the same run
(NumPy's 1024^3 float32 GEMM for shenjing, PyTorch's for PyTorch), both ratios
shenjing / PyTorch, and the peak RSS of the training workloads, each library alone in its
own subprocess (shenjing with its allocator setting, PyTorch as installed).

    python -m benchmarks run [--only NAME[,NAME]] [--json PATH] [--repeats 7]
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time

from . import cnn, lstm, mlp, resnet_az, textcnn

MODULES = {m.NAME: m for m in (mlp, cnn, textcnn, lstm, resnet_az)}
GEMM_SIZE = 1024
# an idle pause before each timed block: OpenBLAS's worker threads keep spinning for a
# while after a GEMM before they sleep (and PyTorch's OpenMP threads likewise), so on a
# 2-core machine the library timed just before would otherwise steal the cores at the
# start of the next library's block
GAP = 0.1
# steps per timed block: enough that one block takes roughly 0.05-0.3 s
STEPS = {"gemm": 5, "mlp": 20, "cnn": 5, "textcnn": 2, "lstm": 3, "resnet_az": 2,
         "resnet_az_b1": 50, "resnet_az_b16": 10, "resnet_az_folded_b1": 50,
         "resnet_az_folded_b16": 10}


def workload_names():
    """Every row of the suite: ``gemm`` first (the ceiling), then the models."""
    names = ["gemm"]
    for name in MODULES:
        names.append(name)
        if name == "resnet_az":
            names += [f"resnet_az{kind}_b{b}" for b in resnet_az.INFERENCE_BATCHES
                      for kind in ("", "_folded")]
    return names


def inference_row(name):
    """``(batch, folded?)`` of a resnet_az inference row ('resnet_az_b16',
    'resnet_az_folded_b1'), else None.  A folded row times shenjing's FoldedNet (NumPy,
    batch norm folded) against PyTorch's eager eval mode, on the same weights."""
    if not name.startswith("resnet_az_"):
        return None
    return int(name.rsplit("_b", 1)[1]), "_folded_" in name


def describe(name, tiny=False):
    """``(title, batch, flops per step, training?)`` of a row."""
    if name == "gemm":
        return (f"gemm: float32 {GEMM_SIZE}^3 matmul (NumPy for shenjing)", None,
                2 * GEMM_SIZE ** 3, False)
    row = inference_row(name)
    if row:
        batch, folded = row
        how = ("shenjing FoldedNet (BN folded, NumPy arrays), torch eager eval, no graph"
               if folded else "eval mode, no graph")
        return (f"resnet_az inference, batch {batch}: {how}", batch,
                resnet_az.flops_per_step(batch, train=False), False)
    module = MODULES[name]
    sizes = dict(module.TINY) if tiny else {}
    batch = sizes.pop("batch", module.BATCH)
    return module.TITLE, batch, module.flops_per_step(batch, **sizes), True


def make_step(lib_name, name, tiny=False):
    """A closure running one step of row ``name`` with library ``lib_name`` ("shenjing" or
    "torch"); it returns a float (the loss, or a checksum of the output)."""
    import importlib
    if name == "gemm":
        import numpy
        n = 64 if tiny else GEMM_SIZE
        rng = numpy.random.default_rng(0)
        a, b = (rng.random((n, n), dtype=numpy.float32) for _ in range(2))
        if lib_name == "torch":
            torch = importlib.import_module("torch")
            a, b = torch.from_numpy(a), torch.from_numpy(b)
            return lambda: float((a @ b)[0, 0])
        return lambda: float((a @ b)[0, 0])                 # NumPy: shenjing's GEMM
    lib = importlib.import_module(lib_name)
    row = inference_row(name)
    if row:
        batch, folded = row
        if folded and lib_name == "shenjing":
            net, planes = resnet_az.build_folded(batch)
            return lambda: float(net(planes)[1].sum())
        model, x = resnet_az.build_inference(lib, batch)

        def infer():
            with lib.no_grad():
                policy, value = model(x)
            return float(value.sum().item())

        return infer
    from .common import training_step
    module = MODULES[name]
    sizes = dict(module.TINY) if tiny else {}
    batch = sizes.pop("batch", module.BATCH)
    step = training_step(lib, *module.build(lib, batch, **sizes))
    return lambda: float(step().item())


def time_block(step, steps):
    """Seconds per step over one block of ``steps`` steps, and the last step's value."""
    start = time.perf_counter()
    for _ in range(steps):
        value = step()
    return (time.perf_counter() - start) / steps, value


def peak_rss_mib():
    """This process's peak resident set size so far, in MiB.

    Read from VmHWM in /proc: ``getrusage``'s ``ru_maxrss`` keeps the parent's peak across
    fork + exec, so in a fresh subprocess it would report the parent's memory."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except OSError:
        return float("nan")


# ---------------------------------------------------------------- the worker subprocess


def worker(lib_name, name, tiny=False):
    """Serve one row over stdin/stdout, one JSON line per command:
    ``block STEPS`` -> ``{"seconds": s, "value": v}``; ``rss`` -> peak and import-time RSS;
    ``quit``.  Imports only ``lib_name`` (and NumPy)."""
    baseline = current_rss_mib()
    importlib = __import__("importlib")
    importlib.import_module(lib_name)
    after_import = current_rss_mib()
    step = make_step(lib_name, name, tiny)
    print(json.dumps({"ready": True, "shenjing_imported": "shenjing" in sys.modules}), flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            break
        if command[0] == "block":
            seconds, value = time_block(step, int(command[1]))
            print(json.dumps({"seconds": seconds, "value": value}), flush=True)
        elif command[0] == "rss":
            print(json.dumps({"peak": peak_rss_mib(), "after_import": after_import,
                              "before_import": baseline}), flush=True)
    return 0


class Worker:
    """A row served by ``python -m benchmarks worker`` in a subprocess (see ``worker``)."""

    def __init__(self, lib_name, name, tiny=False, installed=True):
        env = dict(os.environ)
        if installed:   # PyTorch as installed: glibc's default allocator behaviour
            env["SHENJING_MALLOPT"] = "0"
            env.pop("MALLOC_MMAP_THRESHOLD_", None)
            env.pop("MALLOC_TRIM_THRESHOLD_", None)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        args = [sys.executable, "-m", "benchmarks", "worker", lib_name, name]
        self.process = subprocess.Popen(args + (["--tiny"] if tiny else []), env=env, cwd=root,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        hello = self._read()
        if lib_name != "shenjing" and hello["shenjing_imported"]:
            raise RuntimeError("the PyTorch worker imported shenjing")

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker exited ({self.process.wait()})")
        return json.loads(line)

    def ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def block(self, steps):
        reply = self.ask(f"block {steps}")
        return reply["seconds"], reply["value"]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            self.process.wait(timeout=60)


def peak_memory(lib_name, name, tiny=False, steps=5):
    """Peak RSS (MiB) of a subprocess that imports only ``lib_name`` and runs ``steps``
    steps of row ``name``; shenjing with its allocator setting, PyTorch as installed."""
    w = Worker(lib_name, name, tiny, installed=(lib_name != "shenjing"))
    try:
        w.block(steps)
        return w.ask("rss")
    finally:
        w.close()


# ---------------------------------------------------------------- the suite


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_row(name, repeats=7, steps=None, warmup=2, use_torch=True, installed=True,
            tiny=False, gap=GAP):
    """Time one row in each library, alternating block by block; returns its record."""
    title, batch, flops, training = describe(name, tiny)
    steps = steps or STEPS[name]
    steppers, workers = {"shenjing": make_step("shenjing", name, tiny)}, {}
    if use_torch:
        steppers["torch"] = make_step("torch", name, tiny)
        if installed:
            workers["torch*"] = Worker("torch", name, tiny)
    try:
        for _ in range(warmup):
            for step in steppers.values():
                step()
            for w in workers.values():
                w.block(1)
        times = {lib: [] for lib in list(steppers) + list(workers)}
        values = {}
        for _ in range(repeats):
            for lib, step in steppers.items():
                time.sleep(gap)
                seconds, values[lib] = time_block(step, steps)
                times[lib].append(seconds)
            for lib, w in workers.items():
                time.sleep(gap)
                seconds, values[lib] = w.block(steps)
                times[lib].append(seconds)
    finally:
        for w in workers.values():
            w.close()
    record = {"name": name, "title": title, "batch": batch, "flops": flops,
              "training": training, "steps": steps, "repeats": repeats, "libs": {}}
    for lib, t in times.items():
        median = statistics.median(t)
        record["libs"][lib] = {"times": t, "median": median, "min": min(t),
                               "samples_per_s": (batch / median) if batch else None,
                               "gflops": flops / median / 1e9, "value": values[lib]}
    return record


def run(only=None, repeats=7, steps=None, warmup=2, use_torch=True, installed=True,
        memory=True, tiny=False, out=print, gap=GAP):
    """Run the suite (or the rows named in ``only``); returns the report as a dict."""
    use_torch = use_torch and torch_available()
    names = workload_names()
    if only:
        unknown = [n for n in only if n not in names]
        if unknown:
            raise ValueError(f"unknown workload {unknown}; choose from {names}")
        names = [n for n in names if n in only]
    # the ceiling is always measured, first, so that every row has its share
    rows = {"gemm": run_row("gemm", repeats, None, warmup, use_torch, installed, tiny, gap)}
    if "gemm" in names and out:
        out(format_row(rows["gemm"], rows["gemm"]))
    for name in names:
        if name == "gemm":
            continue
        record = run_row(name, repeats, steps, warmup, use_torch, installed, tiny, gap)
        if memory and record["training"]:
            record["rss"] = {"shenjing": peak_memory("shenjing", name, tiny)}
            if use_torch:
                record["rss"]["torch*"] = peak_memory("torch", name, tiny)
        rows[name] = record
        if out:
            out(format_row(record, rows["gemm"]))
    report = {"config": config(use_torch), "gemm": rows["gemm"], "rows": [rows[n] for n in names]}
    if out:
        out(format_summary(report["rows"], rows["gemm"]))
    return report


def config(use_torch):
    import numpy
    import shenjing
    from shenjing import allocator
    info = {"python": sys.version.split()[0], "numpy": numpy.__version__,
            "shenjing": getattr(shenjing, "__version__", "?"), "cpus": os.cpu_count(),
            "allocator_setting_applied": allocator.applied}
    if use_torch:
        import torch
        info.update(torch=torch.__version__, torch_threads=torch.get_num_threads())
    return info


def ceiling(gemm, lib):
    """The GEMM ceiling (GFLOP/s) a library's row is measured against."""
    libs = gemm["libs"]
    return libs.get("shenjing" if lib == "shenjing" else lib, libs["shenjing"])["gflops"]


LABELS = {"shenjing": "shenjing", "torch": "torch (same allocator)",
          "torch*": "torch (as installed)"}


def format_row(record, gemm):
    batch = f"batch {record['batch']}, " if record["batch"] else ""
    lines = [f"{record['title']} ({batch}{record['flops'] / 1e9:.3g} GFLOP/step)"]
    for lib, r in record["libs"].items():
        rate = f"{r['samples_per_s']:9.0f} samples/s" if r["samples_per_s"] else " " * 19
        lines.append(f"  {LABELS[lib]:22s} median {r['median'] * 1e3:8.2f} ms  "
                     f"min {r['min'] * 1e3:8.2f} ms  {rate}  {r['gflops']:6.1f} GFLOP/s  "
                     f"{r['gflops'] / ceiling(gemm, lib):4.0%} of GEMM")
    ratios = ratio_text(record)
    if ratios:
        lines.append(f"  ratio shenjing/torch (median): {ratios}")
    if "rss" in record:
        lines.append("  peak RSS, alone in a subprocess: " + ", ".join(
            f"{LABELS[lib]} {m['peak']:.0f} MiB ({m['peak'] - m['after_import']:.0f} above "
            f"its import)" for lib, m in record["rss"].items()))
    return "\n".join(lines)


def ratios(record):
    libs = record["libs"]
    ours = libs["shenjing"]["median"]
    return {lib: ours / libs[lib]["median"] for lib in ("torch*", "torch") if lib in libs}


def ratio_text(record):
    names = {"torch*": "vs as installed", "torch": "vs same allocator"}
    return ", ".join(f"{r:.2f} {names[lib]}" for lib, r in ratios(record).items())


def format_summary(rows, gemm):
    """One line per row: the figures a reader compares first."""
    header = ("| workload | shenjing ms | torch ms (same alloc) | torch ms (as installed) | "
              "ratio vs installed | ratio vs same alloc | shenjing % of GEMM | "
              "peak RSS MiB shenjing / torch |")
    lines = ["", header, "|" + "---|" * (header.count("|") - 1)]
    for record in rows:
        libs = record["libs"]
        cell = lambda lib: f"{libs[lib]['median'] * 1e3:.2f}" if lib in libs else "-"  # noqa: E731
        r = ratios(record)
        rss = record.get("rss", {})
        memory = " / ".join(f"{rss[lib]['peak']:.0f}" for lib in ("shenjing", "torch*")
                            if lib in rss) or "-"
        share = libs["shenjing"]["gflops"] / ceiling(gemm, "shenjing")
        lines.append(f"| {record['name']} | {cell('shenjing')} | {cell('torch')} | "
                     f"{cell('torch*')} | {r.get('torch*', float('nan')):.2f} | "
                     f"{r.get('torch', float('nan')):.2f} | {share:.0%} | {memory} |")
    return "\n".join(lines)


def write_json(report, path):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(report, f, indent=1)
    os.replace(tmp, path)
