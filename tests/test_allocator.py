"""The allocator setting is applied at import on glibc, and SHENJING_MALLOPT=0 opts out."""

import os
import subprocess
import sys

import pytest

glibc = sys.platform.startswith("linux") and bool(os.confstr("CS_GNU_LIBC_VERSION") or "")


def _applied(env):
    code = "import shenjing; print(shenjing.allocator.applied)"
    full = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                          text=True, check=True).stdout.strip()


@pytest.mark.skipif(not glibc, reason="mallopt is a glibc setting")
def test_applied_by_default_and_opt_out():
    assert _applied({}) == "True"
    assert _applied({"SHENJING_MALLOPT": "0"}) == "False"
    assert _applied({"MALLOC_MMAP_THRESHOLD_": "1000000"}) == "False"
