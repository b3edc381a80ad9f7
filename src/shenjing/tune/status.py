"""The trials table of a search, read from its storage (``shenjing tune status DIR``).

    shenjing tune status my_dir/mnist
    shenjing tune status --storage postgresql://host/db mnist

One row per trial: number, state, objective value, epochs recorded, Hyperband's bracket
and round, the host and pid of the worker, and the hyperparameters.  The same storage opens
in the Optuna dashboard: ``optuna-dashboard sqlite:///my_dir/mnist/tuner.db``.
"""

import os

from .engine import default_storage, open_storage, require_optuna
from .trial import OWNER, STATUS


def locate(path, storage=None):
    """(storage address or object, study name) of the search at ``path``: a project folder
    holding ``tuner.db`` (its name is the study's), or the study's name when ``storage``
    is given.  ValueError naming the path when there is no search there."""
    if storage is not None:
        return storage, os.path.basename(os.path.normpath(path))
    if not os.path.isfile(os.path.join(path, "tuner.db")):
        raise ValueError(f"shenjing tune status: no search in {path!r} (expected "
                         f"{os.path.join(path, 'tuner.db')}; give the directory/project_name "
                         f"folder, or --storage URL and the project name)")
    return default_storage(path), os.path.basename(os.path.normpath(path))


def status_table(path, storage=None):
    """The trials table of the search at ``path`` (see ``locate``), as text."""
    optuna = require_optuna()
    url, name = locate(path, storage)
    storage = open_storage(url)
    names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
    if name not in names:
        raise ValueError(f"shenjing tune status: no search named {name!r} in the storage; "
                         f"it holds {names}")
    study = optuna.load_study(study_name=name, storage=storage)
    trials = study.get_trials(deepcopy=False)
    objective = study.user_attrs.get("objective", "value")
    rows = [("trial", "status", objective, "epochs", "bracket", "worker", "hyperparameters")]
    for t in trials:
        a = t.user_attrs
        history = a.get("tuner/history/0") or []
        owner = a.get(OWNER) or {}
        bracket = (f"{a['tuner/bracket']}/{a['tuner/round']}" if "tuner/bracket" in a else "")
        rows.append((f"{t.number:04d}", STATUS.get(t.state.name, t.state.name),
                     "" if t.value is None else f"{t.value:.6g}", str(len(history)), bracket,
                     f"{owner.get('host', '?')}:{owner.get('pid', '?')}" if owner else "",
                     ", ".join(f"{k}={v}" for k, v in t.params.items())))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths)) + "  " + row[-1]
             for row in rows]
    done = sum(t.state.name == "COMPLETE" for t in trials)
    direction = study.direction.name.lower()
    best = ""
    if done:
        best = (f"; best trial {study.best_trial.number:04d}: {objective} "
                f"{study.best_value:.6g}")
    lines.append(f"{len(trials)} trials, {done} completed ({direction} {objective}){best}")
    return "\n".join(lines)


def add_commands(sub):
    """Add ``shenjing tune status`` to the command line's subparsers ``sub``."""
    tune = sub.add_parser("tune", help="hyperparameter searches: show their trials",
                          description="Hyperparameter searches of shenjing.tune.")
    commands = tune.add_subparsers(dest="tune_command", metavar="command", required=True)
    status = commands.add_parser("status", help="print the trials table of a search")
    status.add_argument("dir", help="the search's directory/project_name folder (or, with "
                        "--storage, the project name)")
    status.add_argument("--storage", help="a database address (e.g. postgresql://host/db) "
                        "instead of DIR/tuner.db")
    status.set_defaults(run=_cmd_status)


def _cmd_status(args):
    import sys
    try:
        print(status_table(args.dir, args.storage))
    except (ValueError, ImportError) as e:
        print(e, file=sys.stderr)
        return 1
    return 0
