"""Keep freed memory inside the process, so that each training step does not page-fault.

A training step allocates and frees the same large temporaries (activations, gradients)
again and again.  glibc's malloc serves blocks above a threshold (128 KiB at first) with
fresh ``mmap`` pages and returns them to the kernel on ``free``; touching new pages costs
a page fault per 4 KiB, which on a small model is most of the step time.  Raising the
mmap threshold and the trim threshold makes malloc reuse freed blocks instead: the same
effect as ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` in the environment.

It is done once, at import, on glibc only.  Opt out with ``SHENJING_MALLOPT=0``; it is
also skipped when those glibc variables are already set.
"""

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20   # glibc's largest allowed value on 64-bit: blocks above stay mmapped
TRIM_THRESHOLD = (1 << 31) - 1

applied = False


def keep_freed_memory():
    """Tell glibc to reuse freed blocks below 32 MiB instead of unmapping them.

    Returns True when the setting was applied.
    """
    global applied
    if applied:
        return True
    if os.environ.get("SHENJING_MALLOPT", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, ValueError):
        return False
    applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return applied
