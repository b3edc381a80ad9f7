"""Data sets: the IDX reader and the small real samples shipped inside the package.

``load_sample("mnist")`` works offline; full downloads (cached, with pinned checksums)
will live beside it.
"""

from .idx import IDXError, parse_idx, read_idx
from .samples import SAMPLES, load_sample

__all__ = ["IDXError", "read_idx", "parse_idx", "load_sample", "SAMPLES"]
