"""Data-parallel scaling from 1 to 2 ranks: shenjing's DistributedDataParallel on MPI,
beside PyTorch's DDP (gloo) on the same workload where torch is installed.

The global batch stays the workload's (strong scaling): with n ranks each trains on
batch / n per step and the gradients are averaged.  Reported per workload and rank count:
the median time of a training step, samples per second, the speed-up over one rank, and the
bytes of gradients each rank all-reduces per step (what DDP moves; a ring all-reduce sends
about 2 (n - 1) / n times that over the wire).  The cores are shared out: each rank gets
cores // n threads.

    python -m benchmarks.distributed_scaling [--workloads resnet_az textcnn] [--steps 10]

(A benchmark, not a test: it needs mpirun and mpi4py, and torch for the PyTorch rows.)
"""

import argparse
import importlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time

if __name__ == "__main__":  # started as a file by mpirun: import from the repository root,
    # not from benchmarks/ (its profile.py would shadow the standard library's)
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from shenjing.distributed import launch  # noqa: E402

WORKLOADS = ("resnet_az", "textcnn")


def _threads(world):
    return str(max(1, (os.cpu_count() or 1) // world))


def _step_times(lib, model, loss_fn, x, y, steps, warmup=3):
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return times


def _worker_shenjing(workload, steps):
    import shenjing
    import shenjing.distributed as dist
    dist.init_process_group(backend="mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    bench = importlib.import_module(f"benchmarks.{workload}")
    model, loss_fn, x, y = bench.build(shenjing, batch=bench.BATCH // world, seed=rank)
    ddp = shenjing.nn.parallel.DistributedDataParallel(model)
    times = _step_times(shenjing, ddp, loss_fn, x, y, steps)
    gathered = [shenjing.zeros(len(times), dtype=shenjing.float64) for _ in range(world)]
    dist.all_gather(gathered, shenjing.tensor(times, dtype=shenjing.float64))
    if rank == 0:
        slowest = [max(t) for t in zip(*[g.tolist() for g in gathered])]  # a step ends for all
        print(json.dumps({"step_s": statistics.median(slowest), "bytes": ddp.bytes_last_step}))


def _worker_torch(workload, steps, rank, world, port):
    import torch
    import torch.distributed as dist
    torch.set_num_threads(int(_threads(world)))
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    bench = importlib.import_module(f"benchmarks.{workload}")
    model, loss_fn, x, y = bench.build(torch, batch=bench.BATCH // world, seed=rank)
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    times = torch.tensor(_step_times(torch, ddp, loss_fn, x, y, steps), dtype=torch.float64)
    dist.all_reduce(times, op=dist.ReduceOp.MAX)
    if rank == 0:
        size = sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)
        print(json.dumps({"step_s": statistics.median(times.tolist()), "bytes": size}))
    dist.destroy_process_group()


def _env(world):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "SHENJING_THREADS"):
        env[name] = _threads(world)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    return env


def _last_json(text):
    """The last result line rank 0 printed; mpirun may wrap it in terminal escape codes."""
    line = [line for line in text.splitlines() if '{"step_s"' in line][-1]
    return json.loads(line[line.index("{"):line.rindex("}") + 1])


def run_shenjing(workload, world, steps):
    cmd = launch.command(world, os.path.abspath(__file__),
                         ["--worker", "shenjing", workload, "--steps", steps])
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(world), timeout=1800)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return _last_json(done.stdout)


def run_torch(workload, world, steps):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", "torch",
                               workload, "--steps", str(steps), "--rank", str(r),
                               "--world", str(world), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_env(world)) for r in range(world)]
    outs = [p.communicate(timeout=1800) for p in procs]
    if any(p.returncode for p in procs):
        raise RuntimeError(outs[0][1][-2000:])
    return _last_json(outs[0][0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--ranks", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--worker", choices=["shenjing", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("workload", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--rank", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--world", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "shenjing":
        return _worker_shenjing(args.workload, args.steps)
    if args.worker == "torch":
        return _worker_torch(args.workload, args.steps, args.rank, args.world, args.port)
    try:
        importlib.import_module("torch")
        libraries = {"shenjing": run_shenjing, "torch (gloo)": run_torch}
    except ImportError:
        libraries = {"shenjing": run_shenjing}
    print(f"data-parallel scaling on {os.cpu_count()} cores, global batch fixed, "
          f"{args.steps} timed steps")
    print(f"{'workload':<11}{'library':<14}{'ranks':>6}{'step ms':>10}{'samples/s':>11}"
          f"{'speed-up':>10}{'grad MB/step':>14}")
    for workload in args.workloads:
        batch = importlib.import_module(f"benchmarks.{workload}").BATCH
        for name, run in libraries.items():
            base = None
            for world in args.ranks:
                try:
                    result = run(workload, world, args.steps)
                except (RuntimeError, subprocess.SubprocessError, OSError) as error:
                    print(f"{workload:<11}{name:<14}{world:>6}  did not run: "
                          f"{str(error).strip().splitlines()[-1] if str(error).strip() else error}")
                    continue
                base = base or result["step_s"]
                print(f"{workload:<11}{name:<14}{world:>6}{1e3 * result['step_s']:>10.1f}"
                      f"{batch / result['step_s']:>11.0f}{base / result['step_s']:>10.2f}"
                      f"{result['bytes'] / 1e6:>14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
