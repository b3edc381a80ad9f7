"""``shenjing examples`` and ``shenjing run NAME``: list the course projects, run one.

    shenjing examples
    shenjing run NAME [--epochs N] [--batch-size B] [--data DIR] [--out DIR] [--limit N]

A run writes ``metrics.json``, its plots (PNG) and the trained model to ``--out``
(default ``runs/NAME``).  Every way it can fail before or while training (an unknown
example, an unreadable data folder, a missing extra, a missing data file, a diverged loss)
prints one line saying what to do and exits non-zero: 2 for bad arguments, 1 otherwise.
The same code runs ``python examples/NAME.py`` (``script_main``).
"""

import argparse
import os
import sys

from . import registry
from .session import Diverged, Session

EXTRA = "pip install 'shenjing[examples]'"


def add_commands(sub, positive_int):
    """Add ``examples`` and ``run`` to the ``shenjing`` command's subparsers."""
    listing = sub.add_parser("examples", help="list the course projects and their results",
                             description="List the examples `shenjing run` runs, one line "
                                         "each, with the result their default settings reach.")
    listing.set_defaults(run=cmd_examples)

    run = sub.add_parser("run", help="run one course project: metrics JSON, plots, model",
                         description="Run the example NAME (see `shenjing examples`) with a "
                                     "progress bar; write metrics.json, plots (PNG) and the "
                                     "trained model to --out.")
    run.add_argument("name", metavar="NAME", help="the example (shenjing examples)")
    add_run_arguments(run, positive_int)
    run.set_defaults(run=cmd_run)


def add_run_arguments(parser, positive_int):
    """The options shared by ``shenjing run`` and ``python examples/NAME.py``."""
    parser.add_argument("--epochs", type=positive_int, help="passes over the training data "
                        "(default: the example's, which reaches its reference result)")
    parser.add_argument("--batch-size", type=positive_int, help="default: the example's")
    parser.add_argument("--data", help="folder holding the data sets (mnist/, fashion-mnist/, "
                        "imdb/); default $SHENJING_DATA, then the download cache")
    parser.add_argument("--out", help="output folder (default runs/NAME)")
    parser.add_argument("--limit", type=positive_int, help="use only the first N training and "
                        "test samples (a quick run)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def cmd_examples(args):
    """Print one line per example: name, face, summary, reference result, default epochs."""
    width = max(map(len, registry.EXAMPLES))
    for e in registry.EXAMPLES.values():
        print(f"{e.name:<{width}}  [{e.face}] {e.summary}; {e.reference} "
              f"({e.epochs} epochs)")
    print("run one with: shenjing run NAME [--epochs N --batch-size B --data DIR --out DIR]")
    return 0


def cmd_run(args):
    """``shenjing run NAME ...``: check everything it needs, then ``execute``."""
    try:
        example = registry.get(args.name)
        problem = _check_setup(args)
        if problem:
            return _fail(problem, 2)
        train = registry.load_train(example.name)
    except registry.ExampleError as error:
        return _fail(str(error), 2)
    return execute(example, train, args)


def script_main(name, train, argv=None):
    """``python examples/NAME.py [options]``: the same options and outputs as ``shenjing run``."""
    from ..cli import _positive_int
    example = registry.get(name)
    parser = argparse.ArgumentParser(prog=f"{name}.py", description=example.summary)
    add_run_arguments(parser, _positive_int)
    args = parser.parse_args(argv)
    problem = _check_setup(args)
    if problem:
        return _fail(problem, 2)
    return execute(example, train, args)


def execute(example, train, args):
    """Run ``train(session)`` with ``args``' settings; write metrics.json; return the status."""
    session = Session(example.name, args.epochs or example.epochs,
                      args.batch_size or example.batch_size, data=args.data,
                      out=args.out or os.path.join("runs", example.name), limit=args.limit,
                      seed=args.seed, progress=not args.no_progress)
    import shenjing
    shenjing.manual_seed(args.seed)
    print(f"shenjing run {example.name}: {example.summary} ({session.epochs} epochs, batch "
          f"{session.batch_size}{f', first {args.limit} samples' if args.limit else ''}); "
          f"outputs in {session.out}")
    try:
        metrics = train(session)
    except Diverged as error:
        session.write_metrics({"diverged": str(error)})
        return _fail(str(error), 1)
    except OSError as error:  # a data file missing or corrupt (DataFileError), a full disk
        return _fail(f"{example.name}: {str(error).splitlines()[0]}", 1)
    document = session.write_metrics(metrics)
    shown = ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                      for k, v in metrics.items() if not isinstance(v, (dict, list)))
    print(f"{example.name}: {shown}  ({document['seconds']:.0f} s)")
    print(f"wrote {', '.join(document['files'])}")
    return 0


def _check_setup(args):
    """The one-line problem that stops a run before it starts, or None."""
    if args.data is not None:
        if not os.path.isdir(args.data):
            return f"--data {args.data}: not a folder; point it at the folder holding " \
                   f"mnist/, fashion-mnist/ and imdb/ (e.g. ../shared/data)"
        if not os.access(args.data, os.R_OK | os.X_OK):
            return f"--data {args.data}: folder not readable; check its permissions"
    for module in ("matplotlib", "tqdm"):
        try:
            __import__(module)
        except ImportError:
            return f"shenjing run needs {module} (plots and progress bars): {EXTRA}"
    return None


def _fail(message, status):
    print(f"shenjing run: {message}", file=sys.stderr)
    return status
