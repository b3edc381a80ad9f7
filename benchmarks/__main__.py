"""``python -m benchmarks``: the suite (``run``) and the scaling report (``scaling``).

    python -m benchmarks run [--only NAME[,NAME]] [--json PATH] [--repeats N] [--no-torch]
    python -m benchmarks scaling [--out DIR]
    OPENBLAS_NUM_THREADS=1 python -m benchmarks profile NAME
"""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="every workload, shenjing beside PyTorch")
    run.add_argument("--only", action="append", default=[],
                     help="a workload (repeat, or comma-separated): gemm, mlp, cnn, textcnn, "
                          "lstm, resnet_az, resnet_az_b1, resnet_az_b16, resnet_az_folded_b1, "
                          "resnet_az_folded_b16")
    run.add_argument("--json", metavar="PATH", help="also write the full report as JSON")
    run.add_argument("--repeats", type=int, default=7, help="timed blocks per library")
    run.add_argument("--steps", type=int, help="steps per block (default: per workload)")
    run.add_argument("--warmup", type=int, default=2)
    run.add_argument("--no-torch", action="store_true", help="shenjing alone")
    run.add_argument("--no-installed", action="store_true",
                     help="skip PyTorch as installed (the subprocess without the allocator setting)")
    run.add_argument("--no-memory", action="store_true", help="skip the peak-RSS subprocesses")
    run.add_argument("--tiny", action="store_true", help="tiny sizes: checks that it runs")
    run.add_argument("--gap", type=float, default=0.1,
                     help="idle seconds before each timed block (lets BLAS threads go to sleep)")

    scaling = commands.add_parser("scaling", help="step time against batch size and width")
    scaling.add_argument("--out", default="benchmark-scaling", help="folder for the PNG and table")
    scaling.add_argument("--repeats", type=int, default=3)
    scaling.add_argument("--no-torch", action="store_true")
    scaling.add_argument("--tiny", action="store_true", help="tiny sizes: checks that it runs")

    prof = commands.add_parser("profile", help="cProfile of shenjing's step of one workload")
    prof.add_argument("name")
    prof.add_argument("--steps", type=int)
    prof.add_argument("--top", type=int, default=25)

    worker = commands.add_parser("worker")       # internal: one row in a subprocess
    worker.add_argument("lib")
    worker.add_argument("name")
    worker.add_argument("--tiny", action="store_true")

    args = parser.parse_args(argv)
    if args.command == "worker":
        from .runner import worker as serve
        return serve(args.lib, args.name, args.tiny)
    if args.command == "profile":
        from .profile import profile
        profile(args.name, args.steps, args.top)
        return 0
    if args.command == "scaling":
        from .scaling import scaling_report
        return scaling_report(args.out, repeats=args.repeats, use_torch=not args.no_torch,
                              tiny=args.tiny)
    from .runner import run as run_suite, write_json
    only = [n for item in args.only for n in item.split(",") if n]
    report = run_suite(only or None, repeats=args.repeats, steps=args.steps, warmup=args.warmup,
                       use_torch=not args.no_torch, installed=not args.no_installed,
                       memory=not args.no_memory, tiny=args.tiny, gap=args.gap)
    if args.json:
        write_json(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
