"""Shared by the rank scripts: write this rank's results as JSON (atomically)."""

import json
import sys
from pathlib import Path

from shenjing.io.atomic import atomic_open


def write_result(rank, result):
    """Write ``result`` to ``<argv[1]>/rank{rank}.json``."""
    with atomic_open(Path(sys.argv[1]) / f"rank{rank}.json", "w") as f:
        json.dump(result, f)
