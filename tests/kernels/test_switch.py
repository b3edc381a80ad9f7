"""How the kernels are switched: SHENJING_KERNELS=numpy, a missing numba, and that
shenjing's import does not import numba (it is loaded by the first kernel call)."""

import os
import subprocess
import sys

import numpy as np

from shenjing import kernels


def _run(code, **env):
    environ = {k: v for k, v in os.environ.items() if k != "SHENJING_KERNELS"}
    environ.update(env)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environ, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_importing_shenjing_does_not_import_numba():
    out = _run("import sys, shenjing; print('numba' in sys.modules)").stdout
    assert out.strip() == "False"


def test_environment_forces_the_reference_path():
    code = ("import sys, numpy, shenjing; from shenjing import kernels; "
            "print(kernels.enabled(), kernels.usable(numpy.zeros(2, numpy.float32)), "
            "'numba' in sys.modules)")
    assert _run(code, SHENJING_KERNELS="numpy").stdout.split() == ["False", "False", "False"]


def test_missing_numba_warns_once_and_runs_the_reference():
    code = ("import sys, warnings; sys.modules['numba'] = None\n"
            "import numpy, shenjing; from shenjing import kernels\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            "    warnings.simplefilter('always')\n"
            "    on = [kernels.enabled() for _ in range(3)]\n"
            "    y = shenjing.relu(shenjing.tensor([-1.0, 2.0])).tolist()\n"
            "print(on, y, len(caught)); print(caught[0].message)")
    out = _run(code).stdout.splitlines()
    assert out[0] == "[False, False, False] [0.0, 2.0] 1"
    assert "numba could not be imported" in out[1] and "NumPy reference" in out[1]


def test_module_is_none_inside_reference():
    with kernels.reference():
        assert kernels.module("common") is None
        assert not kernels.usable(np.ones(3))
