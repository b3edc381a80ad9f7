"""Subcommands of the ``shenjing`` command for the course projects.

- ``examples`` / ``run NAME`` (``run.py``): list the examples, run one (``registry.py``
  says which exist, ``session.py`` gives each run its progress bars, checkpoints and
  ``metrics.json``);
- ``gradcheck MODULE:FACTORY`` (``gradcheck.py``): check a user's own layer or function.
"""


def add_commands(sub, positive_int):
    """Add ``examples``, ``run`` and ``gradcheck`` to the ``shenjing`` subparsers ``sub``."""
    from . import gradcheck, run
    run.add_commands(sub, positive_int)
    gradcheck.add_commands(sub)
